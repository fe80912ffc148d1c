#include "borealis/core/pruning.h"

#include <algorithm>
#include <map>
#include <set>

#include "borealis/model/job_key.h"
#include "borealis/model/schedule_status.h"

namespace borealis::core {

int64_t PruneDeadlineMs(int64_t last_event_ms, int64_t seen_ms, const PruningOptions& options) {
  const int64_t age = std::max<int64_t>(0, seen_ms - last_event_ms);
  return seen_ms + std::max(options.min_retention_ms, options.prune_threshold_ms - age);
}

std::vector<model::TaskId> SelectTasksToPrune(const std::vector<PruneCandidate>& candidates,
                                            int64_t now_ms, const PruningOptions& options) {
  std::set<model::TaskId> out;
  std::map<model::JobKey, std::vector<const model::Task*>> by_job;
  for (const PruneCandidate& c : candidates) {
    const model::Task* t = c.task;
    if (t == nullptr || t->config == nullptr || !model::IsTerminal(t->status)) continue;
    if (c.deadline_ms <= now_ms) out.insert(t->task_id);
    by_job[t->job()].push_back(t);
  }
  const size_t max_per_job = static_cast<size_t>(std::max(0, options.max_per_job));
  for (auto& [job, tasks] : by_job) {
    if (tasks.size() <= max_per_job) continue;
    std::sort(tasks.begin(), tasks.end(), [](const model::Task* a, const model::Task* b) {
      if (a->LatestEventMs() != b->LatestEventMs()) return a->LatestEventMs() < b->LatestEventMs();
      return a->task_id < b->task_id;
    });
    size_t excess = tasks.size() - max_per_job;
    for (const model::Task* t : tasks) {
      if (excess == 0) break;
      if (t->LatestEventMs() > now_ms - options.min_retention_ms) continue;
      out.insert(t->task_id);
      --excess;
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace borealis::core
