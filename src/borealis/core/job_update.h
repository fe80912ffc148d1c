// What a job update does next: every decision of Aurora's scheduler-driven updates as pure
// functions (docs/aurora-compatibility.md, "Job updates"). Read top to bottom:
//
//   1. the update's status machine: which statuses are active, which moves are legal, what
//      pause / resume / abort / rollback ask for;
//   2. validation of a JobUpdateRequest's settings, each error naming its field;
//   3. the diff between the job's active tasks and the request: which instances are
//      replaced (with their current config), which are (re)created, which stay;
//   4. ordering and strategies: the order instances move in, and which may start now
//      (Queue, Batch, VariableBatch, auto-pause after a batch);
//   5. one instance: given its desired config (or none) and its task, the next step
//      (succeeded, failed, wait, look again at a time, kill, replace);
//   6. the whole update's outcome from its instances (rolled forward, rolling back, ...);
//   7. pulses of coordinated updates.
//
// The update controller (scheduler/components/update_controller.h) keeps the runtime
// state and applies these answers. Everything here takes values and `now` and returns
// values: no clock, no I/O, no randomness.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/model/job_update.h"
#include "borealis/model/task.h"
#include "borealis/model/task_config.h"

namespace borealis::core {

using model::UpdateStatus;

// ------------------------------------------------------------ 1. status machine

bool IsActiveUpdate(UpdateStatus s);
inline bool IsTerminalUpdate(UpdateStatus s) { return !IsActiveUpdate(s); }
// ROLLING_FORWARD, ROLL_FORWARD_PAUSED, ROLL_FORWARD_AWAITING_PULSE (and ROLLED_FORWARD).
bool IsForward(UpdateStatus s);
bool IsPaused(UpdateStatus s);
bool IsAwaitingPulse(UpdateStatus s);
// Aurora's table of legal moves; the same status is not a move (callers treat it as a no-op).
bool CanTransition(UpdateStatus from, UpdateStatus to);
UpdateStatus RollingStatus(bool forward);
UpdateStatus PausedStatus(bool forward);
UpdateStatus AwaitingPulseStatus(bool forward);

enum class UpdateOp { kPause, kResume, kAbort, kRollback };
// The status `op` moves an update in `from` to; nullopt when it is a no-op (pausing a
// paused update, rolling back one already rolling back). `pulse_expired`: a coordinated
// update whose last pulse is too old resumes into *_AWAITING_PULSE. FailedPrecondition
// when the update is not active.
absl::StatusOr<std::optional<UpdateStatus>> StatusAfterOp(UpdateStatus from, UpdateOp op,
                                                          bool pulse_expired);

// ------------------------------------------------------------ 2. validation

struct UpdateLimits {
  int32_t max_update_instance_failures = 20000;  // Aurora's -max_update_instance_failures
};
// The request's settings as startJobUpdate accepts them; InvalidArgument naming the field.
// `has_sla_policy`: whether the task config has one (slaAware needs it).
absl::Status ValidateUpdateSettings(const model::JobUpdateSettings& settings,
                                    int32_t instance_count, bool has_sla_policy,
                                    const UpdateLimits& limits = {});

// ------------------------------------------------------------ 3. the diff

using InstanceConfigs = std::map<int32_t, std::shared_ptr<const model::TaskConfig>>;

// The instance → config map of a job's active tasks (a KILLING task only when its instance
// has no other active task).
InstanceConfigs CurrentConfigs(const std::vector<const model::Task*>& job_tasks);

struct JobDiff {
  InstanceConfigs replaced;     // current config of instances that change or go away
  std::set<int32_t> replacements;  // instances (re)created with the proposed config
  InstanceConfigs unchanged;
  bool IsNoop() const { return replaced.empty() && replacements.empty(); }
  // Instances of `scope` the diff does not know (neither replaced, replacement nor
  // unchanged): a request naming them is refused.
  std::set<int32_t> OutOfScope(const std::vector<model::Range>& scope) const;
};
// Instances 0..instance_count-1 should run `proposed`; `scope` (updateOnlyTheseInstances),
// when not empty, limits the change to those instances.
JobDiff ComputeDiff(const InstanceConfigs& current,
                    const std::shared_ptr<const model::TaskConfig>& proposed,
                    int32_t instance_count, const std::vector<model::Range>& scope);
// Instances grouped by config (equal by value), each as ranges; groups in the order of
// their lowest instance.
std::vector<model::InstanceTaskConfig> GroupByConfig(const InstanceConfigs& configs);
// initialState (the replaced instances by config) and desiredState (the replacements).
model::JobUpdateInstructions InstructionsOf(const JobDiff& diff,
                                            std::shared_ptr<const model::TaskConfig> proposed,
                                            model::JobUpdateSettings settings);

// ------------------------------------------------------------ 4. ordering, strategies

// The config each instance should end with in one direction (nullptr: no task): forward,
// the desired state's; backward, the initial state's.
InstanceConfigs TargetConfigs(const model::JobUpdateInstructions& instructions, bool forward);
// The order instances move in. Forward: instances to create, then to update, then to
// remove, ascending within each; backward: the reverse.
std::vector<int32_t> UpdateOrder(const model::JobUpdateInstructions& instructions,
                                 bool forward);
// The strategy in effect: the request's, else the legacy backfill (waitForBatchCompletion
// → Batch(updateGroupSize), otherwise Queue(updateGroupSize)).
model::UpdateStrategy EffectiveStrategy(const model::JobUpdateSettings& settings);
// Batch boundaries of `order`: group k has group_sizes[k] instances, the last size
// repeating once the list is used up (Queue: one group of everything).
std::vector<std::vector<int32_t>> BatchGroups(const model::UpdateStrategy& strategy,
                                              const std::vector<int32_t>& order);

struct NextInstances {
  std::vector<int32_t> start;  // in order
  bool new_batch = false;      // Batch/VariableBatch: `start` opens a batch
  size_t batch_index = 0;
};
// Which instances may leave IDLE now. `started`: instances that left IDLE; `done`: those
// that ended (succeeded or failed). Queue keeps groupSize instances in flight; Batch and
// VariableBatch start a batch only when the previous one is all done.
NextInstances PickNext(const model::UpdateStrategy& strategy, const std::vector<int32_t>& order,
                       const std::set<int32_t>& started, const std::set<int32_t>& done);
// Whether opening batch `next.batch_index` pauses the update first (autopauseAfterBatch,
// rolling forward, not the first batch, not already released by a resume).
bool AutoPauses(const model::UpdateStrategy& strategy, const NextInstances& next,
                bool forward, bool released_by_resume);
inline constexpr char kAutoPausedMessage[] = "Update auto paused";

// ------------------------------------------------------------ 5. one instance

enum class InstanceStep {
  kSucceeded,         // in the desired state
  kFailed,            // failed more than maxPerInstanceFailures times
  kAwaitStateChange,  // look again when one of its tasks changes
  kEvaluateAt,        // look again at `at_ms` (RUNNING, not yet for the watch time)
  kKill,              // kill its task, then look again on its state change
  kReplace,           // insert a PENDING task of the desired config
};
struct InstanceInput {
  const model::TaskConfig* desired = nullptr;  // null: the instance should not exist
  // The task that just changed, or the instance's active task; null when none.
  const model::Task* actual = nullptr;
  int32_t failures = 0;  // failures of this instance seen so far in this direction
  int32_t max_per_instance_failures = 0;
  int64_t min_wait_in_running_ms = 0;
  int64_t now_ms = 0;
};
struct InstanceResult {
  InstanceStep step = InstanceStep::kAwaitStateChange;
  int64_t at_ms = 0;          // kEvaluateAt
  bool failure_seen = false;  // `actual` is a failure of the desired config: count it
};
InstanceResult EvaluateInstance(const InstanceInput& in);
// A task counts as gone once it was killed and is no longer KILLING.
bool WasKilled(const model::Task& task);
// A task the update may kill (active and not already KILLING).
bool IsKillable(const model::Task& task);

// ------------------------------------------------------------ 6. the update's outcome

struct Progress {
  size_t total = 0;
  size_t succeeded = 0;
  size_t failed = 0;
  std::optional<int32_t> latest_failed_instance;
};
struct StatusMove {
  UpdateStatus to;
  std::string message;
};
// The status an update rolling in `forward` direction moves to after `p`, or nothing while
// it goes on: more failed instances than maxFailedInstances → ROLLING_BACK (forward with
// rollbackOnFailure) or FAILED; all instances ended → ROLLED_FORWARD / ROLLED_BACK.
std::optional<StatusMove> OutcomeOf(bool forward, const Progress& p,
                                    const model::JobUpdateSettings& settings);

// ------------------------------------------------------------ 7. pulses

bool IsCoordinated(const model::JobUpdateSettings& settings);
// A coordinated update whose last pulse (none yet: nullopt) is blockIfNoPulsesAfterMs old.
bool PulseExpired(const model::JobUpdateSettings& settings, std::optional<int64_t> last_pulse_ms,
                  int64_t now_ms);
// After a restart: the latest status event's time, unless that event is an awaiting-pulse
// status (then none).
std::optional<int64_t> RestoredLastPulse(const model::JobUpdateDetails& details);
inline constexpr char kPulseTimedOutMessage[] = "Pulses from external service have timed out.";

}  // namespace borealis::core
