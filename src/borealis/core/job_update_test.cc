// Table tests of the update decisions: status machine, validation, diff, strategies,
// per-instance evaluation, outcome, pulses.
#include "borealis/core/job_update.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace borealis::core {
namespace {

using S = model::UpdateStatus;
using T = model::ScheduleStatus;
using K = model::UpdateStrategy::Kind;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::shared_ptr<const model::TaskConfig> Config(const std::string& cmd) {
  auto c = std::make_shared<model::TaskConfig>();
  c->job = {"www-data", "prod", "web"};
  c->is_service = true;
  c->executor_data = cmd;
  return c;
}

model::Task MakeTask(std::shared_ptr<const model::TaskConfig> config, int32_t instance,
                     std::vector<std::pair<T, int64_t>> events) {
  model::Task t;
  t.task_id = model::TaskId("t" + std::to_string(instance));
  t.config = std::move(config);
  t.instance_id = instance;
  for (auto [s, at] : events) t.events.push_back({at, s, "", "s"});
  t.status = events.back().first;
  return t;
}

// ---------------------------------------------------------------- status machine

TEST(UpdateStatusMachine, ActiveAndTerminalSets) {
  for (S s : {S::kRollingForward, S::kRollingBack, S::kRollForwardPaused, S::kRollBackPaused,
              S::kRollForwardAwaitingPulse, S::kRollBackAwaitingPulse}) {
    EXPECT_TRUE(IsActiveUpdate(s)) << model::UpdateStatusName(s);
  }
  for (S s : {S::kRolledForward, S::kRolledBack, S::kAborted, S::kError, S::kFailed}) {
    EXPECT_TRUE(IsTerminalUpdate(s)) << model::UpdateStatusName(s);
    EXPECT_FALSE(CanTransition(s, S::kRollingForward));
  }
}

TEST(UpdateStatusMachine, LegalMovesFollowAurorasTable) {
  EXPECT_TRUE(CanTransition(S::kRollingForward, S::kRolledForward));
  EXPECT_TRUE(CanTransition(S::kRollingForward, S::kRollingBack));
  EXPECT_FALSE(CanTransition(S::kRollingBack, S::kRollingForward));
  EXPECT_FALSE(CanTransition(S::kRollBackPaused, S::kRollingForward));
  EXPECT_TRUE(CanTransition(S::kRollForwardAwaitingPulse, S::kRollForwardPaused));
  EXPECT_FALSE(CanTransition(S::kRollForwardPaused, S::kRolledForward));
  EXPECT_TRUE(CanTransition(S::kRollBackAwaitingPulse, S::kRollingBack));
}

struct OpCase {
  S from;
  UpdateOp op;
  bool pulse_expired;
  std::optional<S> to;  // nullopt: no-op
};

TEST(UpdateStatusMachine, UserOpsMapToTargets) {
  const std::vector<OpCase> cases = {
      {S::kRollingForward, UpdateOp::kPause, false, S::kRollForwardPaused},
      {S::kRollForwardAwaitingPulse, UpdateOp::kPause, false, S::kRollForwardPaused},
      {S::kRollingBack, UpdateOp::kPause, false, S::kRollBackPaused},
      {S::kRollForwardPaused, UpdateOp::kPause, false, std::nullopt},
      {S::kRollForwardPaused, UpdateOp::kResume, false, S::kRollingForward},
      {S::kRollForwardPaused, UpdateOp::kResume, true, S::kRollForwardAwaitingPulse},
      {S::kRollBackPaused, UpdateOp::kResume, false, S::kRollingBack},
      {S::kRollingForward, UpdateOp::kResume, false, std::nullopt},
      {S::kRollForwardAwaitingPulse, UpdateOp::kResume, true, std::nullopt},
      {S::kRollingForward, UpdateOp::kAbort, false, S::kAborted},
      {S::kRollBackPaused, UpdateOp::kAbort, false, S::kAborted},
      {S::kRollingForward, UpdateOp::kRollback, false, S::kRollingBack},
      {S::kRollForwardPaused, UpdateOp::kRollback, false, S::kRollingBack},
      {S::kRollForwardAwaitingPulse, UpdateOp::kRollback, false, S::kRollingBack},
      {S::kRollingBack, UpdateOp::kRollback, false, std::nullopt},
      {S::kRollBackPaused, UpdateOp::kRollback, false, std::nullopt},
  };
  for (const OpCase& c : cases) {
    auto to = StatusAfterOp(c.from, c.op, c.pulse_expired);
    ASSERT_TRUE(to.ok()) << model::UpdateStatusName(c.from) << ": " << to.status();
    EXPECT_EQ(*to, c.to) << model::UpdateStatusName(c.from) << " op " << static_cast<int>(c.op);
  }
}

TEST(UpdateStatusMachine, OpsOnFinishedUpdatesAreRefused) {
  auto to = StatusAfterOp(S::kRolledForward, UpdateOp::kPause, false);
  ASSERT_FALSE(to.ok());
  EXPECT_THAT(std::string(to.status().message()), HasSubstr("ROLLED_FORWARD"));
}

// ---------------------------------------------------------------- validation

model::JobUpdateSettings Queue(int32_t size) {
  model::JobUpdateSettings s;
  s.strategy = model::UpdateStrategy{K::kQueue, {size}, false};
  return s;
}

TEST(ValidateUpdateSettings, NamesTheField) {
  struct Case {
    model::JobUpdateSettings settings;
    int32_t count;
    std::string field;
  };
  std::vector<Case> cases;
  cases.push_back({Queue(0), 3, "settings.updateStrategy.queueStrategy.groupSize"});
  {
    auto s = Queue(1);
    s.strategy = model::UpdateStrategy{K::kBatch, {0}, false};
    cases.push_back({s, 3, "settings.updateStrategy.batchStrategy.groupSize must be > 0"});
    s.strategy = model::UpdateStrategy{K::kVariableBatch, {1, -2}, false};
    cases.push_back({s, 3, "settings.updateStrategy.varBatchStrategy.groupSizes"});
    s.strategy = model::UpdateStrategy{K::kVariableBatch, {}, false};
    cases.push_back({s, 3, "varBatchStrategy.groupSizes must not be empty"});
  }
  cases.push_back({model::JobUpdateSettings{}, 3, "settings.updateGroupSize"});
  {
    auto s = Queue(1);
    s.max_per_instance_failures = -1;
    cases.push_back({s, 3, "settings.maxPerInstanceFailures"});
    s = Queue(1);
    s.max_failed_instances = -1;
    cases.push_back({s, 3, "settings.maxFailedInstances"});
    s = Queue(1);
    s.max_per_instance_failures = 10;
    cases.push_back({s, 4000, "too many failures"});
    s = Queue(1);
    s.min_wait_in_instance_running_ms = -5;
    cases.push_back({s, 3, "settings.minWaitInInstanceRunningMs"});
    s = Queue(1);
    s.block_if_no_pulses_after_ms = -1;
    cases.push_back({s, 3, "settings.blockIfNoPulsesAfterMs"});
    s = Queue(1);
    s.sla_aware = true;
    cases.push_back({s, 3, "settings.slaAware"});
    s = Queue(1);
    s.update_only_these_instances = {{3, 1}};
    cases.push_back({s, 3, "settings.updateOnlyTheseInstances"});
  }
  cases.push_back({Queue(1), 0, "instanceCount"});
  for (const Case& c : cases) {
    absl::Status st = ValidateUpdateSettings(c.settings, c.count, false);
    EXPECT_FALSE(st.ok()) << c.field;
    EXPECT_THAT(std::string(st.message()), HasSubstr(c.field));
  }
  EXPECT_TRUE(ValidateUpdateSettings(Queue(2), 3, false).ok());
  model::JobUpdateSettings legacy;
  legacy.update_group_size = 2;
  EXPECT_TRUE(ValidateUpdateSettings(legacy, 3, false).ok());
}

// ---------------------------------------------------------------- diff

TEST(ComputeDiff, ReplacesChangedAddsMissingRemovesExtra) {
  auto old_c = Config("old");
  auto new_c = Config("new");
  InstanceConfigs current = {{0, old_c}, {1, new_c}, {2, old_c}, {3, old_c}};
  JobDiff d = ComputeDiff(current, new_c, 3, {});
  EXPECT_THAT(d.replacements, ElementsAre(0, 2));
  ASSERT_EQ(d.replaced.size(), 3u);  // 0, 2 change; 3 goes away
  EXPECT_TRUE(d.replaced.contains(3));
  EXPECT_EQ(d.unchanged.size(), 1u);
  auto instructions = InstructionsOf(d, new_c, Queue(1));
  ASSERT_EQ(instructions.initial_state.size(), 1u);
  EXPECT_THAT(instructions.initial_state[0].instances,
              ElementsAre(model::Range{0, 0}, model::Range{2, 3}));
  ASSERT_TRUE(instructions.desired_state);
  EXPECT_THAT(instructions.desired_state->instances,
              ElementsAre(model::Range{0, 0}, model::Range{2, 2}));

  JobDiff grow = ComputeDiff({{0, new_c}}, new_c, 3, {});
  EXPECT_THAT(grow.replacements, ElementsAre(1, 2));
  EXPECT_TRUE(grow.replaced.empty());
  EXPECT_TRUE(ComputeDiff({{0, new_c}}, Config("new"), 1, {}).IsNoop());
}

TEST(ComputeDiff, ScopeLimitsTheChangeAndNamesUnknownInstances) {
  auto old_c = Config("old");
  auto new_c = Config("new");
  InstanceConfigs current = {{0, old_c}, {1, old_c}, {2, old_c}};
  JobDiff d = ComputeDiff(current, new_c, 3, {{0, 1}});
  EXPECT_THAT(d.replacements, ElementsAre(0, 1));
  EXPECT_EQ(d.unchanged.size(), 1u);
  EXPECT_THAT(d.OutOfScope({{1, 1}, {7, 8}}), ElementsAre(7, 8));
}

TEST(CurrentConfigs, PrefersTheTaskThatIsNotBeingKilled) {
  auto old_c = Config("old");
  auto new_c = Config("new");
  model::Task killing = MakeTask(old_c, 0, {{T::kKilling, 1}});
  model::Task pending = MakeTask(new_c, 0, {{T::kPending, 2}});
  model::Task dead = MakeTask(old_c, 1, {{T::kFinished, 2}});
  InstanceConfigs c = CurrentConfigs({&killing, &pending, &dead});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0], new_c);
}

