// SchedulerCore::RunRules: the timed rules run from Tick, in this order — partitioned tasks
// past their delay become LOST, held slots launch their preemptor, then the preemptor's
// search, the history pruner and reconciliation, each on its own interval.
#include <algorithm>
#include <iterator>

#include "borealis/scheduler/scheduler_core.h"

namespace borealis::scheduler {

void SchedulerCore::RunRules(int64_t now) {
  if (!rules_.started) {
    rules_.started = true;
    const RuleOptions& o = options_.rules;
    rules_.next_preemption_ms = now + o.preemption_slot_search_initial_delay_ms;
    rules_.next_prune_ms = now;
    rules_.next_explicit_reconcile_ms = now + o.reconciliation_initial_delay_ms;
    rules_.next_implicit_reconcile_ms =
        now + o.reconciliation_initial_delay_ms + o.reconciliation_schedule_spread_ms;
    // Tasks recovered PARTITIONED are watched like those partitioned by this scheduler.
    for (const auto& [id, t] : state_.table()) {
      if (t->status == model::ScheduleStatus::kPartitioned) rules_.partitioned.insert(t->task_id);
    }
  }
  SweepPartitioned(now);
  LaunchReserved(now);
  if (options_.rules.enable_preemptor && now >= rules_.next_preemption_ms) {
    rules_.next_preemption_ms = now + options_.rules.preemption_slot_search_interval_ms;
    SearchPreemptionSlots(now);
  }
  if (now >= rules_.next_prune_ms) {
    rules_.next_prune_ms = now + options_.rules.history_prune_interval_ms;
    PruneHistory(now);
    for (auto it = rules_.kill_retries.begin(); it != rules_.kill_retries.end();) {
      const model::Task* t = state_.FindTask(it->first);
      it = t == nullptr || model::IsTerminal(t->status) ? rules_.kill_retries.erase(it)
                                                          : std::next(it);
    }
  }
  if (now >= rules_.next_explicit_reconcile_ms) {
    rules_.next_explicit_reconcile_ms = now + options_.rules.reconciliation_explicit_interval_ms;
    ReconcileExplicitly();
  }
  if (now >= rules_.next_implicit_reconcile_ms) {
    rules_.next_implicit_reconcile_ms = now + options_.rules.reconciliation_implicit_interval_ms;
    ReconcileImplicitly();
  }
}

int64_t SchedulerCore::KillRetryDelayMs(const std::string& task_id) const {
  // Aurora's truncated binary backoff: --kill-retry-ms, doubled after each retry, at most
  // the transient-state timeout.
  auto it = rules_.kill_retries.find(task_id);
  const int32_t retries = it == rules_.kill_retries.end() ? 0 : it->second;
  int64_t delay = std::max<int64_t>(1, options_.kill_retry_ms);
  for (int32_t i = 0; i < retries && delay < options_.transient_timeout_ms; ++i) delay *= 2;
  return std::min(delay, std::max(options_.kill_retry_ms, options_.transient_timeout_ms));
}

}  // namespace borealis::scheduler
