// HistoryPruner on its own (FakeContext): terminal tasks go once past their retention, on
// the pruner's interval, in one RemoveTasks; active tasks stay.
#include "borealis/scheduler/components/history_pruner.h"

#include <gtest/gtest.h>

#include <variant>

#include "borealis/scheduler/components/component_testing.h"

namespace borealis::scheduler {
namespace {

using component_testing::FakeContext;
using component_testing::MakeTask;
using model::ScheduleStatus;

RuleOptions Options() {
  RuleOptions o;
  o.history_prune_interval_ms = 1000;
  o.pruning.prune_threshold_ms = 10'000;
  o.pruning.min_retention_ms = 5'000;
  o.pruning.max_per_job = 100;
  return o;
}

TEST(HistoryPruner, RemovesTerminalTasksPastTheirDeadlineOnItsInterval) {
  FakeContext ctx;
  ctx.Put(MakeTask("done", "r", "web", 0, ScheduleStatus::kFinished, "", 1000, 0));
  ctx.Put(MakeTask("live", "r", "web", 1, ScheduleStatus::kRunning, "a1", 1000, 0));
  HistoryPruner pruner(Options());
  EXPECT_TRUE(pruner.Tick(0, ctx));  // the first tick prunes at once: nothing due yet
  EXPECT_TRUE(ctx.mutations.empty());
  EXPECT_EQ(pruner.tracked(), 1u);
  EXPECT_FALSE(pruner.Tick(999, ctx));  // not its time
  EXPECT_TRUE(pruner.Tick(20'000, ctx));
  ASSERT_EQ(ctx.mutations.size(), 1u);
  const auto& removed = std::get<state::RemoveTasks>(ctx.mutations[0]);
  EXPECT_EQ(removed.task_ids, std::vector<model::TaskId>{"done"});
  EXPECT_EQ(ctx.state().FindTask("done"), nullptr);
  EXPECT_NE(ctx.state().FindTask("live"), nullptr);
  EXPECT_EQ(ctx.counters["tasks_pruned"], 1);
  EXPECT_EQ(pruner.tracked(), 0u);
}

TEST(HistoryPruner, KeepsAtMostMaxPerJobTerminalTasks) {
  FakeContext ctx;
  RuleOptions o = Options();
  o.pruning.max_per_job = 2;
  o.pruning.prune_threshold_ms = 1'000'000;
  o.pruning.min_retention_ms = 0;
  for (int i = 0; i < 5; ++i) {
    ctx.Put(MakeTask(model::TaskId("t" + std::to_string(i)), "r", "web", i,
                     ScheduleStatus::kFailed, "", 1000,
                     i * 10));
  }
  HistoryPruner pruner(o);
  ASSERT_TRUE(pruner.Tick(100, ctx));
  ASSERT_EQ(ctx.mutations.size(), 1u);
  EXPECT_EQ(std::get<state::RemoveTasks>(ctx.mutations[0]).task_ids,
            (std::vector<model::TaskId>{"t0", "t1", "t2"}));  // the oldest go
}

}  // namespace
}  // namespace borealis::scheduler
