// Placer on its own (FakeContext): a pass places what fits and explains the rest; the kept
// host table follows load changes between passes without a rebuild, and a held host is
// given to no one.
#include "borealis/scheduler/components/placer.h"

#include <gtest/gtest.h>

#include "borealis/scheduler/components/component_testing.h"

namespace borealis::scheduler {
namespace {

using component_testing::FakeContext;
using component_testing::MakeTask;
using model::ScheduleStatus;

TEST(Placer, PlacesWhatFitsAndExplainsTheRest) {
  FakeContext ctx;
  ctx.AddAgent("a1", 2000);
  ctx.Put(MakeTask("t0", "r", "web", 0, ScheduleStatus::kPending, "", 1000));
  ctx.Put(MakeTask("t1", "r", "web", 1, ScheduleStatus::kPending, "", 1000));
  ctx.Put(MakeTask("big", "r", "big", 0, ScheduleStatus::kPending, "", 8000));
  Placer placer(model::Resources{});
  const core::PlacementResult r = placer.Pass(ctx, {});
  ASSERT_EQ(r.assignments.size(), 2u);
  EXPECT_EQ(r.assignments[0].agent_id, "a1");
  ASSERT_EQ(r.pending_reasons.count("big"), 1u);
  EXPECT_NE(r.pending_reasons.at("big").find("cpu"), std::string::npos)
      << r.pending_reasons.at("big");
}

TEST(Placer, KeptTableSeesLoadsChangedBetweenPasses) {
  FakeContext ctx;
  ctx.AddAgent("a1", 1000);
  Placer placer(model::Resources{});
  ctx.Put(MakeTask("first", "r", "web", 0, ScheduleStatus::kPending, "", 1000));
  core::PlacementResult r = placer.Pass(ctx, {});
  ASSERT_EQ(r.assignments.size(), 1u);
  for (const core::Assignment& a : r.assignments) ctx.AssignAndLaunch(a);
  // a1 is full now; the next pass knows it from the changed load, without a rebuild.
  ctx.Put(MakeTask("second", "r", "web", 1, ScheduleStatus::kPending, "", 1000));
  r = placer.Pass(ctx, {});
  EXPECT_TRUE(r.assignments.empty());
  EXPECT_EQ(r.pending_reasons.count("second"), 1u);
  // The first task is gone: its cpu is free again at the next pass.
  ctx.state_.Apply(state::RemoveTasks{{"first"}});
  r = placer.Pass(ctx, {});
  ASSERT_EQ(r.assignments.size(), 1u);
  EXPECT_EQ(r.assignments[0].task_id, "second");
}

TEST(Placer, HeldHostsTakeNoTaskAndIdleDrainsTheChangedLoads) {
  FakeContext ctx;
  ctx.AddAgent("a1", 4000);
  Placer placer(model::Resources{});
  placer.Idle(ctx, {});  // stale: only drops the list
  ctx.held = {"a1"};     // the view marks it unschedulable, as the core's does
  ctx.Put(MakeTask("t", "r", "web", 0, ScheduleStatus::kPending, "", 1000));
  core::PlacementResult r = placer.Pass(ctx, {"a1"});
  EXPECT_TRUE(r.assignments.empty());
  ctx.held.clear();
  r = placer.Pass(ctx, {});  // the holds changed: the table is rebuilt
  EXPECT_EQ(r.assignments.size(), 1u);
  placer.Idle(ctx, {});
  EXPECT_TRUE(ctx.state_.TakeChangedLoads().empty());
}

}  // namespace
}  // namespace borealis::scheduler
