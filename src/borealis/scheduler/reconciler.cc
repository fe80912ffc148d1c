// Reconciliation with agents (AURORA.md §3.6), driven by SchedulerCore::RunRules.
//  * Explicit, every reconciliation_explicit_interval_ms (first after
//    reconciliation_initial_delay_ms): each connected agent gets Reconcile messages naming
//    every task the scheduler has on it (SLAVE_ASSIGNED states), in batches of
//    reconciliation_explicit_batch_size ids. The agent answers each id with a StatusUpdate
//    of the task's state, LOST for ids it does not know; those updates go through
//    OnStatusUpdate like any other, so a task the agent lost becomes LOST and is
//    rescheduled.
//  * Implicit, every reconciliation_implicit_interval_ms (offset by
//    reconciliation_schedule_spread_ms): each connected agent gets an empty Reconcile, which
//    asks for every task it has; updates for tasks the scheduler does not have there are
//    answered with a kill (OnStatusUpdate, core::ShouldKillUnknownTask).
// Registration reconciles too (ReconcileAgent in scheduler_core.cc).
#include <algorithm>
#include <cstddef>

#include "borealis/scheduler/scheduler_core.h"

namespace borealis::scheduler {

void SchedulerCore::ReconcileExplicitly() {
  std::map<std::string, std::vector<std::string>> by_agent;
  for (const auto& [id, rec] : agents_) {
    if (rec.registered && rec.connected) by_agent[id];
  }
  for (const auto& [id, t] : state_.table()) {
    if (!model::IsSlaveAssigned(t->status)) continue;
    auto it = by_agent.find(t->agent_id);
    if (it != by_agent.end()) it->second.push_back(t->task_id);
  }
  const size_t batch = static_cast<size_t>(
      std::max<int32_t>(1, options_.rules.reconciliation_explicit_batch_size));
  for (auto& [agent_id, ids] : by_agent) {
    for (size_t i = 0; i < ids.size(); i += batch) {
      agentproto::Reconcile reconcile;
      const size_t end = std::min(ids.size(), i + batch);
      reconcile.taskIds.assign(ids.begin() + static_cast<std::ptrdiff_t>(i),
                               ids.begin() + static_cast<std::ptrdiff_t>(end));
      QueueSend(agent_id, std::move(reconcile));
      Count("reconciliation_explicit_messages");
    }
  }
  Count("reconciliation_explicit_runs");
}

void SchedulerCore::ReconcileImplicitly() {
  for (const auto& [id, rec] : agents_) {
    if (!rec.registered || !rec.connected) continue;
    QueueSend(id, agentproto::Reconcile{});
  }
  Count("reconciliation_implicit_runs");
}

}  // namespace borealis::scheduler
