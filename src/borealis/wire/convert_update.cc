#include "borealis/wire/convert_update.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/wire/convert.h"

namespace borealis::wire {

namespace {
absl::Status Prefixed(const std::string& prefix, const absl::Status& s) {
  return absl::InvalidArgumentError(absl::StrCat(prefix, s.message()));
}
}  // namespace

api::JobUpdateKey ToThrift(const model::JobUpdateKey& key) {
  api::JobUpdateKey k;
  k.__set_job(ToThrift(key.job));
  k.__set_id(key.id);
  return k;
}

model::JobUpdateKey FromThrift(const api::JobUpdateKey& key) {
  return model::JobUpdateKey{FromThrift(key.job), key.id};
}

std::set<api::Range> ToThrift(const std::vector<model::Range>& ranges) {
  std::set<api::Range> out;
  for (const model::Range& r : ranges) {
    api::Range t;
    t.__set_first(r.first);
    t.__set_last(r.last);
    out.insert(t);
  }
  return out;
}

std::vector<model::Range> FromThrift(const std::set<api::Range>& ranges) {
  std::vector<model::Range> out;
  for (const api::Range& r : ranges) out.push_back(model::Range{r.first, r.last});
  return out;
}

api::JobUpdateSettings ToThrift(const model::JobUpdateSettings& s) {
  api::JobUpdateSettings t;
  t.__set_updateGroupSize(s.update_group_size);
  t.__set_maxPerInstanceFailures(s.max_per_instance_failures);
  t.__set_maxFailedInstances(s.max_failed_instances);
  t.__set_minWaitInInstanceRunningMs(s.min_wait_in_instance_running_ms);
  t.__set_rollbackOnFailure(s.rollback_on_failure);
  t.__set_updateOnlyTheseInstances(ToThrift(s.update_only_these_instances));
  t.__set_waitForBatchCompletion(s.wait_for_batch_completion);
  if (s.block_if_no_pulses_after_ms) t.__set_blockIfNoPulsesAfterMs(*s.block_if_no_pulses_after_ms);
  if (s.sla_aware) t.__set_slaAware(*s.sla_aware);
  if (s.strategy) {
    api::JobUpdateStrategy u;
    const auto& st = *s.strategy;
    const int32_t first = st.group_sizes.empty() ? 0 : st.group_sizes[0];
    switch (st.kind) {
      case model::UpdateStrategy::Kind::kQueue: {
        api::QueueJobUpdateStrategy q;
        q.__set_groupSize(first);
        u.__set_queueStrategy(q);
        break;
      }
      case model::UpdateStrategy::Kind::kBatch: {
        api::BatchJobUpdateStrategy b;
        b.__set_groupSize(first);
        b.__set_autopauseAfterBatch(st.autopause_after_batch);
        u.__set_batchStrategy(b);
        break;
      }
      case model::UpdateStrategy::Kind::kVariableBatch: {
        api::VariableBatchJobUpdateStrategy v;
        v.__set_groupSizes(st.group_sizes);
        v.__set_autopauseAfterBatch(st.autopause_after_batch);
        u.__set_varBatchStrategy(v);
        break;
      }
    }
    t.__set_updateStrategy(u);
  }
  return t;
}

absl::StatusOr<model::JobUpdateSettings> FromThrift(const api::JobUpdateSettings& t) {
  model::JobUpdateSettings s;
  s.update_group_size = t.updateGroupSize;
  s.max_per_instance_failures = t.maxPerInstanceFailures;
  s.max_failed_instances = t.maxFailedInstances;
  s.min_wait_in_instance_running_ms = t.minWaitInInstanceRunningMs;
  s.rollback_on_failure = t.rollbackOnFailure;
  s.update_only_these_instances = FromThrift(t.updateOnlyTheseInstances);
  s.wait_for_batch_completion = t.waitForBatchCompletion;
  if (t.__isset.blockIfNoPulsesAfterMs) s.block_if_no_pulses_after_ms = t.blockIfNoPulsesAfterMs;
  if (t.__isset.slaAware) s.sla_aware = t.slaAware;
  if (t.__isset.updateStrategy) {
    const api::JobUpdateStrategy& u = t.updateStrategy;
    const int members = int{u.__isset.queueStrategy} + int{u.__isset.batchStrategy} +
                        int{u.__isset.varBatchStrategy};
    if (members != 1) {
      return absl::InvalidArgumentError(
          "updateStrategy: must set exactly one of queueStrategy, batchStrategy, "
          "varBatchStrategy (update strategy provided is unknown)");
    }
    model::UpdateStrategy st;
    if (u.__isset.queueStrategy) {
      st.kind = model::UpdateStrategy::Kind::kQueue;
      st.group_sizes = {u.queueStrategy.groupSize};
    } else if (u.__isset.batchStrategy) {
      st.kind = model::UpdateStrategy::Kind::kBatch;
      st.group_sizes = {u.batchStrategy.groupSize};
      st.autopause_after_batch = u.batchStrategy.autopauseAfterBatch;
    } else {
      st.kind = model::UpdateStrategy::Kind::kVariableBatch;
      st.group_sizes = u.varBatchStrategy.groupSizes;
      st.autopause_after_batch = u.varBatchStrategy.autopauseAfterBatch;
    }
    s.strategy = std::move(st);
  }
  return s;
}

api::JobUpdateEvent ToThrift(const model::JobUpdateEvent& e) {
  api::JobUpdateEvent t;
  t.__set_status(static_cast<api::JobUpdateStatus::type>(e.status));
  t.__set_timestampMs(e.timestamp_ms);
  if (e.user) t.__set_user(*e.user);
  if (e.message) t.__set_message(*e.message);
  return t;
}

absl::StatusOr<model::JobUpdateEvent> FromThrift(const api::JobUpdateEvent& t) {
  auto status = model::UpdateStatusFromInt(static_cast<int>(t.status));
  if (!status) return absl::InvalidArgumentError(absl::StrCat("status: unknown value ", t.status));
  model::JobUpdateEvent e;
  e.status = *status;
  e.timestamp_ms = t.timestampMs;
  if (t.__isset.user) e.user = t.user;
  if (t.__isset.message) e.message = t.message;
  return e;
}

api::JobInstanceUpdateEvent ToThrift(const model::JobInstanceUpdateEvent& e) {
  api::JobInstanceUpdateEvent t;
  t.__set_instanceId(e.instance_id);
  t.__set_timestampMs(e.timestamp_ms);
  t.__set_action(static_cast<api::JobUpdateAction::type>(e.action));
  if (e.message) t.__set_message(*e.message);
  return t;
}

absl::StatusOr<model::JobInstanceUpdateEvent> FromThrift(const api::JobInstanceUpdateEvent& t) {
  auto action = model::UpdateActionFromInt(static_cast<int>(t.action));
  if (!action) return absl::InvalidArgumentError(absl::StrCat("action: unknown value ", t.action));
  model::JobInstanceUpdateEvent e;
  e.instance_id = t.instanceId;
  e.timestamp_ms = t.timestampMs;
  e.action = *action;
  if (t.__isset.message) e.message = t.message;
  return e;
}

api::JobUpdateSummary ToThrift(const model::JobUpdateSummary& s) {
  api::JobUpdateSummary t;
  t.__set_key(ToThrift(s.key));
  t.__set_user(s.user);
  api::JobUpdateState state;
  state.__set_status(static_cast<api::JobUpdateStatus::type>(s.status));
  state.__set_createdTimestampMs(s.created_ms);
  state.__set_lastModifiedTimestampMs(s.last_modified_ms);
  t.__set_state(state);
  if (!s.metadata.empty()) {
    std::set<api::Metadata> md;
    for (const auto& m : s.metadata) md.insert(ToThrift(m));
    t.__set_metadata(md);
  }
  return t;
}

namespace {
api::InstanceTaskConfig ToThrift(const model::InstanceTaskConfig& c) {
  api::InstanceTaskConfig t;
  if (c.task) t.__set_task(wire::ToThrift(*c.task));
  t.__set_instances(wire::ToThrift(c.instances));
  return t;
}

absl::StatusOr<model::InstanceTaskConfig> FromThrift(const api::InstanceTaskConfig& t,
                                                     const std::string& field) {
  auto config = wire::FromThrift(t.task);
  if (!config.ok()) return Prefixed(absl::StrCat(field, ".task: "), config.status());
  return model::InstanceTaskConfig{std::make_shared<const model::TaskConfig>(std::move(*config)),
                                   wire::FromThrift(t.instances)};
}
}  // namespace

api::JobUpdate ToThrift(const model::JobUpdate& u) {
  api::JobUpdate t;
  t.__set_summary(ToThrift(u.summary));
  api::JobUpdateInstructions in;
  std::set<api::InstanceTaskConfig> initial;
  for (const auto& c : u.instructions.initial_state) initial.insert(ToThrift(c));
  in.__set_initialState(initial);
  if (u.instructions.desired_state) in.__set_desiredState(ToThrift(*u.instructions.desired_state));
  in.__set_settings(ToThrift(u.instructions.settings));
  t.__set_instructions(in);
  return t;
}

absl::StatusOr<model::JobUpdate> FromThrift(const api::JobUpdate& t) {
  model::JobUpdate u;
  u.summary.key = FromThrift(t.summary.key);
  u.summary.user = t.summary.user;
  auto status = model::UpdateStatusFromInt(static_cast<int>(t.summary.state.status));
  if (status) u.summary.status = *status;
  u.summary.created_ms = t.summary.state.createdTimestampMs;
  u.summary.last_modified_ms = t.summary.state.lastModifiedTimestampMs;
  for (const auto& m : t.summary.metadata) u.summary.metadata.push_back(FromThrift(m));
  std::sort(u.summary.metadata.begin(), u.summary.metadata.end());
  // Shared configs: instances with equal configs point at one object.
  for (const auto& c : t.instructions.initialState) {
    ASSIGN_OR_RETURN(auto ic, FromThrift(c, "instructions.initialState"));
    u.instructions.initial_state.push_back(std::move(ic));
  }
  if (t.instructions.__isset.desiredState) {
    ASSIGN_OR_RETURN(auto dc, FromThrift(t.instructions.desiredState, "instructions.desiredState"));
    u.instructions.desired_state = std::move(dc);
  }
  auto settings = FromThrift(t.instructions.settings);
  if (!settings.ok()) return Prefixed("instructions.settings.", settings.status());
  u.instructions.settings = std::move(*settings);
  // initialState is a set: keep the model's order (by lowest instance).
  std::sort(u.instructions.initial_state.begin(), u.instructions.initial_state.end(),
            [](const auto& a, const auto& b) { return a.instances < b.instances; });
  return u;
}

api::JobUpdateDetails ToThrift(const model::JobUpdateDetails& d) {
  api::JobUpdateDetails t;
  t.__set_update(ToThrift(d.update));
  std::vector<api::JobUpdateEvent> events;
  for (const auto& e : d.update_events) events.push_back(ToThrift(e));
  t.__set_updateEvents(events);
  std::vector<api::JobInstanceUpdateEvent> ievents;
  for (const auto& e : d.instance_events) ievents.push_back(ToThrift(e));
  t.__set_instanceEvents(ievents);
  return t;
}

absl::StatusOr<model::JobUpdateDetails> FromThrift(const api::JobUpdateDetails& t) {
  model::JobUpdateDetails d;
  ASSIGN_OR_RETURN(d.update, FromThrift(t.update));
  for (size_t i = 0; i < t.updateEvents.size(); ++i) {
    auto e = FromThrift(t.updateEvents[i]);
    if (!e.ok()) return Prefixed(absl::StrCat("updateEvents[", i, "].") , e.status());
    d.update_events.push_back(std::move(*e));
  }
  for (size_t i = 0; i < t.instanceEvents.size(); ++i) {
    auto e = FromThrift(t.instanceEvents[i]);
    if (!e.ok()) return Prefixed(absl::StrCat("instanceEvents[", i, "].") , e.status());
    d.instance_events.push_back(std::move(*e));
  }
  return d;
}

}  // namespace borealis::wire
