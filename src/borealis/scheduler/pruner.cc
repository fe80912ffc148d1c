// Task history pruning (AURORA.md §3.7), driven by SchedulerCore::RunRules every
// history_prune_interval_ms: terminal tasks get a removal deadline the first time the pruner
// sees them (core::PruneDeadlineMs), and core::SelectTasksToPrune picks what goes now —
// those past their deadline and, per job, the oldest beyond history_max_per_job_threshold.
// Removal is one durable RemoveTasks mutation.
#include "borealis/scheduler/scheduler_core.h"

namespace borealis::scheduler {

void SchedulerCore::PruneHistory(int64_t now) {
  const core::PruningOptions& o = options_.rules.pruning;
  std::vector<core::PruneCandidate> candidates;
  std::map<std::string, int64_t> deadlines;
  for (const auto& [id, t] : state_.table()) {
    if (!model::IsTerminal(t->status)) continue;
    auto it = rules_.prune_deadline_ms.find(t->task_id);
    const int64_t deadline = it != rules_.prune_deadline_ms.end()
                                 ? it->second
                                 : core::PruneDeadlineMs(t->LatestEventMs(), now, o);
    deadlines[t->task_id] = deadline;
    candidates.push_back({t.get(), deadline});
  }
  std::vector<std::string> prune = core::SelectTasksToPrune(candidates, now, o);
  for (const auto& id : prune) deadlines.erase(id);
  rules_.prune_deadline_ms = std::move(deadlines);  // forgets tasks that are gone
  if (prune.empty()) return;
  Count("tasks_pruned", static_cast<int64_t>(prune.size()));
  Mutate(state::RemoveTasks{std::move(prune)});
}

}  // namespace borealis::scheduler
