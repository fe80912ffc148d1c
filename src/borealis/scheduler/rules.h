// Options and bookkeeping of the scheduler's timed rules, kept out of scheduler_core.h:
// preemption (AURORA.md §4.4, preemptor.cc), partitioned tasks (§3.5, partitions.cc),
// task history pruning (§3.7, pruner.cc) and reconciliation with agents (§3.6,
// reconciler.cc). SchedulerCore::Tick runs them through RunRules().
//
// Thread contract: owned by the SchedulerCore; touched only on its thread.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "borealis/core/pruning.h"

namespace borealis::scheduler {

struct RuleOptions {
  // §4.4 (Aurora's flags of the same names).
  bool enable_preemptor = true;
  int64_t preemption_delay_ms = 180'000;  // a task must be PENDING this long
  int64_t preemption_slot_search_initial_delay_ms = 180'000;
  int64_t preemption_slot_search_interval_ms = 60'000;
  int64_t preemption_slot_hold_time_ms = 300'000;  // a freed host waits this long for its task
  int32_t preemption_reservation_max_batch_size = 5;  // slots per job per search
  // §3.7.
  core::PruningOptions pruning;
  int64_t history_prune_interval_ms = 60'000;  // how often the pruner looks
  // §3.6.
  int64_t reconciliation_initial_delay_ms = 60'000;
  int64_t reconciliation_explicit_interval_ms = 3'600'000;
  int64_t reconciliation_implicit_interval_ms = 3'600'000;
  int64_t reconciliation_schedule_spread_ms = 1'800'000;  // implicit runs this much later
  int32_t reconciliation_explicit_batch_size = 1000;      // task ids per Reconcile message
};

// A host held for a preemptor: its victims are being killed for `task_id`.
struct SlotReservation {
  std::string task_id;
  std::vector<std::string> victim_ids;
  int64_t expires_ms = 0;
};

struct RulesState {
  bool started = false;  // the first RunRules sets the timers below
  int64_t next_preemption_ms = 0;
  int64_t next_prune_ms = 0;
  int64_t next_explicit_reconcile_ms = 0;
  int64_t next_implicit_reconcile_ms = 0;
  std::map<std::string, SlotReservation> reservations;  // agent id → reservation
  std::map<std::string, int64_t> prune_deadline_ms;     // terminal task id → when
  std::set<std::string> partitioned;  // ids of tasks that may be PARTITIONED
  std::map<std::string, int32_t> kill_retries;  // task id → kills re-sent so far
};

}  // namespace borealis::scheduler
