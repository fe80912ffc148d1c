#include "borealis/scheduler/components/update_controller.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"

namespace borealis::scheduler {

using model::UpdateAction;
using model::UpdateStatus;

namespace {

// The active task of each of `instances`, preferring one that is not being killed; an
// instance without one is left out. One pass over the job's tasks, however many instances
// are asked about (a lookup per instance made a 4,000-instance update quadratic).
std::map<int32_t, std::shared_ptr<const model::Task>> ActiveTasksOf(
    const state::ClusterState& state, const model::JobKey& job,
    const std::set<int32_t>& instances) {
  std::map<int32_t, std::shared_ptr<const model::Task>> found;
  if (instances.empty()) return found;
  if (const state::TaskTable::JobTasks* tasks = state.table().Job(job)) {
    for (const auto& [id, t] : *tasks) {
      if (!model::IsActive(t->status) || !instances.contains(t->instance_id)) continue;
      std::shared_ptr<const model::Task>& slot = found[t->instance_id];
      if (!slot || slot->status == model::ScheduleStatus::kKilling) slot = t;
    }
  }
  return found;
}

std::string KillMessage(const model::JobUpdateKey& key) {
  return absl::StrCat("Killed for job update ", key.id);
}

}  // namespace

// ---------------------------------------------------------------- records

void UpdateController::SetStatus(const model::JobUpdateKey& key, UpdateStatus to,
                                 std::optional<std::string> user,
                                 std::optional<std::string> message, int64_t now,
                                 ComponentContext& ctx) {
  if (message && message->empty()) message.reset();
  ctx.Mutate(state::SaveJobUpdateEvent{
      key, model::JobUpdateEvent{to, now, std::move(user), std::move(message)}});
  ctx.Count(absl::StrCat("update_transitions_to_", model::UpdateStatusName(to)));
}

void UpdateController::InstanceEvent(const Runtime& rt, int32_t instance, UpdateAction action,
                                     int64_t now, ComponentContext& ctx) {
  ctx.Mutate(state::SaveJobInstanceUpdateEvent{
      rt.key, model::JobInstanceUpdateEvent{instance, now, action, std::nullopt}});
}

// ---------------------------------------------------------------- runtime state

UpdateController::Runtime UpdateController::Build(const model::JobUpdateDetails& details,
                                                  bool forward) const {
  Runtime rt;
  const model::JobUpdate& u = details.update;
  rt.key = u.summary.key;
  rt.forward = forward;
  rt.order = core::UpdateOrder(u.instructions, forward);
  rt.targets = core::TargetConfigs(u.instructions, forward);
  rt.strategy = core::EffectiveStrategy(u.instructions.settings);
  // What the instance events of this direction say (the seen set after a failover).
  const UpdateAction working =
      forward ? UpdateAction::kInstanceUpdating : UpdateAction::kInstanceRollingBack;
  const UpdateAction ok = forward ? UpdateAction::kInstanceUpdated : UpdateAction::kInstanceRolledBack;
  const UpdateAction bad =
      forward ? UpdateAction::kInstanceUpdateFailed : UpdateAction::kInstanceRollbackFailed;
  for (const auto& e : details.instance_events) {
    if (e.action == working) {
      rt.acted.insert(e.instance_id);
      rt.started.insert(e.instance_id);
    } else if (e.action == ok || e.action == bad) {
      rt.started.insert(e.instance_id);
      rt.done.insert(e.instance_id);
      if (e.action == bad) {
        rt.failed.insert(e.instance_id);
        rt.latest_failed = e.instance_id;
      }
    }
  }
  for (int32_t i : rt.started) {
    if (!rt.done.contains(i)) rt.recheck.insert(i);
  }
  rt.last_pulse_ms = core::RestoredLastPulse(details);
  rt.coordinated = core::IsCoordinated(u.instructions.settings);
  auto canary = core::CanaryOf(u.summary.metadata);
  const std::string canary_state = core::CanaryState(u.summary.metadata);
  if (forward && canary.ok() && *canary && canary_state != core::kCanaryPromoted) {
    rt.canary = **canary;
    if (canary_state == core::kCanaryAwaitingPromotion && !details.update_events.empty()) {
      rt.canary_paused_ms = details.update_events.back().timestamp_ms;
    }
  }
  return rt;
}

void UpdateController::EnsureBuilt(ComponentContext& ctx) {
  if (built_) return;
  built_ = true;
  const state::JobUpdateTable& table = ctx.state().updates();
  for (const auto& [job, key] : table.active()) {
    const model::JobUpdateDetails* d = table.Find(key);
    if (d == nullptr || runtimes_.contains(job)) continue;
    runtimes_.emplace(job, Build(*d, core::IsForward(d->update.summary.status)));
  }
}

// ---------------------------------------------------------------- API

void UpdateController::Start(const model::JobUpdate& update,
                             const std::optional<std::string>& message, int64_t now,
                             ComponentContext& ctx) {
  EnsureBuilt(ctx);
  ctx.Mutate(state::SaveJobUpdate{update});
  const bool coordinated = core::IsCoordinated(update.instructions.settings);
  SetStatus(update.summary.key,
            coordinated ? UpdateStatus::kRollForwardAwaitingPulse : UpdateStatus::kRollingForward,
            update.summary.user, message, now, ctx);
  const model::JobUpdateDetails* d = ctx.state().updates().Find(update.summary.key);
  Runtime rt = Build(*d, /*forward=*/true);
  rt.last_pulse_ms.reset();  // a coordinated update waits for its first pulse
  runtimes_.insert_or_assign(update.summary.key.job, std::move(rt));
  ctx.Count("job_updates_started");
}

absl::Status UpdateController::Change(const model::JobUpdateKey& key, core::UpdateOp op,
                                      const std::string& user,
                                      const std::optional<std::string>& message, int64_t now,
                                      ComponentContext& ctx) {
  EnsureBuilt(ctx);
  const model::JobUpdateDetails* d = ctx.state().updates().Find(key);
  if (d == nullptr) {
    return absl::NotFoundError(absl::StrCat("No update found with key ", key.ToString()));
  }
  const model::JobUpdateSettings& settings = d->update.instructions.settings;
  auto it = runtimes_.find(key.job);
  const std::optional<int64_t> last_pulse =
      it != runtimes_.end() ? it->second.last_pulse_ms : std::nullopt;
  auto to = core::StatusAfterOp(d->update.summary.status, op,
                                core::PulseExpired(settings, last_pulse, now));
  if (!to.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("update ", key.ToString(), ": ", to.status().message()));
  }
  if (!to->has_value()) return absl::OkStatus();
  SetStatus(key, **to, user, message, now, ctx);
  if (it == runtimes_.end()) return absl::OkStatus();
  if (core::IsTerminalUpdate(**to)) {
    runtimes_.erase(it);
    return absl::OkStatus();
  }
  if (op == core::UpdateOp::kResume) {
    it->second.release_next_batch = true;
    if (it->second.canary && it->second.canary_paused_ms >= 0) Promote(it->second, ctx);
  }
  it->second.dirty = true;
  return absl::OkStatus();
}

