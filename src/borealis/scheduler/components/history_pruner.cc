#include "borealis/scheduler/components/history_pruner.h"

#include <utility>
#include <vector>

#include "borealis/core/pruning.h"

namespace borealis::scheduler {

bool HistoryPruner::Tick(int64_t now, ComponentContext& ctx) {
  if (!started_) {
    started_ = true;
    next_prune_ms_ = now;
  }
  if (now < next_prune_ms_) return false;
  next_prune_ms_ = now + options_.history_prune_interval_ms;
  Prune(now, ctx);
  return true;
}

void HistoryPruner::Prune(int64_t now, ComponentContext& ctx) {
  const core::PruningOptions& o = options_.pruning;
  std::vector<core::PruneCandidate> candidates;
  std::map<model::TaskId, int64_t> deadlines;
  for (const auto& [id, t] : ctx.state().table()) {
    if (!model::IsTerminal(t->status)) continue;
    auto it = deadline_ms_.find(t->task_id);
    const int64_t deadline = it != deadline_ms_.end()
                                 ? it->second
                                 : core::PruneDeadlineMs(t->LatestEventMs(), now, o);
    deadlines[t->task_id] = deadline;
    candidates.push_back({t.get(), deadline});
  }
  std::vector<model::TaskId> prune = core::SelectTasksToPrune(candidates, now, o);
  for (const auto& id : prune) deadlines.erase(id);
  deadline_ms_ = std::move(deadlines);  // forgets tasks that are gone
  if (prune.empty()) return;
  ctx.Count("tasks_pruned", static_cast<int64_t>(prune.size()));
  ctx.Mutate(state::RemoveTasks{std::move(prune)});
}

}  // namespace borealis::scheduler