// ---------------------------------------------------------------- ordering, strategies

TEST(UpdateOrder, CreateThenUpdateThenRemoveAndBackwardReversed) {
  auto old_c = Config("old");
  auto new_c = Config("new");
  JobDiff d = ComputeDiff({{0, old_c}, {1, old_c}, {4, old_c}}, new_c, 3, {});
  auto in = InstructionsOf(d, new_c, Queue(1));
  EXPECT_THAT(UpdateOrder(in, true), ElementsAre(2, 0, 1, 4));
  EXPECT_THAT(UpdateOrder(in, false), ElementsAre(4, 1, 0, 2));
  InstanceConfigs back = TargetConfigs(in, false);
  EXPECT_EQ(back[2], nullptr);  // added: rolled back to nothing
  EXPECT_EQ(back[4], old_c);
  EXPECT_EQ(TargetConfigs(in, true)[4], nullptr);
}

TEST(BatchGroups, VariableBatchRepeatsTheLastSize) {
  std::vector<int32_t> ten = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  auto groups = BatchGroups({K::kVariableBatch, {1, 2, 3}, false}, ten);
  std::vector<size_t> sizes;
  for (const auto& g : groups) sizes.push_back(g.size());
  EXPECT_THAT(sizes, ElementsAre(1, 2, 3, 3, 1));
  std::vector<int32_t> twenty(20);
  for (int i = 0; i < 20; ++i) twenty[i] = i;
  sizes.clear();
  for (const auto& g : BatchGroups({K::kVariableBatch, {2, 3, 5}, false}, twenty)) {
    sizes.push_back(g.size());
  }
  EXPECT_THAT(sizes, ElementsAre(2, 3, 5, 5, 5));
  // Rollback recomputes the groups on the reversed order.
  auto back = BatchGroups({K::kBatch, {3}, false}, {5, 4, 3, 2, 1, 0});
  EXPECT_THAT(back[0], ElementsAre(5, 4, 3));
}

