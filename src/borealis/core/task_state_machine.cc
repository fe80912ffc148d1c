// The transition table and its side effects. Each legal change is described as a set of
// Effects, applied in Aurora's order: increment failures, save, reschedule, transition to
// LOST, kill, delete.
#include "borealis/core/task_state_machine.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace borealis::core {
namespace {

using model::ScheduleStatus;
using S = model::ScheduleStatus;

constexpr std::string_view kRescheduledMessage = "Rescheduled";
constexpr std::string_view kPartitionedToLostMessage =
    "Action performed on partitioned task, marking as LOST.";

// What a legal transition does besides changing the status.
struct Effects {
  bool increment_failures = false;
  bool save = true;  // false only when the task is deleted instead
  bool reschedule = false;
  bool transition_to_lost = false;
  bool kill = false;
  bool del = false;
};

bool OneOf(S s, std::initializer_list<S> set) {
  for (S x : set) {
    if (x == s) return true;
  }
  return false;
}

bool IsKilledForAction(S s) {  // killed on behalf of preemption, restart or maintenance
  return s == S::kPreempting || s == S::kRestarting || s == S::kDraining;
}

// FAILED from an assigned state: count the failure; reschedule services always and other
// jobs while the count before this failure is below max_task_failures - 1 (-1: no limit).
Effects FailureEffects(const model::Task& task) {
  Effects e;
  e.increment_failures = true;
  const model::TaskConfig& config = *task.config;
  e.reschedule = config.is_service || config.max_task_failures == -1 ||
                 task.failure_count < config.max_task_failures - 1;
  return e;
}

// Effects of a change from ASSIGNED, STARTING or RUNNING (the table rows share them).
Effects AssignedEffects(const model::Task& task, S from, S to) {
  Effects e;
  switch (to) {
    case S::kFinished:
      e.reschedule = task.config->is_service;
      break;
    case S::kFailed:
      return FailureEffects(task);
    case S::kPreempting:
    case S::kRestarting:
    case S::kDraining:
    case S::kKilling:
      e.kill = true;
      break;
    case S::kKilled:  // not preceded by KILLING: a kill the user did not ask for
      e.reschedule = true;
      break;
    case S::kLost:
      e.reschedule = true;
      // Only ASSIGNED re-sends the kill: the agent may still launch it.
      e.kill = from == S::kAssigned;
      break;
    default:  // STARTING, RUNNING, PARTITIONED: just the new status
      break;
  }
  return e;
}

bool EverKilling(const model::Task& task) {
  for (const model::TaskEvent& event : task.events) {
    if (event.status == S::kKilling) return true;
  }
  return false;
}

Effects PartitionedEffects(const model::Task& task, S to) {
  Effects e;
  switch (to) {
    case S::kLost:
      e.kill = true;
      // A task that was being killed when it got partitioned stays dead.
      e.reschedule = !EverKilling(task);
      break;
    case S::kKilling:
    case S::kRestarting:
    case S::kDraining:
    case S::kPreempting:
      // An action on an unreachable task would wait forever: mark it LOST at once.
      e.transition_to_lost = true;
      break;
    case S::kFailed:
      return FailureEffects(task);
    case S::kFinished:
      // Deliberate deviation from Aurora 0.22, which does not reschedule here: a service
      // that finishes while partitioned would otherwise silently lose its instance.
      e.reschedule = task.config->is_service;
      break;
    default:  // RUNNING, ASSIGNED, STARTING: the agent is back
      break;
  }
  return e;
}

// Effects of a legal transition; `task.status` is `from`.
Effects LegalEffects(const model::Task& task, S to) {
  const S from = task.status;
  switch (from) {
    case S::kPending:
    case S::kThrottled:
      if (to == S::kKilling) {
        Effects e;
        e.save = false;
        e.del = true;
        return e;
      }
      return Effects{};
    case S::kAssigned:
    case S::kStarting:
    case S::kRunning:
      return AssignedEffects(task, from, to);
    case S::kPartitioned:
      return PartitionedEffects(task, to);
    case S::kPreempting:
    case S::kRestarting:
    case S::kDraining: {
      Effects e;
      if (OneOf(to, {S::kFinished, S::kFailed, S::kKilled})) {
        e.reschedule = true;  // the replacement is what the action was for
      } else if (to == S::kLost) {
        e.reschedule = true;
        e.kill = true;
      } else if (to == S::kPartitioned) {
        e.transition_to_lost = true;
      }
      return e;
    }
    case S::kKilling: {
      Effects e;
      // Unblocks whatever waits on the kill; no reschedule (see PartitionedEffects).
      e.transition_to_lost = to == S::kPartitioned;
      return e;
    }
    default:  // INIT -> PENDING/THROTTLED
      return Effects{};
  }
}

// Applies the status, the partition bookkeeping and the new event ("save").
void Save(model::Task& task, S to, std::string_view message, const TransitionContext& ctx) {
  task.status = to;
  if (to == S::kPartitioned) {
    ++task.times_partitioned;
    // Collapse X -> PARTITIONED -> X cycles so the event list stays bounded: when the last
    // two events are PARTITIONED, X and X also precedes them, drop the last two.
    auto& ev = task.events;
    const size_t n = ev.size();
    if (n >= 3 && ev[n - 2].status == S::kPartitioned && ev[n - 3].status == ev[n - 1].status) {
      ev.resize(n - 2);
    }
  }
  task.events.push_back(model::TaskEvent{ctx.now_ms, to, std::string(message),
                                         ctx.scheduler_host});
  TrimEvents(task, ctx.max_task_events);
}

}  // namespace

