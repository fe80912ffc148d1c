// UpdateController: drives Aurora's scheduler-driven job updates (startJobUpdate and the
// calls that pause, resume, abort, roll back and pulse one). What an update does next is
// decided by core/job_update.h; this class keeps the runtime state those decisions need
// and applies their answers through ComponentContext: kills (KILLING, with a message
// naming the update), new PENDING tasks (InsertPendingTasks), and the update's records
// (state::SaveJobUpdate / SaveJobUpdateEvent / SaveJobInstanceUpdateEvent /
// RemoveJobUpdates through Mutate), so that everything it does is in the same commit.
//
// State kept per active update (never stored; rebuilt from the recovered records on the
// first Run after a restart): the direction, the instance order and targets, which
// instances started, succeeded and failed (from the instance events), per-instance failure
// counts (these start again at 0 after a restart, as in Aurora), the instances to look at
// again (task changes, timers), the last pulse (restored from the latest event unless it
// is an awaiting-pulse status) and whether a resume released the next batch.
//
// Driven by: SchedulerCore telling it which tasks of a job with an active update changed
// (OnTaskChanged), Run (before each placement pass: the changed instances, due timers,
// pulses, new batches), the API calls, and Tick (history pruning).
//
// Thread contract: the owner's thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/core/canary.h"
#include "borealis/core/job_update.h"
#include "borealis/model/job_update.h"
#include "borealis/scheduler/component.h"

namespace borealis::scheduler {

struct UpdateControllerOptions {
  // Finished updates kept per job (Aurora's -job_update_history_per_job_threshold).
  int32_t history_per_job = 10;
  // Finished updates older than this are removed (-job_update_history_pruning_threshold).
  int64_t history_prune_threshold_ms = 30LL * 24 * 3600 * 1000;
  // How often pruning runs (-job_update_history_pruning_interval).
  int64_t history_prune_interval_ms = 15LL * 60 * 1000;
};

class UpdateController {
 public:
  explicit UpdateController(UpdateControllerOptions options) : options_(options) {}

  // Records `update` (validated; key, user, metadata and instructions filled) and starts
  // it: ROLLING_FORWARD, or ROLL_FORWARD_AWAITING_PULSE when coordinated.
  void Start(const model::JobUpdate& update, const std::optional<std::string>& message,
             int64_t now, ComponentContext& ctx);
  // pause / resume / abort / rollback. NotFound for an unknown update, FailedPrecondition
  // for one that is no longer active; a no-op (pausing a paused update) is OK.
  absl::Status Change(const model::JobUpdateKey& key, core::UpdateOp op,
                      const std::string& user, const std::optional<std::string>& message,
                      int64_t now, ComponentContext& ctx);
  // Records a pulse: true (OK) when the update is active, false (FINISHED) when it ended;
  // NotFound when unknown. A pulse resumes an update awaiting one.
  absl::StatusOr<bool> Pulse(const model::JobUpdateKey& key, int64_t now, ComponentContext& ctx);

  // A task of `job` changed state or was deleted: its instance is looked at on the next Run.
  // Cheap when the job has no update in progress.
  void OnTaskChanged(const model::JobKey& job, const model::TaskId& task_id, int32_t instance);
  // Looks at what changed and what is due, for every active update.
  void Run(int64_t now, ComponentContext& ctx);
  // History pruning, every history_prune_interval_ms.
  void Tick(int64_t now, ComponentContext& ctx);

  size_t active() const { return runtimes_.size(); }

 private:
  struct Runtime {
    model::JobUpdateKey key;
    bool forward = true;
    std::vector<int32_t> order;
    core::InstanceConfigs targets;
    model::UpdateStrategy strategy;
    std::set<int32_t> started, done, failed;
    std::set<int32_t> acted;  // got an UPDATING / ROLLING_BACK event
    std::map<int32_t, int32_t> failures;
    std::set<model::TaskId> counted_failures;  // tasks already counted in `failures`
    std::optional<int32_t> latest_failed;
    std::map<int32_t, int64_t> evaluate_at;
    std::vector<std::pair<model::TaskId, int32_t>> notes;  // changed tasks, in order
    std::set<int32_t> recheck;  // instances to look at with their active task
    std::optional<int64_t> last_pulse_ms;
    // A canary not yet promoted (core/canary.h), and when its stable instances paused the
    // update (-1: not yet).
    std::optional<core::CanarySettings> canary;
    int64_t canary_paused_ms = -1;
    bool coordinated = false;  // looked at on every Run: pulses may time out
    bool release_next_batch = false;
    bool dirty = true;
  };

  void EnsureBuilt(ComponentContext& ctx);
  Runtime Build(const model::JobUpdateDetails& details, bool forward) const;
  void Drive(Runtime& rt, int64_t now, ComponentContext& ctx);
  // One round: the status checks, the instances due, the outcome. False: stop driving.
  bool DriveRound(Runtime& rt, int64_t now, ComponentContext& ctx);
  void EvaluateDue(Runtime& rt, int64_t now, ComponentContext& ctx);
  void Evaluate(Runtime& rt, int32_t instance, std::shared_ptr<const model::Task> actual,
                const model::JobUpdateSettings& settings, int64_t now, ComponentContext& ctx);
  void MarkActed(Runtime& rt, int32_t instance, int64_t now, ComponentContext& ctx);
  void InstanceEvent(const Runtime& rt, int32_t instance, model::UpdateAction action,
                     int64_t now, ComponentContext& ctx);
  static void SetStatus(const model::JobUpdateKey& key, model::UpdateStatus to,
                        std::optional<std::string> user, std::optional<std::string> message,
                        int64_t now, ComponentContext& ctx);
  void Prune(int64_t now, ComponentContext& ctx);
  // Canaries: pauses once the canary is stable, rolls back when it fails, auto-promotes.
  // Returns what DriveRound returns when it acted, nothing when the round goes on.
  std::optional<bool> CanaryStep(Runtime& rt, int64_t now, ComponentContext& ctx);
  static void Promote(Runtime& rt, ComponentContext& ctx);

  UpdateControllerOptions options_;
  bool built_ = false;
  std::map<model::JobKey, Runtime> runtimes_;
  int64_t next_prune_ms_ = -1;
};

}  // namespace borealis::scheduler