absl::StatusOr<bool> UpdateController::Pulse(const model::JobUpdateKey& key, int64_t now,
                                             ComponentContext& ctx) {
  EnsureBuilt(ctx);
  const model::JobUpdateDetails* d = ctx.state().updates().Find(key);
  if (d == nullptr) {
    return absl::NotFoundError(absl::StrCat("No update found with key ", key.ToString()));
  }
  const UpdateStatus status = d->update.summary.status;
  auto it = runtimes_.find(key.job);
  if (!core::IsActiveUpdate(status) || it == runtimes_.end()) return false;
  it->second.last_pulse_ms = now;
  it->second.dirty = true;
  if (core::IsAwaitingPulse(status)) {
    SetStatus(key, core::RollingStatus(core::IsForward(status)), std::nullopt, std::nullopt, now,
              ctx);
  }
  return true;
}

// ---------------------------------------------------------------- driving

void UpdateController::OnTaskChanged(const model::JobKey& job, const model::TaskId& task_id,
                                     int32_t instance) {
  auto it = runtimes_.find(job);
  if (it == runtimes_.end()) return;
  it->second.notes.emplace_back(task_id, instance);
}

void UpdateController::Run(int64_t now, ComponentContext& ctx) {
  EnsureBuilt(ctx);
  std::vector<model::JobKey> jobs;
  for (const auto& [job, rt] : runtimes_) {
    const bool due = !rt.evaluate_at.empty() &&
                     std::any_of(rt.evaluate_at.begin(), rt.evaluate_at.end(),
                                 [&](const auto& e) { return e.second <= now; });
    if (rt.dirty || due || !rt.notes.empty() || !rt.recheck.empty() || rt.coordinated ||
        rt.canary) {
      jobs.push_back(job);
    }
  }
  for (const model::JobKey& job : jobs) {
    auto it = runtimes_.find(job);
    if (it != runtimes_.end()) Drive(it->second, now, ctx);
  }
}

