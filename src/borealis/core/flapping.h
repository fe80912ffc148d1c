// Flapping detection and the THROTTLED penalty (docs/aurora-compatibility.md).
//
// A task "flapped" when it ran (last active-state event before its terminal event) for less
// than the flapping threshold, unless its history shows it was interrupted on purpose
// (RESTARTING, KILLING or DRAINING). The penalty for a task is computed by walking its
// ANCESTORS (not the task itself) while they flapped: the first flapped link costs the
// initial delay, each further one multiplies the penalty by a random factor in [1, 2), and
// the walk stops once the maximum is reached (the result never exceeds it).
//
// Pure: the caller passes the task lookup, the durations and a seeded Rng.
// Thread contract: stateless functions, safe from any thread.
#pragma once

#include <cstdint>
#include <functional>

#include "borealis/base/rng.h"
#include "borealis/model/task.h"

namespace borealis::core {

struct FlappingOptions {
  int64_t threshold_ms = 5 * 60'000;      // -flapping_task_threshold
  int64_t initial_delay_ms = 30'000;      // -initial_flapping_task_delay
  int64_t max_delay_ms = 5 * 60'000;      // -max_flapping_task_delay
};

// Finds a task by id; returns null when it is not known (pruned or never stored).
using TaskLookup = std::function<const model::Task*(const model::TaskId& task_id)>;

// Whether `task` terminated after a run shorter than the threshold (see file comment).
// A task without a terminal event, or without an active event before it, did not flap.
bool TaskFlapped(const model::Task& task, const FlappingOptions& options);

// The penalty in ms for `task`, from its ancestor chain (0: no penalty). Cycles in the
// chain are cut. `rng` supplies the jitter.
int64_t FlappingPenaltyMs(const model::Task& task, const TaskLookup& lookup,
                          const FlappingOptions& options, base::Rng& rng);

// When a THROTTLED task may move to PENDING: the time of its latest THROTTLED event plus
// `penalty_ms`. A task without a THROTTLED event is released at once (returns 0).
int64_t ThrottleReleaseMs(const model::Task& task, int64_t penalty_ms);

}  // namespace borealis::core
