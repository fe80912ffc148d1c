#include "borealis/core/flapping.h"

#include <algorithm>
#include <set>
#include <string>

#include "borealis/model/schedule_status.h"

namespace borealis::core {

using model::ScheduleStatus;

namespace {

bool WasInterrupted(const model::Task& task) {
  return std::any_of(task.events.begin(), task.events.end(), [](const model::TaskEvent& e) {
    return e.status == ScheduleStatus::kRestarting || e.status == ScheduleStatus::kKilling ||
           e.status == ScheduleStatus::kDraining;
  });
}

}  // namespace

bool TaskFlapped(const model::Task& task, const FlappingOptions& options) {
  if (WasInterrupted(task)) return false;
  // The newest terminal event, then the newest active event before it.
  auto terminal = std::find_if(task.events.rbegin(), task.events.rend(),
                               [](const model::TaskEvent& e) { return model::IsTerminal(e.status); });
  if (terminal == task.events.rend()) return false;
  auto active = std::find_if(terminal + 1, task.events.rend(),
                             [](const model::TaskEvent& e) { return model::IsActive(e.status); });
  if (active == task.events.rend()) return false;
  return terminal->timestamp_ms - active->timestamp_ms < options.threshold_ms;
}

int64_t FlappingPenaltyMs(const model::Task& task, const TaskLookup& lookup,
                          const FlappingOptions& options, base::Rng& rng) {
  int64_t penalty = 0;
  std::set<model::TaskId> seen{task.task_id};
  model::TaskId next = task.ancestor_id;
  while (!next.empty() && seen.insert(next).second) {
    const model::Task* ancestor = lookup(next);
    if (ancestor == nullptr || !TaskFlapped(*ancestor, options)) break;
    if (penalty == 0) {
      penalty = options.initial_delay_ms;
    } else {
      // Binary backoff with jitter: multiply by a factor drawn from [1, 2).
      penalty += static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(penalty)));
    }
    if (penalty >= options.max_delay_ms) return options.max_delay_ms;
    next = ancestor->ancestor_id;
  }
  return penalty;
}

int64_t ThrottleReleaseMs(const model::Task& task, int64_t penalty_ms) {
  for (auto it = task.events.rbegin(); it != task.events.rend(); ++it) {
    if (it->status == ScheduleStatus::kThrottled) return it->timestamp_ms + penalty_ms;
  }
  return 0;
}

}  // namespace borealis::core
