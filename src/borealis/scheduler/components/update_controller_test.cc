// The update controller on its own, with FakeContext and a hand-driven "agent": batches,
// watch time, failures and automatic rollback, pause / resume / abort / rollback,
// auto-pause, pulses, added and removed instances, recovery after a restart, pruning.
#include "borealis/scheduler/components/update_controller.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "borealis/scheduler/components/component_testing.h"
#include "borealis/testing/status_matchers.h"

namespace borealis::scheduler {
namespace {

using component_testing::FakeContext;
using S = model::UpdateStatus;
using T = model::ScheduleStatus;
using K = model::UpdateStrategy::Kind;
using ::borealis::testing::IsOk;

const model::JobKey kJob{"www-data", "devel", "web"};

std::shared_ptr<const model::TaskConfig> Config(const std::string& cmd) {
  auto c = std::make_shared<model::TaskConfig>();
  c->job = kJob;
  c->owner_user = "www-data";
  c->is_service = true;
  c->resources = {100, 64, 32, 0, {}};
  c->executor_data = cmd;
  return c;
}

class UpdateControllerTest : public ::testing::Test {
 protected:
  // `n` RUNNING instances of `config`, since time 0.
  void RunInstances(int n, std::shared_ptr<const model::TaskConfig> config) {
    for (int i = 0; i < n; ++i) Put(config, i, T::kRunning, "old-" + std::to_string(i));
  }
  void Put(std::shared_ptr<const model::TaskConfig> config, int instance, T status,
           const std::string& id) {
    model::Task t;
    t.task_id = model::TaskId(id);
    t.config = std::move(config);
    t.instance_id = instance;
    t.status = status;
    t.events.push_back({ctx_.now_ms, status, "", {}});
    ctx_.Put(std::move(t));
  }
  // Starts an update of the job to `config` with `count` instances.
  model::JobUpdateKey Start(std::shared_ptr<const model::TaskConfig> config, int count,
                            model::JobUpdateSettings settings,
                            std::vector<model::Metadata> metadata = {}) {
    std::vector<const model::Task*> tasks;
    if (const auto* jt = ctx_.state().table().Job(kJob)) {
      for (const auto& [id, t] : *jt) tasks.push_back(t.get());
    }
    core::JobDiff diff = core::ComputeDiff(core::CurrentConfigs(tasks), config, count,
                                           settings.update_only_these_instances);
    model::JobUpdate u;
    u.summary.key = {kJob, "u-" + std::to_string(++updates_)};
    u.summary.user = "alice";
    u.summary.metadata = std::move(metadata);
    u.instructions = core::InstructionsOf(diff, config, settings);
    controller_->Start(u, "go", ctx_.now_ms, ctx_);
    return u.summary.key;
  }
  // What the agent does, once: KILLING tasks end KILLED; new PENDING tasks run (or fail,
  // for `failing`). Each change is told to the controller, as the core does.
  bool AgentStep(const std::string& failing = "") {
    std::vector<model::Task> changed;
    for (const auto& [id, t] : *ctx_.state().tasks()) {
      if (t->status == T::kKilling) {
        changed.push_back(With(*t, T::kKilled));
      } else if (t->status == T::kPending) {
        changed.push_back(With(*t, t->config->executor_data == failing ? T::kFailed : T::kRunning));
      }
    }
    for (model::Task& t : changed) {
      const model::TaskId id = t.task_id;
      const int32_t instance = t.instance_id;
      ctx_.Put(std::move(t));
      controller_->OnTaskChanged(kJob, id, instance);
    }
    return !changed.empty();
  }
  model::Task With(const model::Task& t, T status) {
    model::Task out = t;
    out.status = status;
    out.events.push_back({ctx_.now_ms, status, "", {}});
    return out;
  }
  // Runs the controller and the agent until nothing changes, at the current time.
  void Settle(const std::string& failing = "") {
    for (int i = 0; i < 50; ++i) {
      controller_->Run(ctx_.now_ms, ctx_);
      if (!AgentStep(failing)) return;
    }
    FAIL() << "did not settle";
  }
  void Advance(int64_t ms, const std::string& failing = "") {
    ctx_.now_ms += ms;
    Settle(failing);
  }
  S Status(const model::JobUpdateKey& key) {
    return ctx_.state().updates().Find(key)->update.summary.status;
  }
  // Active instances running `cmd`.
  int Running(const std::string& cmd) {
    int n = 0;
    for (const auto& [id, t] : *ctx_.state().tasks()) {
      n += t->status == T::kRunning && t->config->executor_data == cmd;
    }
    return n;
  }
  int Killing() {
    int n = 0;
    for (const auto& c : ctx_.changes) n += std::get<1>(c) == T::kKilling;
    return n;
  }
  std::vector<model::UpdateAction> InstanceActions(const model::JobUpdateKey& key, int instance) {
    std::vector<model::UpdateAction> out;
    for (const auto& e : ctx_.state().updates().Find(key)->instance_events) {
      if (e.instance_id == instance) out.push_back(e.action);
    }
    return out;
  }
  static model::JobUpdateSettings Settings(K kind, std::vector<int32_t> sizes,
                                           int64_t watch_ms = 1000) {
    model::JobUpdateSettings s;
    s.strategy = model::UpdateStrategy{kind, std::move(sizes), false};
    s.min_wait_in_instance_running_ms = static_cast<int32_t>(watch_ms);
    return s;
  }