void UpdateController::Drive(Runtime& rt, int64_t now, ComponentContext& ctx) {
  const model::JobKey job = rt.key.job;
  // Each round starts a batch, ends a direction or ends the update, so a few per instance
  // suffice; should the bound be reached, the next Run goes on.
  const size_t rounds = 4 * rt.order.size() + 8;
  for (size_t round = 0; round < rounds; ++round) {
    if (!DriveRound(rt, now, ctx)) return;
    auto it = runtimes_.find(job);
    if (it == runtimes_.end() || &it->second != &rt) return;
  }
  rt.dirty = true;
}

bool UpdateController::DriveRound(Runtime& rt, int64_t now, ComponentContext& ctx) {
  rt.dirty = false;
  const model::JobUpdateDetails* d = ctx.state().updates().Find(rt.key);
  if (d == nullptr || !core::IsActiveUpdate(d->update.summary.status)) {
    const model::JobKey job = rt.key.job;
    runtimes_.erase(job);  // `rt` is gone
    return false;
  }
  // Copies: every record change replaces the record `d` points to.
  const UpdateStatus status = d->update.summary.status;
  const model::JobUpdateSettings settings = d->update.instructions.settings;
  const bool forward = core::IsForward(status);
  if (forward != rt.forward) {  // rolled back by request: the other direction, from scratch
    Runtime back = Build(*d, forward);
    back.last_pulse_ms = rt.last_pulse_ms;
    rt = std::move(back);
  }
  if (status != core::RollingStatus(forward)) {
    if (std::optional<bool> acted = CanaryStep(rt, now, ctx)) return *acted;
    rt.notes.clear();  // paused or awaiting a pulse: the instances are looked at on resume
    for (int32_t i : rt.started) {
      if (!rt.done.contains(i)) rt.recheck.insert(i);
    }
    return false;
  }
  if (core::PulseExpired(settings, rt.last_pulse_ms, now)) {
    SetStatus(rt.key, core::AwaitingPulseStatus(forward), std::nullopt,
              std::string(core::kPulseTimedOutMessage), now, ctx);
    return false;
  }
  EvaluateDue(rt, now, ctx);
  if (std::optional<bool> acted = CanaryStep(rt, now, ctx)) return *acted;
  core::Progress p{rt.order.size(), rt.done.size() - rt.failed.size(), rt.failed.size(),
                   rt.latest_failed};
  if (auto move = core::OutcomeOf(forward, p, settings)) {
    SetStatus(rt.key, move->to, std::nullopt, move->message, now, ctx);
    if (core::IsTerminalUpdate(move->to)) {
      const model::JobKey job = rt.key.job;
      runtimes_.erase(job);  // `rt` is gone
      return false;
    }
    return true;  // rolling back: the next round builds the backward runtime
  }
  std::vector<int32_t> order = rt.order;
  if (rt.canary && order.size() > static_cast<size_t>(rt.canary->instances)) {
    order.resize(static_cast<size_t>(rt.canary->instances));  // the canary goes first, alone
  }
  core::NextInstances next = core::PickNext(rt.strategy, order, rt.started, rt.done);
  if (next.start.empty()) return false;
  if (core::AutoPauses(rt.strategy, next, forward, rt.release_next_batch)) {
    SetStatus(rt.key, core::PausedStatus(forward), std::nullopt,
              std::string(core::kAutoPausedMessage), now, ctx);
    return false;
  }
  if (next.new_batch) rt.release_next_batch = false;
  for (int32_t i : next.start) {
    rt.started.insert(i);
    rt.recheck.insert(i);
  }
  return true;
}

