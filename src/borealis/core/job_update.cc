#include "borealis/core/job_update.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace borealis::core {

using S = model::UpdateStatus;
using model::ScheduleStatus;

namespace {
bool OneOf(S s, std::initializer_list<S> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}
}  // namespace

// ------------------------------------------------------------ 1. status machine

bool IsActiveUpdate(S s) {
  return OneOf(s, {S::kRollingForward, S::kRollingBack, S::kRollForwardPaused,
                   S::kRollBackPaused, S::kRollForwardAwaitingPulse, S::kRollBackAwaitingPulse});
}

bool IsForward(S s) {
  return OneOf(s, {S::kRollingForward, S::kRollForwardPaused, S::kRollForwardAwaitingPulse,
                   S::kRolledForward});
}
bool IsPaused(S s) { return OneOf(s, {S::kRollForwardPaused, S::kRollBackPaused}); }
bool IsAwaitingPulse(S s) {
  return OneOf(s, {S::kRollForwardAwaitingPulse, S::kRollBackAwaitingPulse});
}
UpdateStatus RollingStatus(bool forward) { return forward ? S::kRollingForward : S::kRollingBack; }
UpdateStatus PausedStatus(bool forward) {
  return forward ? S::kRollForwardPaused : S::kRollBackPaused;
}
UpdateStatus AwaitingPulseStatus(bool forward) {
  return forward ? S::kRollForwardAwaitingPulse : S::kRollBackAwaitingPulse;
}

bool CanTransition(S from, S to) {
  switch (from) {
    case S::kRollingForward:
      return OneOf(to, {S::kRollingBack, S::kRollForwardPaused, S::kRollForwardAwaitingPulse,
                        S::kRolledForward, S::kAborted, S::kFailed, S::kError});
    case S::kRollingBack:
      return OneOf(to, {S::kRollBackPaused, S::kRollBackAwaitingPulse, S::kRolledBack,
                        S::kAborted, S::kError, S::kFailed});
    case S::kRollForwardPaused:
      return OneOf(to, {S::kRollingBack, S::kRollingForward, S::kRollForwardAwaitingPulse,
                        S::kAborted, S::kError});
    case S::kRollBackPaused:
      return OneOf(to, {S::kRollingBack, S::kRollBackAwaitingPulse, S::kAborted, S::kError});
    case S::kRollForwardAwaitingPulse:
      return OneOf(to, {S::kRollingBack, S::kRollingForward, S::kRollForwardPaused, S::kAborted,
                        S::kError});
    case S::kRollBackAwaitingPulse:
      return OneOf(to, {S::kRollingBack, S::kRollBackPaused, S::kAborted, S::kError});
    default:
      return false;  // terminal
  }
}

absl::StatusOr<std::optional<UpdateStatus>> StatusAfterOp(S from, UpdateOp op,
                                                          bool pulse_expired) {
  if (!IsActiveUpdate(from)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the update is ", model::UpdateStatusName(from), ", no longer active"));
  }
  const bool forward = IsForward(from);
  S to = from;
  switch (op) {
    case UpdateOp::kPause:
      to = PausedStatus(forward);
      break;
    case UpdateOp::kResume:
      to = pulse_expired ? AwaitingPulseStatus(forward) : RollingStatus(forward);
      break;
    case UpdateOp::kAbort:
      to = S::kAborted;
      break;
    case UpdateOp::kRollback:
      to = S::kRollingBack;
      break;
  }
  if (to == from) return std::optional<UpdateStatus>();
  // Resuming an update awaiting a pulse while pulses are still missing changes nothing.
  if (op == UpdateOp::kResume && IsAwaitingPulse(from) && pulse_expired) {
    return std::optional<UpdateStatus>();
  }
  // Rolling back one that is already rolling back (paused or awaiting a pulse) is a no-op.
  if (op == UpdateOp::kRollback && !forward) return std::optional<UpdateStatus>();
  if (!CanTransition(from, to)) {
    return absl::FailedPreconditionError(absl::StrCat("the update cannot move from ",
                                                      model::UpdateStatusName(from), " to ",
                                                      model::UpdateStatusName(to)));
  }
  return std::optional<UpdateStatus>(to);
}

// ------------------------------------------------------------ 2. validation

namespace {
absl::Status Invalid(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(field, " ", what));
}

absl::Status ValidateStrategy(const model::UpdateStrategy& s) {
  using K = model::UpdateStrategy::Kind;
  const char* field = s.kind == K::kQueue   ? "settings.updateStrategy.queueStrategy.groupSize"
                      : s.kind == K::kBatch ? "settings.updateStrategy.batchStrategy.groupSize"
                                            : "settings.updateStrategy.varBatchStrategy.groupSizes";
  if (s.group_sizes.empty()) return Invalid(field, "must not be empty");
  if (s.kind != K::kVariableBatch && s.group_sizes.size() != 1) {
    return Invalid(field, "must be one size");
  }
  for (int32_t g : s.group_sizes) {
    if (g <= 0) return Invalid(field, "must be > 0 (all update group sizes must be positive)");
  }
  return absl::OkStatus();
}
}  // namespace

