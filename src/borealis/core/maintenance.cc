#include "borealis/core/maintenance.h"

#include <algorithm>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "borealis/core/task_state_machine.h"
#include "borealis/model/task_config.h"

namespace borealis::core {

absl::Status ValidateMaintenanceHosts(const std::set<std::string>& hosts,
                                      const std::set<std::string>& known) {
  if (hosts.empty()) return absl::InvalidArgumentError("hosts: no host given");
  std::vector<std::string> unknown;
  for (const std::string& host : hosts) {
    if (host.empty()) return absl::InvalidArgumentError("hosts: an empty host name");
    if (known.count(host) == 0) unknown.push_back(absl::StrCat("'", host, "'"));
  }
  if (!unknown.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("hosts: unknown host", unknown.size() > 1 ? "s " : " ",
                     absl::StrJoin(unknown, ", "), " (no agent of this cluster has that name)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateDrainTimeout(int64_t timeout_secs) {
  if (timeout_secs < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("timeoutSecs: must not be negative, got ", timeout_secs));
  }
  return absl::OkStatus();
}

std::optional<int64_t> LatestRunningMs(const model::Task& task) {
  std::optional<int64_t> latest;
  for (const model::TaskEvent& e : task.events) {
    if (e.status == model::ScheduleStatus::kRunning) {
      latest = std::max(latest.value_or(e.timestamp_ms), e.timestamp_ms);
    }
  }
  return latest;
}

bool MeetsSla(const model::SlaPolicy& policy, int64_t running, int64_t active) {
  if (active <= 0) return true;
  if (const auto* p = std::get_if<model::PercentageSlaPolicy>(&policy)) {
    const double total = static_cast<double>(active);
    double required = p->percentage;
    const auto may_go = static_cast<int64_t>((1 - required / 100.0) * total);
    if (may_go < 1) required = (total - 1) / total * 100.0;  // let one go
    return static_cast<double>(running) / total * 100.0 >= required;
  }
  if (const auto* c = std::get_if<model::CountSlaPolicy>(&policy)) {
    int64_t required = c->count;
    if (active - required < 1) required = active - 1;  // let one go
    return running >= required;
  }
  return false;
}

bool SkipSla(bool production, int64_t active, const SlaOptions& options) {
  if (production || options.kill_non_prod) return active < options.min_required_instances;
  return true;
}

namespace {
int64_t DurationSecs(const model::SlaPolicy& policy) {
  if (const auto* p = std::get_if<model::PercentageSlaPolicy>(&policy)) return p->duration_secs;
  if (const auto* c = std::get_if<model::CountSlaPolicy>(&policy)) return c->duration_secs;
  return 0;
}
}  // namespace

DrainDecision DecideDrain(const model::Task& task, const std::vector<const model::Task*>& job_tasks,
                          const model::MaintenanceRequest& request, int64_t now_ms,
                          const SlaOptions& options) {
  DrainDecision d;
  d.remaining_ms = request.created_ms + request.timeout_secs * 1000 - now_ms;
  if (!IsLegalTransition(task.status, model::ScheduleStatus::kDraining)) {
    d.action = DrainAction::kSkip;
    return d;
  }
  if (d.remaining_ms < 0) {
    d.forced = true;
    d.action = DrainAction::kDrain;
    return d;
  }
  const model::SlaPolicy& policy =
      task.config && task.config->sla_policy ? *task.config->sla_policy : request.default_policy;
  if (std::holds_alternative<model::CoordinatorSlaPolicy>(policy)) {
    d.action = DrainAction::kAskCoordinator;
    return d;
  }
  int64_t active = 0;
  int64_t running = 0;
  const int64_t duration_ms = DurationSecs(policy) * 1000;
  for (const model::Task* t : job_tasks) {
    if (!model::IsActive(t->status)) continue;
    ++active;
    if (t->task_id == task.task_id || t->status != model::ScheduleStatus::kRunning) continue;
    const std::optional<int64_t> since = LatestRunningMs(*t);
    if (since && now_ms - *since > duration_ms) ++running;
  }
  const bool production = task.config && task.config->production;
  if (SkipSla(production, active, options) || MeetsSla(policy, running, active)) {
    d.action = DrainAction::kDrain;
  } else {
    d.action = DrainAction::kWait;
  }
  return d;
}

std::string CoordinatorTaskKey(const std::string& cluster, const model::Task& task) {
  const model::JobKey& job = task.job();
  return absl::StrCat(cluster, "/", job.role, "/", job.environment, "/", job.name, "/",
                      task.instance_id);
}

}  // namespace borealis::core
