// Task history pruning (docs/aurora-compatibility.md): which terminal tasks to remove from the
// store.
//
// Two rules, as Aurora's history pruner applies them:
//  * every terminal task is removed once it has been terminal for `prune_threshold_ms`
//    (2 days). Its deadline is fixed when the scheduler first sees it terminal:
//    seen_ms + max(min_retention_ms, prune_threshold_ms - (seen_ms - last_event_ms)),
//    so a task found long terminal after a restart still stays `min_retention_ms` (1 h);
//  * per job, when it has more than `max_per_job` (100) terminal tasks, the oldest (by
//    latest event, then task id) beyond that number are removed at once, but only those
//    whose latest event is at least `min_retention_ms` old.
// Active tasks are never selected.
//
// Pure: the caller passes the tasks, their deadlines and `now`. Thread contract: stateless.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "borealis/model/task.h"


namespace borealis::core {

struct PruningOptions {
  int64_t prune_threshold_ms = 2LL * 24 * 3600 * 1000;  // -history_prune_threshold
  int64_t min_retention_ms = 3600LL * 1000;             // -history_min_retention_threshold
  int32_t max_per_job = 100;                            // -history_max_per_job_threshold
};

// When a task whose latest event is at `last_event_ms`, first seen terminal at `seen_ms`,
// is due for removal.
int64_t PruneDeadlineMs(int64_t last_event_ms, int64_t seen_ms, const PruningOptions& options);

struct PruneCandidate {
  const model::Task* task = nullptr;  // terminal tasks; others are ignored
  int64_t deadline_ms = 0;            // from PruneDeadlineMs
};

// The ids of the tasks to remove now, sorted and unique.
std::vector<model::TaskId> SelectTasksToPrune(const std::vector<PruneCandidate>& candidates,
                                            int64_t now_ms, const PruningOptions& options);

}  // namespace borealis::core