void UpdateController::EvaluateDue(Runtime& rt, int64_t now, ComponentContext& ctx) {
  const model::JobUpdateDetails* d = ctx.state().updates().Find(rt.key);
  const model::JobUpdateSettings settings = d->update.instructions.settings;
  std::vector<std::pair<model::TaskId, int32_t>> notes = std::exchange(rt.notes, {});
  std::set<int32_t> recheck = std::exchange(rt.recheck, {});
  for (auto it = rt.evaluate_at.begin(); it != rt.evaluate_at.end();) {
    if (it->second <= now) {
      recheck.insert(it->first);
      it = rt.evaluate_at.erase(it);
    } else {
      ++it;
    }
  }
  // A task that ended with the desired config is a failure, counted once per task even
  // when its instance already has a replacement; everything else is decided on the
  // instance's active task, once per instance and pass (a stale note must not replace
  // an instance twice).
  const core::InstanceConfigs& targets = rt.targets;
  std::set<model::TaskId> seen;
  for (const auto& [task_id, instance] : notes) {
    if (!rt.started.contains(instance) || rt.done.contains(instance)) continue;
    recheck.insert(instance);
    if (!seen.insert(task_id).second) continue;
    std::shared_ptr<const model::Task> t = ctx.state().FindTaskPtr(task_id);
    auto target = targets.find(instance);
    if (t && model::IsTerminal(t->status) && target != targets.end() && target->second &&
        t->config && *t->config == *target->second) {
      Evaluate(rt, instance, std::move(t), settings, now, ctx);
    }
  }
  std::erase_if(recheck, [&](int32_t i) { return !rt.started.contains(i) || rt.done.contains(i); });
  // Evaluating an instance changes only that instance's tasks, so the active tasks can be
  // looked up for all of them first.
  std::map<int32_t, std::shared_ptr<const model::Task>> active =
      ActiveTasksOf(ctx.state(), rt.key.job, recheck);
  for (int32_t instance : recheck) {
    auto it = active.find(instance);
    Evaluate(rt, instance, it == active.end() ? nullptr : std::move(it->second), settings, now,
             ctx);
  }
}

void UpdateController::MarkActed(Runtime& rt, int32_t instance, int64_t now,
                                 ComponentContext& ctx) {
  if (!rt.acted.insert(instance).second) return;
  InstanceEvent(rt, instance,
                rt.forward ? UpdateAction::kInstanceUpdating : UpdateAction::kInstanceRollingBack,
                now, ctx);
}

void UpdateController::Evaluate(Runtime& rt, int32_t instance,
                                std::shared_ptr<const model::Task> actual,
                                const model::JobUpdateSettings& settings, int64_t now,
                                ComponentContext& ctx) {
  auto target = rt.targets.find(instance);
  std::shared_ptr<const model::TaskConfig> desired =
      target == rt.targets.end() ? nullptr : target->second;
  core::InstanceInput in;
  in.desired = desired.get();
  in.actual = actual.get();
  in.failures = rt.failures[instance];
  in.max_per_instance_failures = settings.max_per_instance_failures;
  in.min_wait_in_running_ms = settings.min_wait_in_instance_running_ms;
  in.now_ms = now;
  const core::InstanceResult r = core::EvaluateInstance(in);
  if (r.failure_seen) {
    if (!rt.counted_failures.insert(actual->task_id).second) return;  // seen before
    ++rt.failures[instance];
  }
  switch (r.step) {
    case core::InstanceStep::kSucceeded:
      rt.done.insert(instance);
      rt.evaluate_at.erase(instance);
      if (rt.acted.contains(instance)) {
        InstanceEvent(rt, instance,
                      rt.forward ? UpdateAction::kInstanceUpdated : UpdateAction::kInstanceRolledBack,
                      now, ctx);
      }
      break;
    case core::InstanceStep::kFailed:
      rt.done.insert(instance);
      rt.failed.insert(instance);
      rt.latest_failed = instance;
      rt.evaluate_at.erase(instance);
      InstanceEvent(rt, instance,
                    rt.forward ? UpdateAction::kInstanceUpdateFailed
                               : UpdateAction::kInstanceRollbackFailed,
                    now, ctx);
      break;
    case core::InstanceStep::kAwaitStateChange:
      break;
    case core::InstanceStep::kEvaluateAt:
      rt.evaluate_at[instance] = r.at_ms;
      break;
    case core::InstanceStep::kKill:
      MarkActed(rt, instance, now, ctx);
      ctx.ChangeTaskState(*actual, model::ScheduleStatus::kKilling, KillMessage(rt.key));
      break;
    case core::InstanceStep::kReplace:
      MarkActed(rt, instance, now, ctx);
      ctx.InsertPendingTasks(desired, {instance}, absl::StrCat("Added for job update ", rt.key.id));
      break;
  }
}

// ---------------------------------------------------------------- canaries

