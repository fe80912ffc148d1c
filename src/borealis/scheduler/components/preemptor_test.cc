// Preemptor on its own (FakeContext): a production task that fits nowhere gets a slot, its
// victims are preempted, the host is held for it and it is launched there once they end;
// holds expire. Through the whole SchedulerCore: rules_test.cc.
#include "borealis/scheduler/components/preemptor.h"

#include <gtest/gtest.h>

#include "borealis/scheduler/components/component_testing.h"

namespace borealis::scheduler {
namespace {

using component_testing::FakeContext;
using component_testing::MakeTask;
using model::ScheduleStatus;

RuleOptions Options() {
  RuleOptions o;
  o.preemption_delay_ms = 1000;
  o.preemption_slot_search_initial_delay_ms = 2000;
  o.preemption_slot_search_interval_ms = 2000;
  o.preemption_slot_hold_time_ms = 10'000;
  return o;
}

class PreemptorTest : public ::testing::Test {
 protected:
  PreemptorTest() : preemptor_(Options(), model::Resources{}) {
    ctx_.AddAgent("a1", 1000);
    ctx_.Put(MakeTask("victim", "batch", "b", 0, ScheduleStatus::kRunning, "a1", 1000));
    ctx_.Put(MakeTask("prod", "svc", "web", 0, ScheduleStatus::kPending, "", 1000, 0,
                      /*production=*/true));
  }
  FakeContext ctx_;
  Preemptor preemptor_;
};

TEST_F(PreemptorTest, PreemptsHoldsTheHostAndLaunchesThereOnceTheVictimsEnded) {
  preemptor_.Tick(0, ctx_);  // starts its timer
  EXPECT_TRUE(ctx_.changes.empty());
  preemptor_.Tick(2000, ctx_);
  ASSERT_EQ(ctx_.changes.size(), 1u);
  EXPECT_EQ(std::get<0>(ctx_.changes[0]), "victim");
  EXPECT_EQ(std::get<1>(ctx_.changes[0]), ScheduleStatus::kPreempting);
  EXPECT_EQ(std::get<2>(ctx_.changes[0]), "Preempting in favor of prod");
  EXPECT_TRUE(preemptor_.Holds("a1"));
  EXPECT_EQ(preemptor_.HeldAgents(), std::vector<model::AgentId>{"a1"});
  EXPECT_EQ(preemptor_.HeldFor("a1"), "prod");
  preemptor_.Tick(2500, ctx_);  // the victim still runs: nothing launched
  EXPECT_TRUE(ctx_.launched.empty());
  ctx_.ChangeTaskState(*ctx_.state().FindTask("victim"), ScheduleStatus::kKilled, "");
  ctx_.held = {"a1"};  // as the core's view shows a held host
  preemptor_.Tick(3000, ctx_);
  ASSERT_EQ(ctx_.launched.size(), 1u);
  EXPECT_EQ(ctx_.launched[0].task_id, "prod");
  EXPECT_EQ(ctx_.launched[0].agent_id, "a1");
  EXPECT_FALSE(preemptor_.holds_any());
  EXPECT_EQ(ctx_.counters["preemptor_slots_used"], 1);
}

TEST_F(PreemptorTest, AHoldExpiresWhenItsTaskCannotBePlacedInTime) {
  preemptor_.Tick(0, ctx_);
  preemptor_.Tick(2000, ctx_);
  ASSERT_TRUE(preemptor_.Holds("a1"));
  preemptor_.Tick(11'999, ctx_);
  EXPECT_TRUE(preemptor_.Holds("a1"));
  preemptor_.Tick(12'000, ctx_);
  EXPECT_FALSE(preemptor_.Holds("a1"));
  EXPECT_EQ(ctx_.counters["preemptor_slot_reservations_expired"], 1);
  EXPECT_GT(ctx_.placement_changes, 0);
}

TEST_F(PreemptorTest, DisabledPreemptorNeverSearches) {
  RuleOptions o = Options();
  o.enable_preemptor = false;
  Preemptor off(o, model::Resources{});
  off.Tick(0, ctx_);
  off.Tick(100'000, ctx_);
  EXPECT_TRUE(ctx_.changes.empty());
  EXPECT_EQ(ctx_.counters.count("preemptor_searches"), 0u);
}

TEST_F(PreemptorTest, ATaskPendingForLessThanTheDelayIsNotACandidate) {
  ctx_.state_.Apply(state::RemoveTasks{{"prod"}});
  ctx_.Put(MakeTask("young", "svc", "web", 1, ScheduleStatus::kPending, "", 1000, 1500, true));
  preemptor_.Tick(0, ctx_);
  preemptor_.Tick(2000, ctx_);  // pending for 500 ms only
  EXPECT_TRUE(ctx_.changes.empty());
  preemptor_.Tick(4000, ctx_);
  EXPECT_EQ(ctx_.changes.size(), 1u);
}

}  // namespace
}  // namespace borealis::scheduler
