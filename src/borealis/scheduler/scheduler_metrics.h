// The scheduler's metrics (docs/metrics.md): the histograms its threads update as they
// go, and what /vars, /vars.json and /metrics show, put together at scrape time from the
// registry, a published view (tasks by state, agents, pending tasks, quota use, the
// core's counters) and the latest SLA metrics (sla_stats.h).
//
// Thread contract: SchedulerMetrics' histograms are updated from any thread (the core's,
// the committer's, HTTP threads) without locks; the Collect functions are pure over their
// arguments.
#pragma once

#include <string>
#include <vector>

#include "borealis/base/metrics.h"
#include "borealis/core/sla_metrics.h"
#include "borealis/scheduler/scheduler_core.h"

namespace borealis::scheduler {

struct SchedulerMetrics {
  explicit SchedulerMetrics(base::MetricsRegistry& registry);

  base::MetricsRegistry& registry;
  base::HistogramFamily& api_seconds;        // label: method
  base::Histogram& placement_seconds;        // a placement pass that had pending tasks
  base::Histogram& commit_seconds;           // append + fsync (and snapshot when due)
  base::Histogram& status_update_delay_seconds;  // agent's timestamp → scheduler handles it
  base::Histogram& sla_compute_seconds;      // one refresh of the SLA metrics
};

// What /metrics shows: the registry's metrics, the view's gauges and counters, and `sla`
// as labelled families (sla_mtta_ms{group="job",key="role/env/name",tier="prod"}).
std::vector<base::MetricFamily> CollectForPrometheus(const SchedulerView& view,
                                                     const base::MetricsRegistry& registry,
                                                     const std::vector<core::SlaMetric>& sla);
// What /vars and /vars.json show: the same values, with Aurora's names for the SLA metrics
// (sla_role/env/name_mtta_ms).
std::vector<base::MetricFamily> CollectForVars(const SchedulerView& view,
                                               const base::MetricsRegistry& registry,
                                               const std::vector<core::SlaMetric>& sla);

}  // namespace borealis::scheduler