void TrimEvents(model::Task& task, size_t max) {
  if (max == 0) return;
  max = std::max<size_t>(max, 4);
  auto& ev = task.events;
  if (ev.size() <= max) return;
  std::vector<bool> keep(ev.size(), false);
  keep.front() = true;
  keep.back() = true;
  bool seen_killing = false, seen_restarting = false, seen_draining = false;
  for (size_t i = 0; i < ev.size(); ++i) {
    bool* seen = ev[i].status == S::kKilling      ? &seen_killing
                 : ev[i].status == S::kRestarting ? &seen_restarting
                 : ev[i].status == S::kDraining   ? &seen_draining
                                                  : nullptr;
    if (seen != nullptr && !*seen) keep[i] = *seen = true;
  }
  size_t excess = ev.size() - max;
  std::vector<model::TaskEvent> kept;
  kept.reserve(max);
  for (size_t i = 0; i < ev.size(); ++i) {  // drop the oldest that may go
    if (excess > 0 && !keep[i]) {
      --excess;
      continue;
    }
    kept.push_back(std::move(ev[i]));
  }
  ev = std::move(kept);
}

namespace {

uint64_t Fnv1a(std::string_view s, uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

model::Task NewTask(std::shared_ptr<const model::TaskConfig> config, int32_t instance_id,
                    S status, std::string_view message, const TransitionContext& ctx,
                    uint64_t fallback_seed) {
  model::Task task;
  if (ctx.rng != nullptr) {
    task.task_id = NewTaskId(*config, instance_id, *ctx.rng);
  } else {
    base::Rng rng(fallback_seed ^ static_cast<uint64_t>(ctx.now_ms));
    task.task_id = NewTaskId(*config, instance_id, rng);
  }
  task.config = std::move(config);
  task.instance_id = instance_id;
  task.status = S::kInit;
  Save(task, status, message, ctx);
  return task;
}

// The replacement for `terminated` (status already saved): same instance and config,
// failure count carried, ancestor = the terminated task.
model::Task Reschedule(const model::Task& terminated, const TransitionContext& ctx) {
  const int64_t penalty_ms = ctx.flapping_penalty_ms ? ctx.flapping_penalty_ms(terminated) : 0;
  S status = S::kPending;
  std::string message(kRescheduledMessage);
  if (penalty_ms > 0) {
    status = S::kThrottled;
    message = "Rescheduled, penalized for " + std::to_string(penalty_ms) + " ms for flapping";
  }
  model::Task task = NewTask(terminated.config, terminated.instance_id, status, message, ctx,
                             Fnv1a(terminated.task_id.str()));
  task.failure_count = terminated.failure_count;
  task.ancestor_id = terminated.task_id;
  return task;
}

bool IsTerminalOrKillingLike(S s) {
  return model::IsTerminal(s) || s == S::kKilling || IsKilledForAction(s);
}

}  // namespace

bool IsLegalTransition(ScheduleStatus from, ScheduleStatus to) {
  switch (from) {
    case S::kInit:
      return OneOf(to, {S::kPending, S::kThrottled});
    case S::kPending:
      return OneOf(to, {S::kAssigned, S::kKilling});
    case S::kThrottled:
      return OneOf(to, {S::kPending, S::kKilling});
    case S::kAssigned:
      return OneOf(to, {S::kStarting, S::kRunning, S::kFinished, S::kFailed, S::kRestarting,
                        S::kDraining, S::kKilled, S::kKilling, S::kLost, S::kPreempting});
    case S::kStarting:
      return OneOf(to, {S::kRunning, S::kFinished, S::kFailed, S::kRestarting, S::kDraining,
                        S::kKilling, S::kKilled, S::kLost, S::kPreempting, S::kPartitioned});
    case S::kRunning:
      return OneOf(to, {S::kFinished, S::kRestarting, S::kDraining, S::kFailed, S::kKilling,
                        S::kKilled, S::kLost, S::kPreempting, S::kPartitioned});
    case S::kPartitioned:
      return OneOf(to, {S::kLost, S::kFailed, S::kFinished, S::kRunning, S::kAssigned,
                        S::kStarting, S::kRestarting, S::kDraining, S::kPreempting,
                        S::kKilling});
    case S::kPreempting:
    case S::kRestarting:
    case S::kDraining:
      return OneOf(to, {S::kFinished, S::kFailed, S::kKilling, S::kKilled, S::kLost,
                        S::kPartitioned});
    case S::kKilling:
      return OneOf(to, {S::kFinished, S::kFailed, S::kKilled, S::kLost, S::kPartitioned});
    case S::kFinished:
    case S::kFailed:
    case S::kKilled:
    case S::kLost:
      return false;  // only DELETED
  }
  return false;
}

bool IsLegalDeletion(ScheduleStatus from) {
  return model::IsTerminal(from) || from == S::kKilling;
}

namespace {

// A copy of `task` with room for one more event. A plain copy's event list is full, so the
// event appended next would double its capacity: a running task's four events would hold
// eight slots (640 bytes instead of 320).
model::Task CopyWithRoomForEvent(const model::Task& task) {
  static_assert(sizeof(model::Task) == 240, "model::Task changed: copy its new field here");
  model::Task t;
  t.task_id = task.task_id;
  t.config = task.config;
  t.instance_id = task.instance_id;
  t.agent_id = task.agent_id;
  t.agent_host = task.agent_host;
  t.assigned_ports = task.assigned_ports;
  t.status = task.status;
  t.failure_count = task.failure_count;
  t.times_partitioned = task.times_partitioned;
  t.events.reserve(task.events.size() + 1);
  t.events.insert(t.events.end(), task.events.begin(), task.events.end());
  t.ancestor_id = task.ancestor_id;
  return t;
}

// The change when `from` -> `to` is a no-op or illegal; nullopt when it is legal.
std::optional<TaskChange> RefusedChange(S from, S to) {
  if (from == to) {
    TaskChange change;
    change.noop = true;
    return change;
  }
  if (IsLegalTransition(from, to)) return std::nullopt;
  // A report that a task we are killing (or consider dead) is alive: kill it again.
  TaskChange change;
  change.send_kill =
      IsTerminalOrKillingLike(from) && OneOf(to, {S::kAssigned, S::kStarting, S::kRunning});
  return change;
}

// The legal change of `task` to `to`; `updated` is the copy of it (CopyWithRoomForEvent)
// that becomes the task after the change.
TaskChange LegalChange(const model::Task& task, model::Task updated, S to,
                       std::string_view message, const TransitionContext& ctx) {
  TaskChange change;
  change.legal = true;
  const Effects effects = LegalEffects(task, to);
  if (effects.increment_failures) ++updated.failure_count;
  if (effects.save) Save(updated, to, message, ctx);
  if (effects.reschedule) change.replacement = Reschedule(updated, ctx);
  if (effects.transition_to_lost) {
    TaskChange lost = ChangeState(updated, S::kLost, kPartitionedToLostMessage, ctx);
    // From KILLING/PREEMPTING/RESTARTING/DRAINING/PARTITIONED, LOST is always legal.
    if (lost.updated) updated = std::move(*lost.updated);
    if (lost.replacement) change.replacement = std::move(lost.replacement);
    change.send_kill = change.send_kill || lost.send_kill;
  }
  change.send_kill = change.send_kill || effects.kill;
  change.deleted = effects.del;
  if (!change.deleted) change.updated = std::move(updated);
  return change;
}

}  // namespace

TaskChange ChangeState(const model::Task& task, ScheduleStatus to, std::string_view message,
                       const TransitionContext& ctx) {
  if (std::optional<TaskChange> refused = RefusedChange(task.status, to)) return *refused;
  return LegalChange(task, CopyWithRoomForEvent(task), to, message, ctx);
}

TaskChange AssignTask(const model::Task& task, const model::AgentId& agent_id,
                      std::string_view agent_host, std::map<std::string, int32_t> ports,
                      std::string_view message, const TransitionContext& ctx) {
  if (task.status != S::kPending) {
    TaskChange change;  // placement only assigns PENDING tasks; never a kill from here
    change.noop = task.status == S::kAssigned;
    return change;
  }
  model::Task assigned = CopyWithRoomForEvent(task);
  assigned.agent_id = agent_id;
  assigned.agent_host = std::string(agent_host);
  assigned.assigned_ports = std::move(ports);
  // PENDING -> ASSIGNED is legal, and its effects do not depend on the assignment.
  return LegalChange(task, std::move(assigned), S::kAssigned, message, ctx);
}

TaskChange DeleteTask(const model::Task& task) {
  TaskChange change;
  if (IsLegalDeletion(task.status)) {
    change.legal = true;
    change.deleted = true;
  }
  return change;
}

bool ShouldKillUnknownTask(ScheduleStatus reported) {
  return OneOf(reported, {S::kAssigned, S::kStarting, S::kRunning});
}

model::TaskId NewTaskId(const model::TaskConfig& config, int32_t instance_id, base::Rng& rng) {
  std::string raw = absl::StrCat(config.job.role, "-", config.job.environment, "-",
                                 config.job.name, "-", instance_id, "-", rng.Uuid());
  auto is_word = [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
  };
  if (std::all_of(raw.begin(), raw.end(), is_word)) return model::TaskId(std::move(raw));
  std::string id;
  id.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(raw[i]);
    if (is_word(c)) {
      id.push_back(static_cast<char>(c));
      continue;
    }
    id.push_back('-');
    // One '-' per UTF-8 character: skip its continuation bytes.
    if (c >= 0xC0) {
      while (i + 1 < raw.size() && (static_cast<unsigned char>(raw[i + 1]) & 0xC0) == 0x80) ++i;
    }
  }
  return model::TaskId(std::move(id));
}

model::Task NewPendingTask(std::shared_ptr<const model::TaskConfig> config,
                           int32_t instance_id, std::string_view message,
                           const TransitionContext& ctx) {
  const uint64_t seed = Fnv1a(config->job.ToString()) ^ static_cast<uint64_t>(instance_id);
  return NewTask(std::move(config), instance_id, S::kPending, message, ctx, seed);
}

}  // namespace borealis::core
