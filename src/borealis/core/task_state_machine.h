// The task state machine (docs/aurora-compatibility.md): which status changes are legal, and what
// each change implies — the task's new status and event, a failure count bump, a kill to
// send, a deletion, a rescheduled replacement task.
//
// Pure: a change is computed from the task as it is now, the requested status, the time
// and a random source given by the caller; nothing is stored or sent here. The caller
// applies a TaskChange in this order, which is Aurora's side-effect order: (failure count
// is already bumped in `updated`) save `updated`, save `replacement`, send the kill, then
// delete. A change that marks a partitioned task LOST (Aurora's TRANSITION_TO_LOST) is
// folded in: `updated` is then the task after both steps, with both events.
//
// Thread contract: stateless functions, safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "borealis/base/interned.h"
#include "borealis/base/rng.h"
#include "borealis/model/schedule_status.h"
#include "borealis/model/task.h"
#include "borealis/model/task_config.h"

namespace borealis::core {

// What a transition needs besides the task: the time of the event, the scheduler host that
// records it, and randomness for the ids of replacement tasks.
struct TransitionContext {
  int64_t now_ms = 0;
  base::InternedString scheduler_host;
  // Must be set when the change may reschedule (terminal statuses of an assigned task) or
  // when creating tasks. When null, ids are drawn from a generator seeded by the task id
  // and now_ms, which is deterministic but not unique across schedulers.
  base::Rng* rng = nullptr;
  // Hook for flapping. Given the task that just terminated (status and event
  // already saved), returns the penalty in ms; > 0 makes the replacement start THROTTLED
  // ("Rescheduled, penalized for N ms for flapping") instead of PENDING. Unset: no penalty.
  std::function<int64_t(const model::Task& terminated)> flapping_penalty_ms;
  // Events kept per task (0: all): TrimEvents after each new event.
  size_t max_task_events = 0;
};

// Drops a task's oldest events until it has at most `max` (0: no bound), keeping its first
// event (when it was created), its newest, and the first KILLING, RESTARTING and DRAINING
// event (the rules ask whether a task was ever killed, restarted or drained). Bounds below
// 4 are taken as 4.
void TrimEvents(model::Task& task, size_t max);

// The outcome of one requested status change.
//
// legal == true: persist `updated` (unless `deleted`), then `replacement` if any, send a
// kill for the task id when `send_kill`, and remove the task when `deleted`.
// legal == false: the change is ignored and counted as an illegal transition
// (`scheduler_illegal_task_state_transitions`); nothing is saved. `send_kill` may still be
// true: a late ASSIGNED/STARTING/RUNNING status for a task that we believe is being killed
// or is already terminal — the caller must then send a kill for that task id to the agent
// that reported it, and store nothing. A same-status request is a no-op: legal == false,
// nothing to do (`noop` is set), and the caller should not count it as illegal.
struct TaskChange {
  bool legal = false;
  bool noop = false;  // requested status equals the current one; nothing happens
  std::optional<model::Task> updated;      // the task after the change; empty when deleted
  bool deleted = false;                    // remove the task from the store
  bool send_kill = false;                  // ask the agent to kill this task id
  std::optional<model::Task> replacement;  // the rescheduled task (new id, PENDING/THROTTLED)
};

// Whether `from` -> `to` is in Aurora's transition table (same status: false).
bool IsLegalTransition(model::ScheduleStatus from, model::ScheduleStatus to);

// Whether a task in `from` may be removed (Aurora's pseudo-state DELETED): terminal
// states and KILLING. PENDING/THROTTLED tasks are removed by a change to KILLING.
bool IsLegalDeletion(model::ScheduleStatus from);

// Computes the change of `task` to status `to`; `message` goes into the new TaskEvent.
// `task.config` must be set (every stored task has one).
TaskChange ChangeState(const model::Task& task, model::ScheduleStatus to,
                       std::string_view message, const TransitionContext& ctx);

// PENDING -> ASSIGNED with the placement's agent, host and ports filled in. Unless the
// task is PENDING: illegal with nothing to do (a no-op when it is ASSIGNED already).
TaskChange AssignTask(const model::Task& task, const model::AgentId& agent_id,
                      std::string_view agent_host, std::map<std::string, int32_t> ports,
                      std::string_view message, const TransitionContext& ctx);

// Removes a terminal or KILLING task (pruning, admin delete): legal only when
// IsLegalDeletion(task.status); then `deleted` is true and nothing else is set.
TaskChange DeleteTask(const model::Task& task);

// What to do with a status update for a task id that is not in the store: Aurora kills
// tasks reported as ASSIGNED, STARTING or RUNNING; other reports are ignored.
bool ShouldKillUnknownTask(model::ScheduleStatus reported);

// "<role>-<env>-<name>-<instance>-<uuid>", every character outside [A-Za-z0-9_-] replaced
// by '-' (one '-' per UTF-8 encoded character).
model::TaskId NewTaskId(const model::TaskConfig& config, int32_t instance_id, base::Rng& rng);

// A new task of `config` for `instance_id` in PENDING, with one PENDING event carrying
// `message` (Aurora creates it in INIT and moves it to PENDING at once; INIT is not
// recorded as an event).
model::Task NewPendingTask(std::shared_ptr<const model::TaskConfig> config,
                           int32_t instance_id, std::string_view message,
                           const TransitionContext& ctx);

}  // namespace borealis::core
