// SLA metrics of the scheduler (docs/metrics.md, "SLA metrics"): pure math over the task
// event histories, computed for a sample window ending at `now`, as Aurora's scheduler
// exported them on /vars.
//
//   platform_uptime_percent  time service instances were UP over the window, out of the
//                            time they were not REMOVED (user-caused downtime excluded)
//   job_uptime_P_sec         for P in 50, 75, 90, 95, 99: how long RUNNING instances have
//                            been running, at that percentile (seconds)
//   mtta_ms, mtts_ms, mttr_ms  median time from PENDING to ASSIGNED / STARTING / RUNNING of
//                            active tasks that reached that state within the window
//
// Each is computed per group: per job, for the cluster, and per size bucket of cpu, ram
// and disk (medians only). Only service tasks count; production and non-production tasks
// are separate sets, each with its own categories (non-production names end in
// "_nonprod").
//
// Pure: no clock, no I/O. Thread contract: none (values in, values out).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "borealis/model/task.h"

namespace borealis::core {

enum class SlaCategory { kJobUptimes, kPlatformUptime, kMedians };

struct SlaMetricsOptions {
  int64_t window_ms = 60'000;  // the refresh interval: the sample window ends at `now`
  std::set<SlaCategory> prod = {SlaCategory::kJobUptimes, SlaCategory::kPlatformUptime,
                                SlaCategory::kMedians};
  std::set<SlaCategory> non_prod;
};

// Parses "JOB_UPTIMES", "PLATFORM_UPTIME", "MEDIANS" (Aurora's category names).
bool ParseSlaCategory(const std::string& name, SlaCategory* out);

struct SlaMetric {
  // "job", "cluster", "cpu", "ram" or "disk".
  std::string group;
  // The job key (role/env/name) for "job", the size bucket (small .. xxlarge) for a
  // resource, empty for "cluster".
  std::string key;
  // "platform_uptime_percent", "job_uptime_99_00_sec", "mtta_ms", "mtts_ms", "mttr_ms".
  std::string algorithm;
  bool non_prod = false;
  double value = 0;

  // Aurora's /vars name: sla_<role/env/name>_mtta_ms, sla_cluster_mtta_ms,
  // sla_cpu_small_mtta_ms, ... with "_nonprod" after it for non-production tasks.
  std::string VarName() const;
};

// Every metric of the categories enabled for each tier, sorted by VarName.
std::vector<SlaMetric> ComputeSlaMetrics(const std::vector<const model::Task*>& tasks,
                                         int64_t now_ms, const SlaMetricsOptions& options);

// ---- the algorithms, exposed for tests and tools ----

// The value at `percentile` of the continuous distribution of `samples`, as Aurora's
// SlaUtil.percentile: larger values cover `percentile` % of it (p50 of 30,60,70,90 is 65,
// p75 is 52.5). 0 when there are no samples.
double SlaPercentile(std::vector<int64_t> samples, double percentile);

// Aggregate platform uptime (percent) of the instances of `tasks` over [from_ms, to_ms);
// 100 when no instance had any time that counts.
double PlatformUptimePercent(const std::vector<const model::Task*>& tasks, int64_t from_ms,
                             int64_t to_ms);

// Median wait (ms) from PENDING to `status` of the active tasks whose first `status` event
// is within [from_ms, to_ms).
double MedianTimeToStatusMs(const std::vector<const model::Task*>& tasks,
                            model::ScheduleStatus status, int64_t from_ms, int64_t to_ms);

// Uptime (seconds) of RUNNING tasks at `percentile`, measured to `now_ms` from each
// task's latest event.
double JobUptimeSeconds(const std::vector<const model::Task*>& tasks, double percentile,
                        int64_t now_ms);

// "small" .. "xxlarge" for a resource value (milli-cpus, or MiB of ram or disk).
std::string SizeBucket(const std::string& resource, int64_t value);

}  // namespace borealis::core