TEST(PickNext, QueueRefillsAsEachFinishes) {
  model::UpdateStrategy q{K::kQueue, {2}, false};
  std::vector<int32_t> order = {0, 1, 2, 3};
  EXPECT_THAT(PickNext(q, order, {}, {}).start, ElementsAre(0, 1));
  EXPECT_THAT(PickNext(q, order, {0, 1}, {}).start, IsEmpty());
  EXPECT_THAT(PickNext(q, order, {0, 1}, {0}).start, ElementsAre(2));
}

TEST(PickNext, BatchWaitsForTheWholeBatch) {
  model::UpdateStrategy b{K::kBatch, {2}, true};
  std::vector<int32_t> order = {0, 1, 2, 3};
  NextInstances first = PickNext(b, order, {}, {});
  EXPECT_THAT(first.start, ElementsAre(0, 1));
  EXPECT_TRUE(first.new_batch);
  EXPECT_FALSE(AutoPauses(b, first, true, false));  // never before the first batch
  EXPECT_THAT(PickNext(b, order, {0, 1}, {0}).start, IsEmpty());
  NextInstances second = PickNext(b, order, {0, 1}, {0, 1});
  EXPECT_THAT(second.start, ElementsAre(2, 3));
  EXPECT_EQ(second.batch_index, 1u);
  EXPECT_TRUE(AutoPauses(b, second, true, false));
  EXPECT_FALSE(AutoPauses(b, second, true, true));   // resumed
  EXPECT_FALSE(AutoPauses(b, second, false, false));  // not while rolling back
}

