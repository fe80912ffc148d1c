// Options of the scheduler's timed components, kept out of scheduler_core.h so that the
// daemon's flags and the components share them: preemption (components/preemptor.h),
// history pruning (components/history_pruner.h) and reconciliation with agents
// (components/reconciler.h). Aurora's flags of the same names (docs/aurora-compatibility.md).
#pragma once

#include <cstdint>

#include "borealis/core/pruning.h"

namespace borealis::scheduler {

struct RuleOptions {
  // Preemption.
  bool enable_preemptor = true;
  int64_t preemption_delay_ms = 180'000;  // a task must be PENDING this long
  int64_t preemption_slot_search_initial_delay_ms = 180'000;
  int64_t preemption_slot_search_interval_ms = 60'000;
  int64_t preemption_slot_hold_time_ms = 300'000;  // a freed host waits this long for its task
  int32_t preemption_reservation_max_batch_size = 5;  // slots per job per search
  // Placement's blocked set (components/blocked_set.h): false evaluates every PENDING task
  // in every pass, as before it existed; a class parked because it fit nowhere is tried
  // again this long after its last try even without an event that could let it fit (0:
  // only on such events).
  bool enable_blocked_set = true;
  int64_t blocked_recheck_ms = 60'000;
  // Task history pruning.
  core::PruningOptions pruning;
  int64_t history_prune_interval_ms = 60'000;  // how often the pruner looks
  // Reconciliation.
  int64_t reconciliation_initial_delay_ms = 60'000;
  int64_t reconciliation_explicit_interval_ms = 3'600'000;
  int64_t reconciliation_implicit_interval_ms = 3'600'000;
  int64_t reconciliation_schedule_spread_ms = 1'800'000;  // implicit runs this much later
  int32_t reconciliation_explicit_batch_size = 1000;      // task ids per Reconcile message
};

}  // namespace borealis::scheduler
