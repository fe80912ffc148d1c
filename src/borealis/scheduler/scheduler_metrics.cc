#include "borealis/scheduler/scheduler_metrics.h"

#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "borealis/core/quota.h"
#include "borealis/model/maintenance.h"
#include "borealis/model/schedule_status.h"

namespace borealis::scheduler {

namespace {

using base::MetricFamily;
using base::MetricSample;
using base::MetricType;

MetricFamily Family(std::string name, std::string help, MetricType type,
                    std::vector<std::string> labels) {
  return MetricFamily{std::move(name), std::move(help), type, std::move(labels), {}};
}

void AddSample(MetricFamily& f, std::vector<std::string> labels, double value) {
  f.samples.push_back(MetricSample{std::move(labels), value, {}});
}

// Gauges over the published view (O(tasks + agents + roles) per scrape, off the core).
std::vector<MetricFamily> ViewGauges(const SchedulerView& view) {
  std::vector<MetricFamily> out;
  std::map<model::ScheduleStatus, int64_t> by_state;
  for (model::ScheduleStatus s : model::AllStatuses()) by_state[s] = 0;
  std::map<std::string, core::QuotaConsumption> use;
  for (const auto& [id, t] : *view.tasks) {
    ++by_state[t->status];
    if (t->config) core::AddToConsumption(*t, use[t->job().role]);
  }
  MetricFamily tasks = Family("task_store", "Tasks in the scheduler's store, by state.",
                              MetricType::kGauge, {"state"});
  for (const auto& [s, n] : by_state) AddSample(tasks, {std::string(model::StatusName(s))}, n);
  out.push_back(std::move(tasks));
  out.push_back(MetricFamily::Gauge("pending_tasks", "Tasks waiting for a host (PENDING).",
                                    by_state[model::ScheduleStatus::kPending]));
  out.push_back(MetricFamily::Gauge("pending_classes_with_reason",
                                    "Pending task classes with a reason from their last try.",
                                    static_cast<double>(view.pending_reasons->classes())));

  // Agents, and their hosts' maintenance modes.
  int64_t connected = 0;
  std::map<model::MaintenanceMode, int64_t> by_mode;
  for (const auto& [id, a] : *view.agents) {
    auto it = a.info == nullptr ? view.host_modes->end() : view.host_modes->find(a.info->host);
    ++by_mode[it == view.host_modes->end() ? model::MaintenanceMode::kNone : it->second];
  }
  for (const auto& [id, a] : *view.agents) connected += a.connected ? 1 : 0;
  const auto known = static_cast<int64_t>(view.agents->size());
  out.push_back(MetricFamily::Gauge("agents_known", "Agents known (registered or from tasks).",
                                    static_cast<double>(known)));
  out.push_back(MetricFamily::Gauge("agents_connected", "Agents with a live session.",
                                    static_cast<double>(connected)));
  MetricFamily modes = Family("agents_by_mode", "Known agents by maintenance mode.",
                              MetricType::kGauge, {"mode"});
  for (model::MaintenanceMode m :
       {model::MaintenanceMode::kNone, model::MaintenanceMode::kScheduled,
        model::MaintenanceMode::kDraining, model::MaintenanceMode::kDrained}) {
    AddSample(modes, {std::string(model::MaintenanceModeName(m))},
              static_cast<double>(by_mode[m]));
  }
  out.push_back(std::move(modes));

  MetricFamily quota = Family("quota_allocated", "Quota of each role (cpus, ram_mb, disk_mb).",
                              MetricType::kGauge, {"role", "resource"});
  for (const auto& [role, r] : view.quotas) {
    AddSample(quota, {role, "cpus"}, static_cast<double>(r.milli_cpus) / 1000);
    AddSample(quota, {role, "ram_mb"}, static_cast<double>(r.ram_mb));
    AddSample(quota, {role, "disk_mb"}, static_cast<double>(r.disk_mb));
  }
  out.push_back(std::move(quota));
  MetricFamily used = Family("quota_used",
                             "What each role's active production tasks consume of its quota.",
                             MetricType::kGauge, {"role", "resource"});
  for (const auto& [role, c] : use) {
    AddSample(used, {role, "cpus"}, static_cast<double>(c.prod_shared.milli_cpus) / 1000);
    AddSample(used, {role, "ram_mb"}, static_cast<double>(c.prod_shared.ram_mb));
    AddSample(used, {role, "disk_mb"}, static_cast<double>(c.prod_shared.disk_mb));
  }
  out.push_back(std::move(used));
  return out;
}

// The core's counters (SchedulerView::counters), one counter family each.
std::vector<MetricFamily> CoreCounters(const SchedulerView& view) {
  std::vector<MetricFamily> out;
  for (const auto& [name, value] : view.counters) {
    if (!base::IsValidMetricName(name)) continue;
    out.push_back(MetricFamily::Counter(name, "Events counted by the scheduler core.",
                                        static_cast<double>(value)));
  }
  return out;
}

std::vector<MetricFamily> Common(const SchedulerView& view,
                                 const base::MetricsRegistry& registry) {
  std::vector<MetricFamily> out = registry.Collect();
  for (MetricFamily& f : ViewGauges(view)) out.push_back(std::move(f));
  for (MetricFamily& f : CoreCounters(view)) out.push_back(std::move(f));
  return out;
}

// "job_uptime_99_00_sec" → the percentile "99"; empty for the other algorithms.
std::string UptimePercentile(const std::string& algorithm) {
  if (!absl::StartsWith(algorithm, "job_uptime_")) return "";
  const std::string rest = algorithm.substr(11);
  return rest.substr(0, rest.find('_'));
}

}  // namespace

SchedulerMetrics::SchedulerMetrics(base::MetricsRegistry& r)
    : registry(r),
      api_seconds(r.GetHistogramFamily("api_request_seconds",
                                       "Thrift API calls on /api: time to answer, by method.",
                                       {"method"}, base::LatencyBuckets())),
      placement_seconds(r.GetHistogram("placement_pass_seconds",
                                       "Placement passes over pending tasks: duration.",
                                       base::LatencyBuckets())),
      commit_seconds(r.GetHistogram("storage_commit_seconds",
                                    "Group commits: append and fsync of one log transaction.",
                                    base::LatencyBuckets())),
      status_update_delay_seconds(r.GetHistogram(
          "status_update_delay_seconds",
          "Task status updates: from the agent's timestamp to the scheduler handling it.",
          base::DelayBuckets())),
      sla_compute_seconds(r.GetHistogram("sla_stats_computation_seconds",
                                         "One refresh of the SLA metrics.",
                                         base::LatencyBuckets())) {}

std::vector<MetricFamily> CollectForPrometheus(const SchedulerView& view,
                                               const base::MetricsRegistry& registry,
                                               const std::vector<core::SlaMetric>& sla) {
  std::vector<MetricFamily> out = Common(view, registry);
  std::map<std::string, MetricFamily> families;
  for (const core::SlaMetric& m : sla) {
    const std::string percentile = UptimePercentile(m.algorithm);
    const std::string name = percentile.empty() ? "sla_" + m.algorithm : "sla_job_uptime_seconds";
    auto it = families.find(name);
    if (it == families.end()) {
      std::vector<std::string> labels = {"group", "key", "tier"};
      if (!percentile.empty()) labels.push_back("percentile");
      it = families
               .emplace(name, Family(name, "SLA metric (docs/metrics.md, \"SLA metrics\").",
                                     MetricType::kGauge, std::move(labels)))
               .first;
    }
    std::vector<std::string> values = {m.group, m.group == "cluster" ? "cluster" : m.key,
                                       m.non_prod ? "nonprod" : "prod"};
    if (!percentile.empty()) values.push_back(percentile);
    AddSample(it->second, std::move(values), m.value);
  }
  for (auto& [name, f] : families) out.push_back(std::move(f));
  return out;
}

std::vector<MetricFamily> CollectForVars(const SchedulerView& view,
                                         const base::MetricsRegistry& registry,
                                         const std::vector<core::SlaMetric>& sla) {
  std::vector<MetricFamily> out = Common(view, registry);
  for (const core::SlaMetric& m : sla) out.push_back(MetricFamily::Gauge(m.VarName(), "", m.value));
  return out;
}

}  // namespace borealis::scheduler