absl::Status ValidateUpdateSettings(const model::JobUpdateSettings& settings,
                                    int32_t instance_count, bool has_sla_policy,
                                    const UpdateLimits& limits) {
  if (instance_count <= 0) return Invalid("instanceCount", "must be positive");
  if (settings.strategy) {
    if (absl::Status s = ValidateStrategy(*settings.strategy); !s.ok()) return s;
  } else if (settings.update_group_size <= 0) {
    return Invalid("settings.updateGroupSize",
                   "must be > 0 when settings.updateStrategy is not set");
  }
  if (settings.max_per_instance_failures < 0) {
    return Invalid("settings.maxPerInstanceFailures", "must be non-negative");
  }
  if (settings.max_failed_instances < 0) {
    return Invalid("settings.maxFailedInstances", "must be non-negative");
  }
  if (static_cast<int64_t>(settings.max_per_instance_failures) * instance_count >
      limits.max_update_instance_failures) {
    return Invalid("settings.maxPerInstanceFailures",
                   absl::StrCat("times instanceCount must be at most ",
                                limits.max_update_instance_failures,
                                ": the update allows too many failures"));
  }
  if (settings.min_wait_in_instance_running_ms < 0) {
    return Invalid("settings.minWaitInInstanceRunningMs", "must be non-negative");
  }
  if (settings.block_if_no_pulses_after_ms && *settings.block_if_no_pulses_after_ms < 0) {
    return Invalid("settings.blockIfNoPulsesAfterMs", "must not be negative");
  }
  for (const model::Range& r : settings.update_only_these_instances) {
    if (r.first < 0 || r.last < r.first) {
      return Invalid("settings.updateOnlyTheseInstances",
                     absl::StrCat("has a bad range ", r.first, "-", r.last));
    }
  }
  if (settings.sla_aware.value_or(false)) {
    if (!has_sla_policy) {
      return Invalid("settings.slaAware", "is true, but the task config has no slaPolicy");
    }
    return Invalid("settings.slaAware", "is true: slaAware updates are not supported yet");
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------ 3. the diff

InstanceConfigs CurrentConfigs(const std::vector<const model::Task*>& job_tasks) {
  InstanceConfigs out;
  std::set<int32_t> from_killing;
  for (const model::Task* t : job_tasks) {
    if (!model::IsActive(t->status)) continue;
    const bool killing = t->status == ScheduleStatus::kKilling;
    auto it = out.find(t->instance_id);
    if (it == out.end()) {
      out.emplace(t->instance_id, t->config);
      if (killing) from_killing.insert(t->instance_id);
    } else if (!killing && from_killing.erase(t->instance_id) > 0) {
      it->second = t->config;
    }
  }
  return out;
}

namespace {
bool SameConfig(const std::shared_ptr<const model::TaskConfig>& a,
                const std::shared_ptr<const model::TaskConfig>& b) {
  return a == b || (a && b && *a == *b);
}
}  // namespace

std::set<int32_t> JobDiff::OutOfScope(const std::vector<model::Range>& scope) const {
  std::set<int32_t> out;
  for (int32_t i : model::FromRanges(scope)) {
    if (!replaced.contains(i) && !replacements.contains(i) && !unchanged.contains(i)) {
      out.insert(i);
    }
  }
  return out;
}

JobDiff ComputeDiff(const InstanceConfigs& current,
                    const std::shared_ptr<const model::TaskConfig>& proposed,
                    int32_t instance_count, const std::vector<model::Range>& scope) {
  JobDiff all;
  for (const auto& [i, config] : current) {
    if (i < instance_count && SameConfig(config, proposed)) {
      all.unchanged.emplace(i, config);
    } else {
      all.replaced.emplace(i, config);
      if (i < instance_count) all.replacements.insert(i);
    }
  }
  for (int32_t i = 0; i < instance_count; ++i) {
    if (!current.contains(i)) all.replacements.insert(i);
  }
  if (scope.empty()) return all;
  const std::vector<int32_t> ids = model::FromRanges(scope);
  const std::set<int32_t> limit(ids.begin(), ids.end());
  JobDiff out;
  for (const auto& [i, config] : all.replaced) {
    if (limit.contains(i)) out.replaced.emplace(i, config);
  }
  for (int32_t i : all.replacements) {
    if (limit.contains(i)) out.replacements.insert(i);
  }
  for (const auto& [i, config] : current) {
    if (!out.replaced.contains(i) && !out.replacements.contains(i)) {
      out.unchanged.emplace(i, config);
    }
  }
  return out;
}

std::vector<model::InstanceTaskConfig> GroupByConfig(const InstanceConfigs& configs) {
  std::vector<std::pair<std::shared_ptr<const model::TaskConfig>, std::vector<int32_t>>> groups;
  for (const auto& entry : configs) {  // not a structured binding: lambdas capture it
    const std::shared_ptr<const model::TaskConfig>& config = entry.second;
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return SameConfig(g.first, config); });
    if (it == groups.end()) {
      groups.push_back({config, {entry.first}});
    } else {
      it->second.push_back(entry.first);
    }
  }
  std::vector<model::InstanceTaskConfig> out;
  out.reserve(groups.size());
  for (auto& [config, ids] : groups) {
    out.push_back(model::InstanceTaskConfig{config, model::ToRanges(std::move(ids))});
  }
  return out;
}

