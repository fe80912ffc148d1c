// PartitionHandler on its own (FakeContext): what a lost agent's tasks become, and when
// PARTITIONED tasks are given up per their PartitionPolicy.
#include "borealis/scheduler/components/partitions.h"

#include <gtest/gtest.h>

#include "borealis/scheduler/components/component_testing.h"

namespace borealis::scheduler {
namespace {

using component_testing::FakeContext;
using component_testing::MakeTask;
using model::ScheduleStatus;

TEST(PartitionHandler, LostAgentPartitionsRunningTasksAndLosesAssignedOnes) {
  FakeContext ctx;
  ctx.AddAgent("a1");
  ctx.Put(MakeTask("run", "r", "web", 0, ScheduleStatus::kRunning, "a1"));
  ctx.Put(MakeTask("asg", "r", "web", 1, ScheduleStatus::kAssigned, "a1"));
  ctx.Put(MakeTask("other", "r", "web", 2, ScheduleStatus::kRunning, "a2"));
  PartitionHandler partitions;
  partitions.OnAgentLost("a1", "silent", ctx);
  EXPECT_EQ(ctx.state().FindTask("run")->status, ScheduleStatus::kPartitioned);
  EXPECT_EQ(ctx.state().FindTask("asg")->status, ScheduleStatus::kLost);
  EXPECT_EQ(ctx.state().FindTask("other")->status, ScheduleStatus::kRunning);
  EXPECT_EQ(PartitionHandler::Watched(ctx), 1u);
}

TEST(PartitionHandler, PartitionedTasksAreLostAfterTheirPolicysDelayOnly) {
  FakeContext ctx;
  model::Task soon = MakeTask("soon", "r", "a", 0, ScheduleStatus::kRunning, "a1");
  model::Task later = MakeTask("later", "r", "b", 0, ScheduleStatus::kRunning, "a1");
  model::Task never = MakeTask("never", "r", "c", 0, ScheduleStatus::kRunning, "a1");
  auto with_policy = [](model::Task& t, model::PartitionPolicy p) {
    auto config = std::make_shared<model::TaskConfig>(*t.config);
    config->partition_policy = p;
    t.config = std::move(config);
  };
  with_policy(later, {true, 60});
  with_policy(never, {false, std::nullopt});
  ctx.Put(soon);
  ctx.Put(later);
  ctx.Put(never);
  PartitionHandler partitions;
  ctx.now_ms = 1000;
  partitions.OnAgentLost("a1", "silent", ctx);
  partitions.Tick(1000, ctx);  // delay 0: at once
  EXPECT_EQ(ctx.state().FindTask("soon")->status, ScheduleStatus::kLost);
  EXPECT_EQ(ctx.state().FindTask("later")->status, ScheduleStatus::kPartitioned);
  partitions.Tick(60'999, ctx);
  EXPECT_EQ(ctx.state().FindTask("later")->status, ScheduleStatus::kPartitioned);
  partitions.Tick(61'000, ctx);
  EXPECT_EQ(ctx.state().FindTask("later")->status, ScheduleStatus::kLost);
  partitions.Tick(10'000'000, ctx);
  EXPECT_EQ(ctx.state().FindTask("never")->status, ScheduleStatus::kPartitioned);
  EXPECT_EQ(ctx.counters["partitioned_tasks_lost"], 2);
  EXPECT_EQ(PartitionHandler::Watched(ctx), 1u);  // only the one that waits for its agent
}

TEST(PartitionHandler, TasksRecoveredPartitionedAreWatchedFromTheFirstTick) {
  FakeContext ctx;
  ctx.Put(MakeTask("p", "r", "web", 0, ScheduleStatus::kPartitioned, "a1", 1000, 0));
  PartitionHandler partitions;
  partitions.Tick(5, ctx);
  EXPECT_EQ(ctx.state().FindTask("p")->status, ScheduleStatus::kLost);
}

}  // namespace
}  // namespace borealis::scheduler
