// Reconciler: keeps the scheduler's idea of what runs where in step with the agents.
//
//  * On registration (OnRegister): tasks the scheduler placed on the agent that it does not
//    report become LOST; a PARTITIONED task it still has takes the state it reports; tasks
//    being killed there get their kill again; tasks it runs that the scheduler does not
//    expect there are killed.
//  * Explicit, every reconciliation_explicit_interval_ms (first after
//    reconciliation_initial_delay_ms): each connected agent gets Reconcile messages naming
//    every task the scheduler has on it (SLAVE_ASSIGNED states), in batches of
//    reconciliation_explicit_batch_size ids. The agent answers each id with a StatusUpdate
//    of the task's state, LOST for ids it does not know; those updates are handled like any
//    other, so a task the agent lost becomes LOST and is rescheduled.
//  * Implicit, every reconciliation_implicit_interval_ms (offset by
//    reconciliation_schedule_spread_ms): each connected agent gets an empty Reconcile, which
//    asks for every task it has; updates for tasks the scheduler does not have there are
//    answered with a kill (core::ShouldKillUnknownTask).
//
// State: its two timers. Thread contract: the owner's thread.
#pragma once

#include <cstdint>
#include <optional>

#include "borealis/scheduler/component.h"
#include "borealis/scheduler/rules.h"
#include "gen-cpp/agent_types.h"

namespace borealis::scheduler {

class Reconciler {
 public:
  explicit Reconciler(const RuleOptions& options) : options_(options) {}

  // An agent (re-)registered with the tasks it runs.
  void OnRegister(const agentproto::RegisterAgent& registration, ComponentContext& ctx);
  // Explicit and implicit reconciliation, each on its interval.
  void Tick(int64_t now, ComponentContext& ctx);
  // One round now, on an operator's request (AuroraAdmin's trigger*TaskReconciliation);
  // the timers are left as they are. `batch_size` > 0 overrides
  // reconciliation_explicit_batch_size for this round.
  void TriggerExplicit(ComponentContext& ctx, std::optional<int32_t> batch_size);
  void TriggerImplicit(ComponentContext& ctx);

 private:
  void ReconcileExplicitly(ComponentContext& ctx, int32_t batch_size);
  void ReconcileImplicitly(ComponentContext& ctx);

  RuleOptions options_;
  bool started_ = false;
  int64_t next_explicit_ms_ = 0;
  int64_t next_implicit_ms_ = 0;
};

}  // namespace borealis::scheduler