model::JobUpdateInstructions InstructionsOf(const JobDiff& diff,
                                            std::shared_ptr<const model::TaskConfig> proposed,
                                            model::JobUpdateSettings settings) {
  model::JobUpdateInstructions out;
  out.initial_state = GroupByConfig(diff.replaced);
  if (!diff.replacements.empty()) {
    out.desired_state = model::InstanceTaskConfig{
        std::move(proposed),
        model::ToRanges({diff.replacements.begin(), diff.replacements.end()})};
  }
  out.settings = std::move(settings);
  return out;
}

// ------------------------------------------------------------ 4. ordering, strategies

InstanceConfigs TargetConfigs(const model::JobUpdateInstructions& in, bool forward) {
  InstanceConfigs out;
  for (const auto& group : in.initial_state) {
    for (int32_t i : model::FromRanges(group.instances)) out[i] = forward ? nullptr : group.task;
  }
  if (in.desired_state) {
    for (int32_t i : model::FromRanges(in.desired_state->instances)) {
      if (forward) {
        out[i] = in.desired_state->task;
      } else {
        out.try_emplace(i, nullptr);  // added by the update: rolled back to nothing
      }
    }
  }
  return out;
}

std::vector<int32_t> UpdateOrder(const model::JobUpdateInstructions& in, bool forward) {
  std::set<int32_t> initial;
  for (const auto& group : in.initial_state) {
    for (int32_t i : model::FromRanges(group.instances)) initial.insert(i);
  }
  std::set<int32_t> desired;
  if (in.desired_state) {
    for (int32_t i : model::FromRanges(in.desired_state->instances)) desired.insert(i);
  }
  std::vector<int32_t> order;
  for (int32_t i : desired) {
    if (!initial.contains(i)) order.push_back(i);  // created
  }
  for (int32_t i : desired) {
    if (initial.contains(i)) order.push_back(i);  // updated
  }
  for (int32_t i : initial) {
    if (!desired.contains(i)) order.push_back(i);  // removed
  }
  if (!forward) std::reverse(order.begin(), order.end());
  return order;
}

model::UpdateStrategy EffectiveStrategy(const model::JobUpdateSettings& settings) {
  if (settings.strategy) return *settings.strategy;
  model::UpdateStrategy s;
  s.kind = settings.wait_for_batch_completion ? model::UpdateStrategy::Kind::kBatch
                                              : model::UpdateStrategy::Kind::kQueue;
  s.group_sizes = {std::max(1, settings.update_group_size)};
  return s;
}

std::vector<std::vector<int32_t>> BatchGroups(const model::UpdateStrategy& strategy,
                                              const std::vector<int32_t>& order) {
  std::vector<std::vector<int32_t>> groups;
  if (strategy.kind == model::UpdateStrategy::Kind::kQueue) {
    if (!order.empty()) groups.push_back(order);
    return groups;
  }
  size_t next = 0;
  for (size_t k = 0; next < order.size(); ++k) {
    const auto& sizes = strategy.group_sizes;
    const int32_t size = sizes.empty() ? 1 : std::max(1, sizes[std::min(k, sizes.size() - 1)]);
    const size_t end = std::min(order.size(), next + static_cast<size_t>(size));
    groups.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(next),
                        order.begin() + static_cast<std::ptrdiff_t>(end));
    next = end;
  }
  return groups;
}

