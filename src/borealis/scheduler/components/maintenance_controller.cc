#include "borealis/scheduler/components/maintenance_controller.h"

#include <algorithm>

#include "borealis/core/task_state_machine.h"
#include "borealis/model/task_config.h"

namespace borealis::scheduler {

using model::MaintenanceMode;

absl::Status MaintenanceController::CheckHosts(const std::set<std::string>& hosts,
                                               const ComponentContext& ctx) const {
  std::set<std::string> known;
  for (const auto& [id, rec] : ctx.agents()) {
    if (rec.info) known.insert(rec.info->host);
  }
  for (const auto& [host, mode] : *ctx.state().maintenance().modes()) known.insert(host);
  return core::ValidateMaintenanceHosts(hosts, known);
}

std::vector<HostModeStatus> MaintenanceController::SetMode(const std::set<std::string>& hosts,
                                                           MaintenanceMode mode,
                                                           ComponentContext& ctx) {
  std::vector<HostModeStatus> out;
  for (const std::string& host : hosts) {
    if (ctx.state().maintenance().ModeOf(host) != mode ||
        !ctx.state().maintenance().modes()->contains(host)) {
      ctx.Mutate(state::SaveHostMode{host, mode});
      ctx.Count(std::string("maintenance_hosts_to_") + std::string(model::MaintenanceModeName(mode)));
    }
    out.push_back({host, mode});
  }
  ctx.PlacementChanged();
  return out;
}

absl::StatusOr<std::vector<HostModeStatus>> MaintenanceController::Start(
    const std::set<std::string>& hosts, ComponentContext& ctx) {
  if (absl::Status s = CheckHosts(hosts, ctx); !s.ok()) return s;
  return SetMode(hosts, MaintenanceMode::kScheduled, ctx);
}

absl::StatusOr<std::vector<HostModeStatus>> MaintenanceController::Drain(
    const std::set<std::string>& hosts, int64_t now, ComponentContext& ctx) {
  if (absl::Status s = CheckHosts(hosts, ctx); !s.ok()) return s;
  std::vector<HostModeStatus> out;
  for (const std::string& host : hosts) {
    model::MaintenanceRequest request;  // 0 %, no timeout: forced
    request.host = host;
    request.created_ms = now;
    const std::vector<model::TaskId> tasks = TasksOn(AgentsOf({host}, ctx)[host], ctx);
    if (tasks.empty()) {
      ctx.Mutate(state::RemoveMaintenanceRequest{host});
      std::vector<HostModeStatus> s = SetMode({host}, MaintenanceMode::kDrained, ctx);
      out.insert(out.end(), s.begin(), s.end());
      continue;
    }
    ctx.Mutate(state::SaveMaintenanceRequest{request});
    std::vector<HostModeStatus> s = SetMode({host}, MaintenanceMode::kDraining, ctx);
    out.insert(out.end(), s.begin(), s.end());
    for (const model::TaskId& id : tasks) DrainTask(id, request, now, ctx);
  }
  return out;
}

absl::StatusOr<std::vector<HostModeStatus>> MaintenanceController::SlaDrain(
    const std::set<std::string>& hosts, const model::SlaPolicy& policy, int64_t timeout_secs,
    int64_t now, ComponentContext& ctx) {
  if (absl::Status s = CheckHosts(hosts, ctx); !s.ok()) return s;
  if (absl::Status s = core::ValidateDrainTimeout(timeout_secs); !s.ok()) return s;
  for (const std::string& host : hosts) {
    ctx.Mutate(state::SaveMaintenanceRequest{{host, policy, timeout_secs, now}});
  }
  next_poll_ms_.reset();  // the first look at the next tick
  return SetMode(hosts, MaintenanceMode::kDraining, ctx);
}

absl::StatusOr<std::vector<HostModeStatus>> MaintenanceController::End(
    const std::set<std::string>& hosts, ComponentContext& ctx) {
  if (absl::Status s = CheckHosts(hosts, ctx); !s.ok()) return s;
  for (const std::string& host : hosts) {
    if (ctx.state().maintenance().RequestOf(host) != nullptr) {
      ctx.Mutate(state::RemoveMaintenanceRequest{host});
    }
  }
  return SetMode(hosts, MaintenanceMode::kNone, ctx);
}

absl::StatusOr<std::vector<HostModeStatus>> MaintenanceController::Status(
    const std::set<std::string>& hosts, const ComponentContext& ctx) const {
  if (absl::Status s = CheckHosts(hosts, ctx); !s.ok()) return s;
  std::vector<HostModeStatus> out;
  for (const std::string& host : hosts) {
    out.push_back({host, ctx.state().maintenance().ModeOf(host)});
  }
  return out;
}

std::map<std::string, std::vector<model::AgentId>> MaintenanceController::AgentsOf(
    const std::set<std::string>& hosts, const ComponentContext& ctx) const {
  std::map<std::string, std::vector<model::AgentId>> out;
  for (const auto& [id, rec] : ctx.agents()) {
    if (rec.info && hosts.contains(rec.info->host)) out[rec.info->host].push_back(id);
  }
  return out;
}

std::vector<model::TaskId> MaintenanceController::TasksOn(
    const std::vector<model::AgentId>& agents, const ComponentContext& ctx) const {
  std::vector<model::TaskId> out;
  for (const model::AgentId& id : agents) {
    if (const state::AgentLoad* load = ctx.state().LoadOf(id)) {
      for (const model::Task* t : load->tasks) out.push_back(t->task_id);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::set<std::string> MaintenanceController::Draining(const ComponentContext& ctx) const {
  std::set<std::string> out;
  for (const auto& [host, mode] : *ctx.state().maintenance().modes()) {
    if (mode == MaintenanceMode::kDraining) out.insert(host);
  }
  return out;
}

void MaintenanceController::Tick(int64_t now, ComponentContext& ctx) {
  const std::set<std::string> draining = Draining(ctx);
  if (draining.empty()) return;
  auto agents = AgentsOf(draining, ctx);
  // DRAINED once nothing is left on the host.
  std::set<std::string> drained;
  for (const std::string& host : draining) {
    if (TasksOn(agents[host], ctx).empty()) drained.insert(host);
  }
  if (!drained.empty()) {
    for (const std::string& host : drained) ctx.Mutate(state::RemoveMaintenanceRequest{host});
    SetMode(drained, MaintenanceMode::kDrained, ctx);
  }
  if (next_poll_ms_ && now < *next_poll_ms_) return;
  next_poll_ms_ = now + options_.polling_interval_ms;
  for (const std::string& host : draining) {
    if (drained.contains(host)) continue;
    const model::MaintenanceRequest* stored = ctx.state().maintenance().RequestOf(host);
    if (stored == nullptr) {  // cannot drain without a policy: as Aurora, count and wait
      ctx.Count("missing_maintenance_request");
      continue;
    }
    const model::MaintenanceRequest request = *stored;  // drains below change the state
    for (const model::TaskId& id : TasksOn(agents[host], ctx)) DrainTask(id, request, now, ctx);
  }
}

void MaintenanceController::DrainTask(const model::TaskId& id,
                                      const model::MaintenanceRequest& request, int64_t now,
                                      ComponentContext& ctx) {
  const model::Task* task = ctx.state().FindTask(id);
  if (task == nullptr || !task->config) return;
  std::vector<const model::Task*> job_tasks;
  if (const state::TaskTable::JobTasks* tasks = ctx.state().table().Job(task->job())) {
    for (const auto& [tid, t] : *tasks) job_tasks.push_back(t.get());
  }
  const core::DrainDecision d =
      core::DecideDrain(*task, job_tasks, request, now, options_.sla);
  switch (d.action) {
    case core::DrainAction::kSkip:
      return;
    case core::DrainAction::kWait:
      ctx.Count("maintenance_sla_waits");
      return;
    case core::DrainAction::kDrain:
      ctx.Count(d.forced ? "maintenance_forced_drains" : "maintenance_tasks_drained");
      ctx.ChangeTaskState(*task, model::ScheduleStatus::kDraining, core::kDrainingMessage);
      return;
    case core::DrainAction::kAskCoordinator:
      break;
  }
  // DecideDrain asks only under a coordinator policy: the task's own, else the request's.
  const model::SlaPolicy& own =
      task->config->sla_policy ? *task->config->sla_policy : request.default_policy;
  const auto& policy = std::get<model::CoordinatorSlaPolicy>(own);
  for (const auto& [qid, q] : in_flight_) {
    if (q.task_id == id) return;  // asked already
  }
  if (asking_.contains(policy.coordinator_url)) {
    ctx.Count("sla_coordinator_lock_starvation");
    return;
  }
  CoordinatorQuery q;
  q.id = next_query_id_++;
  q.url = policy.coordinator_url;
  q.status_key = policy.status_key;
  q.task_key = core::CoordinatorTaskKey(options_.cluster_name, *task);
  q.countdown_ms = d.remaining_ms;
  q.task = ctx.state().FindTaskPtr(id);
  asking_.insert(q.url);
  in_flight_[q.id] = InFlight{q.url, id};
  ctx.Count("sla_coordinator_attempts");
  queries_.push_back(std::move(q));
}

void MaintenanceController::OnCoordinatorAnswer(const CoordinatorAnswer& answer,
                                                ComponentContext& ctx) {
  auto it = in_flight_.find(answer.id);
  if (it == in_flight_.end()) return;
  const InFlight asked = it->second;
  in_flight_.erase(it);
  asking_.erase(asked.url);
  if (!answer.reached) {
    ctx.Count("sla_coordinator_errors");
    return;
  }
  if (!answer.ok) {
    ctx.Count("sla_coordinator_user_errors");
    return;
  }
  ctx.Count("sla_coordinator_success");
  if (!answer.allowed) return;
  const model::Task* task = ctx.state().FindTask(asked.task_id);
  if (task == nullptr || ctx.state().maintenance().ModeOf(task->agent_host) !=
                             MaintenanceMode::kDraining) {
    return;  // gone, or the host left maintenance meanwhile
  }
  if (!core::IsLegalTransition(task->status, model::ScheduleStatus::kDraining)) return;
  ctx.Count("maintenance_tasks_drained");
  ctx.ChangeTaskState(*task, model::ScheduleStatus::kDraining, core::kDrainingMessage);
}

}  // namespace borealis::scheduler