TEST(EffectiveStrategy, LegacyBackfill) {
  model::JobUpdateSettings s;
  s.update_group_size = 3;
  EXPECT_EQ(EffectiveStrategy(s).kind, K::kQueue);
  s.wait_for_batch_completion = true;
  EXPECT_EQ(EffectiveStrategy(s).kind, K::kBatch);
  EXPECT_THAT(EffectiveStrategy(s).group_sizes, ElementsAre(3));
}

// ---------------------------------------------------------------- one instance

TEST(EvaluateInstance, Table) {
  auto c = Config("new");
  auto other = Config("old");
  const int64_t now = 100'000;
  struct Case {
    std::string name;
    const model::TaskConfig* desired;
    std::optional<model::Task> actual;
    int32_t failures;
    InstanceStep step;
  };
  std::vector<Case> cases = {
      {"stable", c.get(), MakeTask(c, 0, {{T::kRunning, now - 5000}}), 0,
       InstanceStep::kSucceeded},
      {"not yet stable", c.get(), MakeTask(c, 0, {{T::kRunning, now - 10}}), 0,
       InstanceStep::kEvaluateAt},
      {"starting", c.get(), MakeTask(c, 0, {{T::kStarting, now}}), 0,
       InstanceStep::kAwaitStateChange},
      {"failed once, tolerated", c.get(), MakeTask(c, 0, {{T::kFailed, now}}), 0,
       InstanceStep::kAwaitStateChange},
      {"failed twice", c.get(), MakeTask(c, 0, {{T::kFailed, now}}), 1, InstanceStep::kFailed},
      {"old config running", c.get(), MakeTask(other, 0, {{T::kRunning, 1}}), 0,
       InstanceStep::kKill},
      {"old config killing", c.get(),
       MakeTask(other, 0, {{T::kRunning, 1}, {T::kKilling, 2}}), 0,
       InstanceStep::kAwaitStateChange},
      {"old config killed", c.get(),
       MakeTask(other, 0, {{T::kRunning, 1}, {T::kKilling, 2}, {T::kKilled, 3}}), 0,
       InstanceStep::kReplace},
      {"absent", c.get(), std::nullopt, 0, InstanceStep::kReplace},
      {"removed, present", nullptr, MakeTask(other, 0, {{T::kRunning, 1}}), 0,
       InstanceStep::kKill},
      {"removed, gone", nullptr, std::nullopt, 0, InstanceStep::kSucceeded},
  };
  for (const Case& k : cases) {
    InstanceInput in;
    in.desired = k.desired;
    in.actual = k.actual ? &*k.actual : nullptr;
    in.failures = k.failures;
    in.max_per_instance_failures = 1;
    in.min_wait_in_running_ms = 1000;
    in.now_ms = now;
    InstanceResult r = EvaluateInstance(in);
    EXPECT_EQ(r.step, k.step) << k.name;
    if (k.step == InstanceStep::kEvaluateAt) {
      EXPECT_EQ(r.at_ms, now - 10 + 1000) << k.name;
    }
  }
  // Watch 0 (health-checked tasks): RUNNING is enough.
  model::Task just = MakeTask(c, 0, {{T::kRunning, now}});
  InstanceInput in{c.get(), &just, 0, 0, 0, now};
  EXPECT_EQ(EvaluateInstance(in).step, InstanceStep::kSucceeded);
}