NextInstances PickNext(const model::UpdateStrategy& strategy, const std::vector<int32_t>& order,
                       const std::set<int32_t>& started, const std::set<int32_t>& done) {
  NextInstances out;
  if (strategy.kind == model::UpdateStrategy::Kind::kQueue) {
    size_t in_flight = 0;
    for (int32_t i : started) {
      if (!done.contains(i)) ++in_flight;
    }
    const size_t size = static_cast<size_t>(
        std::max(1, strategy.group_sizes.empty() ? 1 : strategy.group_sizes[0]));
    for (int32_t i : order) {
      if (in_flight + out.start.size() >= size) break;
      if (!started.contains(i)) out.start.push_back(i);
    }
    return out;
  }
  const auto groups = BatchGroups(strategy, order);
  for (size_t k = 0; k < groups.size(); ++k) {
    const auto& g = groups[k];
    const bool all_done = std::all_of(g.begin(), g.end(), [&](int32_t i) { return done.contains(i); });
    if (all_done) continue;
    bool any_started = false;
    for (int32_t i : g) {
      if (started.contains(i)) {
        any_started = true;
      } else {
        out.start.push_back(i);
      }
    }
    out.new_batch = !any_started;
    out.batch_index = k;
    return out;
  }
  return out;
}

bool AutoPauses(const model::UpdateStrategy& strategy, const NextInstances& next, bool forward,
                bool released_by_resume) {
  return strategy.autopause_after_batch &&
         strategy.kind != model::UpdateStrategy::Kind::kQueue && forward && next.new_batch &&
         next.batch_index > 0 && !next.start.empty() && !released_by_resume;
}

// ------------------------------------------------------------ 5. one instance

bool WasKilled(const model::Task& task) {
  if (task.status == ScheduleStatus::kKilling) return false;
  return std::any_of(task.events.begin(), task.events.end(),
                     [](const model::TaskEvent& e) { return e.status == ScheduleStatus::kKilling; });
}

bool IsKillable(const model::Task& task) {
  return model::IsActive(task.status) && task.status != ScheduleStatus::kKilling;
}

InstanceResult EvaluateInstance(const InstanceInput& in) {
  const model::Task* actual = in.actual;
  const bool present = actual != nullptr && !WasKilled(*actual);
  InstanceResult r;
  if (in.desired == nullptr) {
    if (!present) {
      r.step = InstanceStep::kSucceeded;
    } else {
      r.step = IsKillable(*actual) ? InstanceStep::kKill : InstanceStep::kAwaitStateChange;
    }
    return r;
  }
  if (!present) {
    r.step = InstanceStep::kReplace;
    return r;
  }
  if (!(actual->config && *actual->config == *in.desired)) {
    r.step = IsKillable(*actual) ? InstanceStep::kKill : InstanceStep::kAwaitStateChange;
    return r;
  }
  if (actual->status == ScheduleStatus::kRunning) {
    const int64_t stable_at = actual->LatestEventMs() + in.min_wait_in_running_ms;
    if (in.now_ms >= stable_at) {
      r.step = InstanceStep::kSucceeded;
    } else {
      r.step = InstanceStep::kEvaluateAt;
      r.at_ms = stable_at;
    }
    return r;
  }
  if (model::IsTerminal(actual->status)) {
    r.failure_seen = true;
    r.step = in.failures + 1 > in.max_per_instance_failures ? InstanceStep::kFailed
                                                              : InstanceStep::kAwaitStateChange;
    return r;
  }
  r.step = InstanceStep::kAwaitStateChange;
  return r;
}

// ------------------------------------------------------------ 6. outcome

std::optional<StatusMove> OutcomeOf(bool forward, const Progress& p,
                                    const model::JobUpdateSettings& settings) {
  if (p.failed > static_cast<size_t>(std::max(0, settings.max_failed_instances))) {
    std::string message =
        p.latest_failed_instance
            ? absl::StrCat("Latest failure: instance ", *p.latest_failed_instance, " exited.")
            : std::string("Too many instances failed.");
    if (forward && settings.rollback_on_failure) return StatusMove{S::kRollingBack, message};
    return StatusMove{S::kFailed, message};
  }
  if (p.succeeded + p.failed >= p.total) {
    return StatusMove{forward ? S::kRolledForward : S::kRolledBack, ""};
  }
  return std::nullopt;
}

// ------------------------------------------------------------ 7. pulses

bool IsCoordinated(const model::JobUpdateSettings& settings) {
  return settings.block_if_no_pulses_after_ms.value_or(0) > 0;
}

bool PulseExpired(const model::JobUpdateSettings& settings, std::optional<int64_t> last_pulse_ms,
                  int64_t now_ms) {
  if (!IsCoordinated(settings)) return false;
  if (!last_pulse_ms) return true;
  return now_ms - *last_pulse_ms >= *settings.block_if_no_pulses_after_ms;
}

std::optional<int64_t> RestoredLastPulse(const model::JobUpdateDetails& details) {
  if (details.update_events.empty()) return std::nullopt;
  const model::JobUpdateEvent& latest = details.update_events.back();
  if (IsAwaitingPulse(latest.status)) return std::nullopt;
  return latest.timestamp_ms;
}

}  // namespace borealis::core
