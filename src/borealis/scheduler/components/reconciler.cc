#include "borealis/scheduler/components/reconciler.h"

#include <algorithm>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "borealis/wire/convert.h"

namespace borealis::scheduler {

using model::ScheduleStatus;

void Reconciler::OnRegister(const agentproto::RegisterAgent& registration,
                            ComponentContext& ctx) {
  const state::ClusterState& state = ctx.state();
  const model::AgentId agent_id(registration.agentId);
  std::map<model::TaskId, api::ScheduleStatus::type> reported;
  for (const auto& t : registration.tasks) reported[model::TaskId(t.taskId)] = t.status;
  // Tasks we placed there that the agent does not have are gone.
  std::vector<model::Task> missing;
  std::vector<model::Task> killing;
  const state::AgentLoad* load = state.LoadOf(agent_id);
  for (const model::Task* t : load ? state::SortedById(load->tasks)
                                   : std::vector<const model::Task*>{}) {
    const model::TaskId& id = t->task_id;
    if (reported.count(id) == 0) {
      missing.push_back(*t);
    } else if (t->status == ScheduleStatus::kKilling) {
      killing.push_back(*t);
    }
  }
  for (const auto& t : missing) {
    ctx.ChangeTaskState(t, ScheduleStatus::kLost,
                        "Task not found on its agent when it registered");
  }
  // A partitioned task the agent still has takes the state the agent reports.
  for (const auto& [id, status] : reported) {
    const model::Task* t = state.FindTask(id);
    if (t == nullptr || t->agent_id != agent_id || t->status != ScheduleStatus::kPartitioned) {
      continue;
    }
    auto s = wire::FromThrift(status);
    if (s.ok()) ctx.ChangeTaskState(*t, *s, "Agent reconnected");
  }
  for (const auto& t : killing) ctx.SendKill(t.agent_id, t.task_id, "Killed by request");
  // Tasks the agent runs that we do not expect there are killed.
  for (const auto& [id, status] : reported) {
    const model::Task* t = state.FindTask(id);
    const bool terminal_report = status == api::ScheduleStatus::FINISHED ||
                                 status == api::ScheduleStatus::FAILED ||
                                 status == api::ScheduleStatus::KILLED ||
                                 status == api::ScheduleStatus::LOST;
    if (terminal_report) continue;
    if (t == nullptr || t->agent_id != agent_id || model::IsTerminal(t->status)) {
      ctx.SendKill(agent_id, id, "Task is not expected to run on this agent");
    }
  }
}

void Reconciler::Tick(int64_t now, ComponentContext& ctx) {
  if (!started_) {
    started_ = true;
    next_explicit_ms_ = now + options_.reconciliation_initial_delay_ms;
    next_implicit_ms_ = now + options_.reconciliation_initial_delay_ms +
                        options_.reconciliation_schedule_spread_ms;
  }
  if (now >= next_explicit_ms_) {
    next_explicit_ms_ = now + options_.reconciliation_explicit_interval_ms;
    ReconcileExplicitly(ctx, options_.reconciliation_explicit_batch_size);
  }
  if (now >= next_implicit_ms_) {
    next_implicit_ms_ = now + options_.reconciliation_implicit_interval_ms;
    ReconcileImplicitly(ctx);
  }
}

void Reconciler::TriggerExplicit(ComponentContext& ctx, std::optional<int32_t> batch_size) {
  ctx.Count("reconciliation_explicit_triggered");
  ReconcileExplicitly(ctx, batch_size.value_or(options_.reconciliation_explicit_batch_size));
}

void Reconciler::TriggerImplicit(ComponentContext& ctx) {
  ctx.Count("reconciliation_implicit_triggered");
  ReconcileImplicitly(ctx);
}

void Reconciler::ReconcileExplicitly(ComponentContext& ctx, int32_t batch_size) {
  std::map<model::AgentId, std::vector<std::string>> by_agent;
  for (const auto& [id, rec] : ctx.agents()) {
    if (rec.live()) by_agent[id];
  }
  for (const auto& [id, t] : ctx.state().table()) {
    if (!model::IsSlaveAssigned(t->status)) continue;
    auto it = by_agent.find(t->agent_id);
    if (it != by_agent.end()) it->second.push_back(t->task_id.str());  // wire ids
  }
  const size_t batch =
      static_cast<size_t>(std::max<int32_t>(1, batch_size));
  for (auto& [agent_id, ids] : by_agent) {
    for (size_t i = 0; i < ids.size(); i += batch) {
      agentproto::Reconcile reconcile;
      const size_t end = std::min(ids.size(), i + batch);
      reconcile.taskIds.assign(ids.begin() + static_cast<std::ptrdiff_t>(i),
                               ids.begin() + static_cast<std::ptrdiff_t>(end));
      ctx.QueueSend(agent_id, std::move(reconcile));
      ctx.Count("reconciliation_explicit_messages");
    }
  }
  ctx.Count("reconciliation_explicit_runs");
}

void Reconciler::ReconcileImplicitly(ComponentContext& ctx) {
  for (const auto& [id, rec] : ctx.agents()) {
    if (rec.live()) ctx.QueueSend(id, agentproto::Reconcile{});
  }
  ctx.Count("reconciliation_implicit_runs");
}

}  // namespace borealis::scheduler