void UpdateController::Promote(Runtime& rt, ComponentContext& ctx) {
  model::JobUpdate u = ctx.state().updates().Find(rt.key)->update;
  u.summary.metadata = core::WithCanaryState(std::move(u.summary.metadata), core::kCanaryPromoted);
  ctx.Mutate(state::SaveJobUpdate{std::move(u)});
  ctx.Count("job_update_canaries_promoted");
  rt.canary.reset();
  rt.canary_paused_ms = -1;
}

std::optional<bool> UpdateController::CanaryStep(Runtime& rt, int64_t now,
                                                 ComponentContext& ctx) {
  if (!rt.canary || !rt.forward) return std::nullopt;
  const model::JobUpdateDetails& d = *ctx.state().updates().Find(rt.key);  // until a change
  const UpdateStatus status = d.update.summary.status;
  if (status != UpdateStatus::kRollingForward) {  // paused: promote once healthy long enough
    const std::optional<int64_t> after = rt.canary->auto_promote_after_ms;  // Promote resets
    if (status != UpdateStatus::kRollForwardPaused || rt.canary_paused_ms < 0 || !after ||
        now < rt.canary_paused_ms + *after) {
      return std::nullopt;
    }
    Promote(rt, ctx);
    SetStatus(rt.key, UpdateStatus::kRollingForward, std::nullopt,
              absl::StrCat("Canary promoted after ", *after / 1000, " s of health"), now, ctx);
    return true;
  }
  const size_t size = std::min(rt.order.size(), static_cast<size_t>(rt.canary->instances));
  size_t done = 0;
  size_t failed = 0;
  for (size_t i = 0; i < size; ++i) {
    done += rt.done.contains(rt.order[i]);
    failed += rt.failed.contains(rt.order[i]);
  }
  const model::JobUpdateSettings settings = d.update.instructions.settings;
  if (failed > static_cast<size_t>(std::max(0, settings.max_failed_instances))) {
    SetStatus(rt.key, UpdateStatus::kRollingBack, std::nullopt,
              absl::StrCat("Canary failed: instance ", rt.latest_failed.value_or(-1), " exited."),
              now, ctx);
    return true;
  }
  if (done < size || rt.canary_paused_ms >= 0) return std::nullopt;
  model::JobUpdate u = d.update;
  u.summary.metadata =
      core::WithCanaryState(std::move(u.summary.metadata), core::kCanaryAwaitingPromotion);
  ctx.Mutate(state::SaveJobUpdate{std::move(u)});
  SetStatus(rt.key, UpdateStatus::kRollForwardPaused, std::nullopt,
            core::CanaryWaitingMessage(*rt.canary), now, ctx);
  rt.canary_paused_ms = now;
  return false;
}

// ---------------------------------------------------------------- history

void UpdateController::Tick(int64_t now, ComponentContext& ctx) {
  if (next_prune_ms_ < 0) next_prune_ms_ = now + options_.history_prune_interval_ms;
  if (now < next_prune_ms_) return;
  next_prune_ms_ = now + options_.history_prune_interval_ms;
  Prune(now, ctx);
}

void UpdateController::Prune(int64_t now, ComponentContext& ctx) {
  // Per job, its finished updates newest first.
  std::map<model::JobKey, std::vector<const model::JobUpdateSummary*>> finished;
  for (const auto& [key, d] : *ctx.state().updates().records()) {
    if (core::IsTerminalUpdate(d->update.summary.status)) {
      finished[key.job].push_back(&d->update.summary);
    }
  }
  state::RemoveJobUpdates remove;
  for (auto& [job, list] : finished) {
    std::sort(list.begin(), list.end(), [](const auto* a, const auto* b) {
      return std::tie(b->created_ms, b->key) < std::tie(a->created_ms, a->key);
    });
    const bool job_gone = ctx.state().table().Job(job) == nullptr;
    for (size_t i = 0; i < list.size(); ++i) {
      const bool too_many = i >= static_cast<size_t>(std::max(0, options_.history_per_job));
      const bool too_old = now - list[i]->last_modified_ms > options_.history_prune_threshold_ms;
      if (job_gone || too_many || too_old) remove.keys.push_back(list[i]->key);
    }
  }
  if (remove.keys.empty()) return;
  ctx.Count("job_updates_pruned", static_cast<int64_t>(remove.keys.size()));
  ctx.Mutate(std::move(remove));
}

}  // namespace borealis::scheduler