  FakeContext ctx_;
  std::unique_ptr<UpdateController> controller_ =
      std::make_unique<UpdateController>(UpdateControllerOptions{});
  int updates_ = 0;
};

TEST_F(UpdateControllerTest, VariableBatchRollsForwardBatchByBatch) {
  RunInstances(6, Config("old"));
  auto key = Start(Config("new"), 6, Settings(K::kVariableBatch, {1, 2, 3}));
  EXPECT_EQ(Status(key), S::kRollingForward);
  Settle();
  EXPECT_EQ(Killing(), 1);  // the first batch is one instance
  EXPECT_EQ(Running("new"), 1);
  Advance(999);
  EXPECT_EQ(Killing(), 1);  // not yet watched long enough
  Advance(1);
  EXPECT_EQ(Killing(), 3);  // the second batch: two more
  Advance(1000);
  EXPECT_EQ(Killing(), 6);
  Advance(1000);
  EXPECT_EQ(Status(key), S::kRolledForward);
  EXPECT_EQ(Running("new"), 6);
  EXPECT_EQ(Running("old"), 0);
  EXPECT_THAT(InstanceActions(key, 3),
              ::testing::ElementsAre(model::UpdateAction::kInstanceUpdating,
                                     model::UpdateAction::kInstanceUpdated));
  EXPECT_EQ(controller_->active(), 0u);
  for (const auto& c : ctx_.changes) {
    EXPECT_THAT(std::get<2>(c), ::testing::HasSubstr(key.id));  // the kill names the update
  }
}

TEST_F(UpdateControllerTest, QueueKeepsGroupSizeInFlight) {
  RunInstances(4, Config("old"));
  auto key = Start(Config("new"), 4, Settings(K::kQueue, {2}));
  Settle();
  EXPECT_EQ(Killing(), 2);
  Advance(1000);
  EXPECT_EQ(Killing(), 4);
  Advance(1000);
  EXPECT_EQ(Status(key), S::kRolledForward);
}

TEST_F(UpdateControllerTest, FailuresRollBackToTheOldConfig) {
  RunInstances(3, Config("old"));
  model::JobUpdateSettings s = Settings(K::kBatch, {1});
  s.rollback_on_failure = true;
  auto key = Start(Config("bad"), 3, s);
  Settle("bad");  // the new task fails at once
  EXPECT_EQ(Status(key), S::kRollingBack);
  Advance(1000, "bad");  // instances 2 and 1 are as they were; 0 gets the old config again
  Advance(1000, "bad");
  EXPECT_EQ(Status(key), S::kRolledBack);
  const auto& events = ctx_.state().updates().Find(key)->update_events;
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[1].status, S::kRollingBack);
  EXPECT_EQ(events[1].message, "Latest failure: instance 0 exited.");
  EXPECT_EQ(Running("old"), 3);
  EXPECT_EQ(Running("bad"), 0);
  EXPECT_THAT(InstanceActions(key, 0),
              ::testing::Contains(model::UpdateAction::kInstanceUpdateFailed));
}

TEST_F(UpdateControllerTest, FailuresWithoutRollbackFail) {
  RunInstances(2, Config("old"));
  model::JobUpdateSettings s = Settings(K::kBatch, {1});
  s.max_per_instance_failures = 0;  // the first failure ends the instance
  auto key = Start(Config("bad"), 2, s);
  Settle("bad");
  EXPECT_EQ(Status(key), S::kFailed);
}

TEST_F(UpdateControllerTest, PauseResumeRollbackAbort) {
  RunInstances(4, Config("old"));
  auto key = Start(Config("new"), 4, Settings(K::kBatch, {2}));
  Settle();
  ASSERT_THAT(controller_->Change(key, core::UpdateOp::kPause, "bob", "hold", ctx_.now_ms, ctx_),
              IsOk());
  EXPECT_EQ(Status(key), S::kRollForwardPaused);
  Advance(5000);
  EXPECT_EQ(Killing(), 2);  // paused: no new batch
  ASSERT_THAT(controller_->Change(key, core::UpdateOp::kPause, "bob", {}, ctx_.now_ms, ctx_),
              IsOk());  // no-op
  ASSERT_THAT(controller_->Change(key, core::UpdateOp::kResume, "bob", {}, ctx_.now_ms, ctx_),
              IsOk());
  Advance(0);
  EXPECT_EQ(Killing(), 4);
  ASSERT_THAT(
      controller_->Change(key, core::UpdateOp::kRollback, "bob", {}, ctx_.now_ms, ctx_), IsOk());
  Advance(0);
  Advance(1000);
  Advance(1000);
  EXPECT_EQ(Status(key), S::kRolledBack);
  EXPECT_EQ(Running("old"), 4);
  absl::Status again =
      controller_->Change(key, core::UpdateOp::kAbort, "bob", {}, ctx_.now_ms, ctx_);
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(controller_->Change({kJob, "nope"}, core::UpdateOp::kAbort, "bob", {}, 0, ctx_).code(),
            absl::StatusCode::kNotFound);

  auto second = Start(Config("newer"), 4, Settings(K::kBatch, {2}));
  Settle();
  ASSERT_THAT(controller_->Change(second, core::UpdateOp::kAbort, "bob", {}, ctx_.now_ms, ctx_),
              IsOk());
  EXPECT_EQ(Status(second), S::kAborted);
  EXPECT_FALSE(ctx_.state().updates().ActiveUpdate(kJob));
}

TEST_F(UpdateControllerTest, AutoPauseAfterEachBatch) {
  RunInstances(4, Config("old"));
  model::JobUpdateSettings s = Settings(K::kBatch, {2});
  s.strategy->autopause_after_batch = true;
  auto key = Start(Config("new"), 4, s);
  Advance(0);
  Advance(1000);
  EXPECT_EQ(Status(key), S::kRollForwardPaused);
  EXPECT_EQ(ctx_.state().updates().Find(key)->update_events.back().message, "Update auto paused");
  EXPECT_EQ(Killing(), 2);
  ASSERT_THAT(controller_->Change(key, core::UpdateOp::kResume, "bob", {}, ctx_.now_ms, ctx_),
              IsOk());
  Advance(0);
  EXPECT_EQ(Killing(), 4);
  Advance(1000);
  EXPECT_EQ(Status(key), S::kRolledForward);
}

TEST_F(UpdateControllerTest, CoordinatedUpdatesWaitForPulses) {
  RunInstances(2, Config("old"));
  model::JobUpdateSettings s = Settings(K::kQueue, {1});
  s.block_if_no_pulses_after_ms = 5000;
  auto key = Start(Config("new"), 2, s);
  EXPECT_EQ(Status(key), S::kRollForwardAwaitingPulse);
  Advance(0);
  EXPECT_EQ(Killing(), 0);
  ASSERT_TRUE(*controller_->Pulse(key, ctx_.now_ms, ctx_));
  EXPECT_EQ(Status(key), S::kRollingForward);
  Advance(0);
  EXPECT_EQ(Killing(), 1);
  Advance(5000);  // no pulse for the timeout
  EXPECT_EQ(Status(key), S::kRollForwardAwaitingPulse);
  EXPECT_EQ(Killing(), 1);
  ASSERT_TRUE(*controller_->Pulse(key, ctx_.now_ms, ctx_));
  Advance(0);
  Advance(999);
  EXPECT_EQ(Status(key), S::kRollingForward);
  Advance(1);
  EXPECT_EQ(Status(key), S::kRolledForward);
  EXPECT_FALSE(*controller_->Pulse(key, ctx_.now_ms, ctx_));  // FINISHED
}

TEST_F(UpdateControllerTest, AddsAndRemovesInstances) {
  RunInstances(3, Config("same"));
  auto key = Start(Config("same"), 5, Settings(K::kQueue, {5}, 0));
  Advance(0);
  EXPECT_EQ(Status(key), S::kRolledForward);
  EXPECT_EQ(Running("same"), 5);
  EXPECT_EQ(Killing(), 0);  // unchanged instances are not touched
  auto shrink = Start(Config("same"), 2, Settings(K::kQueue, {5}, 0));
  Advance(0);
  EXPECT_EQ(Status(shrink), S::kRolledForward);
  EXPECT_EQ(Running("same"), 2);
}

TEST_F(UpdateControllerTest, ARestartedControllerFinishesTheUpdate) {
  RunInstances(4, Config("old"));
  auto key = Start(Config("new"), 4, Settings(K::kBatch, {2}));
  Settle();
  Advance(1000);
  EXPECT_EQ(Killing(), 4);
  // A new controller over the same (recovered) state: it rebuilds what it keeps.
  controller_ = std::make_unique<UpdateController>(UpdateControllerOptions{});
  Advance(1000);
  EXPECT_EQ(Status(key), S::kRolledForward);
  EXPECT_EQ(Running("new"), 4);
  // Instances 0 and 1 finished before the restart and are not redone.
  EXPECT_EQ(Killing(), 4);
}

TEST_F(UpdateControllerTest, CanaryWaitsForPromotion) {
  RunInstances(4, Config("old"));
  auto key = Start(Config("new"), 4, Settings(K::kQueue, {4}), {{"borealis.canary", "1"}});
  Advance(0);
  EXPECT_EQ(Killing(), 1);  // only the canary, although the queue allows 4
  Advance(1000);
  EXPECT_EQ(Status(key), S::kRollForwardPaused);
  const auto* d = ctx_.state().updates().Find(key);
  EXPECT_THAT(*d->update_events.back().message, ::testing::HasSubstr("waiting for promotion"));
  EXPECT_EQ(core::CanaryState(d->update.summary.metadata), "awaiting_promotion");
  Advance(60'000);
  EXPECT_EQ(Status(key), S::kRollForwardPaused);  // no auto-promotion asked for
  // A restarted controller still waits, then a resume promotes the canary.
  controller_ = std::make_unique<UpdateController>(UpdateControllerOptions{});
  Advance(0);
  EXPECT_EQ(Killing(), 1);
  ASSERT_THAT(controller_->Change(key, core::UpdateOp::kResume, "bob", {}, ctx_.now_ms, ctx_),
              IsOk());
  Advance(0);
  EXPECT_EQ(Killing(), 4);
  Advance(1000);
  EXPECT_EQ(Status(key), S::kRolledForward);
  EXPECT_EQ(core::CanaryState(ctx_.state().updates().Find(key)->update.summary.metadata),
            "promoted");
}

TEST_F(UpdateControllerTest, CanaryAutoPromotesAfterItsHealthyTime) {
  RunInstances(3, Config("old"));
  auto key = Start(Config("new"), 3, Settings(K::kQueue, {3}),
                   {{"borealis.canary", "1"}, {"borealis.canary.auto_promote_after_secs", "30"}});
  Advance(0);
  Advance(1000);
  EXPECT_EQ(Status(key), S::kRollForwardPaused);
  Advance(29'000);
  EXPECT_EQ(Status(key), S::kRollForwardPaused);
  Advance(1000);
  EXPECT_EQ(Killing(), 3);
  Advance(1000);
  EXPECT_EQ(Status(key), S::kRolledForward);
}

TEST_F(UpdateControllerTest, AFailingCanaryRollsBackByItself) {
  RunInstances(3, Config("old"));
  auto key = Start(Config("bad"), 3, Settings(K::kQueue, {3}), {{"borealis.canary", "1"}});
  Settle("bad");
  EXPECT_EQ(Status(key), S::kRollingBack);  // although rollbackOnFailure is false
  EXPECT_EQ(Killing(), 1);
  Advance(1000, "bad");
  EXPECT_EQ(Status(key), S::kRolledBack);
  EXPECT_EQ(Running("old"), 3);
}

TEST_F(UpdateControllerTest, PrunesFinishedUpdatesBeyondTheThreshold) {
  controller_ = std::make_unique<UpdateController>(
      UpdateControllerOptions{/*history_per_job=*/2, /*threshold=*/1'000'000, /*interval=*/10});
  RunInstances(1, Config("c0"));
  std::vector<model::JobUpdateKey> keys;
  for (int i = 1; i <= 4; ++i) {
    keys.push_back(Start(Config("c" + std::to_string(i)), 1, Settings(K::kQueue, {1}, 0)));
    Advance(1);
    ASSERT_EQ(Status(keys.back()), S::kRolledForward);
  }
  controller_->Tick(ctx_.now_ms, ctx_);
  controller_->Tick(ctx_.now_ms + 10, ctx_);
  EXPECT_EQ(ctx_.state().updates().size(), 2u);
  EXPECT_NE(ctx_.state().updates().Find(keys[3]), nullptr);
  EXPECT_EQ(ctx_.state().updates().Find(keys[0]), nullptr);
}

}  // namespace
}  // namespace borealis::scheduler