// ---------------------------------------------------------------- outcome

TEST(OutcomeOf, Table) {
  model::JobUpdateSettings s = Queue(1);
  s.max_failed_instances = 1;
  EXPECT_FALSE(OutcomeOf(true, {3, 1, 0, {}}, s));
  EXPECT_EQ(OutcomeOf(true, {3, 2, 1, 2}, s)->to, S::kRolledForward);
  EXPECT_EQ(OutcomeOf(false, {3, 3, 0, {}}, s)->to, S::kRolledBack);
  auto failed = OutcomeOf(true, {3, 0, 2, 2}, s);
  EXPECT_EQ(failed->to, S::kFailed);
  EXPECT_EQ(failed->message, "Latest failure: instance 2 exited.");
  s.rollback_on_failure = true;
  EXPECT_EQ(OutcomeOf(true, {3, 0, 2, 2}, s)->to, S::kRollingBack);
  EXPECT_EQ(OutcomeOf(false, {3, 0, 2, 2}, s)->to, S::kFailed);
}

// ---------------------------------------------------------------- pulses

TEST(Pulses, ExpiryAndRestore) {
  model::JobUpdateSettings s = Queue(1);
  EXPECT_FALSE(PulseExpired(s, std::nullopt, 5));
  s.block_if_no_pulses_after_ms = 1000;
  EXPECT_TRUE(PulseExpired(s, std::nullopt, 5));
  EXPECT_FALSE(PulseExpired(s, 100, 1099));
  EXPECT_TRUE(PulseExpired(s, 100, 1100));
  model::JobUpdateDetails d;
  d.update_events.push_back({S::kRollingForward, 700, {}, {}});
  EXPECT_EQ(RestoredLastPulse(d), 700);
  d.update_events.push_back({S::kRollForwardAwaitingPulse, 900, {}, {}});
  EXPECT_EQ(RestoredLastPulse(d), std::nullopt);
}

}  // namespace
}  // namespace borealis::core
