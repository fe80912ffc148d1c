// Reconciler on its own (FakeContext): registration reconciles the agent's report with the
// state; explicit and implicit reconciliation send their Reconcile messages on their
// intervals.
#include "borealis/scheduler/components/reconciler.h"

#include <gtest/gtest.h>

#include <variant>

#include "borealis/scheduler/components/component_testing.h"

namespace borealis::scheduler {
namespace {

using component_testing::FakeContext;
using component_testing::MakeTask;
using model::ScheduleStatus;

agentproto::AgentTask Reported(const std::string& id, api::ScheduleStatus::type status) {
  agentproto::AgentTask t;
  t.taskId = id;
  t.status = status;
  return t;
}

TEST(Reconciler, RegistrationLosesMissingTasksRestoresPartitionedAndKillsStrays) {
  FakeContext ctx;
  ctx.AddAgent("a1");
  ctx.Put(MakeTask("missing", "r", "web", 0, ScheduleStatus::kRunning, "a1"));
  ctx.Put(MakeTask("part", "r", "web", 1, ScheduleStatus::kPartitioned, "a1"));
  ctx.Put(MakeTask("killing", "r", "web", 2, ScheduleStatus::kKilling, "a1"));
  ctx.Put(MakeTask("elsewhere", "r", "web", 3, ScheduleStatus::kRunning, "a2"));
  agentproto::RegisterAgent reg;
  reg.agentId = "a1";
  reg.tasks = {Reported("part", api::ScheduleStatus::RUNNING),
               Reported("killing", api::ScheduleStatus::RUNNING),
               Reported("elsewhere", api::ScheduleStatus::RUNNING),
               Reported("unknown", api::ScheduleStatus::RUNNING),
               Reported("gone", api::ScheduleStatus::FINISHED)};
  Reconciler reconciler{RuleOptions{}};
  reconciler.OnRegister(reg, ctx);
  EXPECT_EQ(ctx.state().FindTask("missing")->status, ScheduleStatus::kLost);
  EXPECT_EQ(ctx.state().FindTask("part")->status, ScheduleStatus::kRunning);
  EXPECT_EQ(ctx.state().FindTask("elsewhere")->status, ScheduleStatus::kRunning);
  std::set<model::TaskId> killed;
  for (const auto& [agent, task, why] : ctx.kills) {
    EXPECT_EQ(agent, "a1");
    killed.insert(task);
  }
  // The kill of a task being killed is sent again; tasks not expected there are killed;
  // a terminal report needs no kill.
  EXPECT_EQ(killed, (std::set<model::TaskId>{"killing", "elsewhere", "unknown"}));
}

TEST(Reconciler, ExplicitBatchesTaskIdsPerAgentAndImplicitAsksForEverything) {
  FakeContext ctx;
  ctx.AddAgent("a1");
  ctx.AddAgent("a2");
  ctx.agents_["a2"].connected = false;  // no messages to a disconnected agent
  for (int i = 0; i < 5; ++i) {
    ctx.Put(MakeTask(model::TaskId("t" + std::to_string(i)), "r", "web", i, ScheduleStatus::kRunning, "a1"));
  }
  ctx.Put(MakeTask("pending", "r", "web", 9, ScheduleStatus::kPending));
  RuleOptions o;
  o.reconciliation_initial_delay_ms = 100;
  o.reconciliation_schedule_spread_ms = 50;
  o.reconciliation_explicit_interval_ms = 1000;
  o.reconciliation_implicit_interval_ms = 1000;
  o.reconciliation_explicit_batch_size = 2;
  Reconciler reconciler(o);
  reconciler.Tick(0, ctx);
  EXPECT_TRUE(ctx.sent.empty());
  reconciler.Tick(100, ctx);  // explicit only
  ASSERT_EQ(ctx.sent.size(), 3u);  // 5 ids in batches of 2
  std::vector<std::string> ids;
  for (const auto& [agent, m] : ctx.sent) {
    EXPECT_EQ(agent, "a1");
    const auto& r = std::get<agentproto::Reconcile>(m);
    ids.insert(ids.end(), r.taskIds.begin(), r.taskIds.end());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"t0", "t1", "t2", "t3", "t4"}));
  ctx.sent.clear();
  reconciler.Tick(150, ctx);  // implicit: one empty Reconcile per live agent
  ASSERT_EQ(ctx.sent.size(), 1u);
  EXPECT_TRUE(std::get<agentproto::Reconcile>(ctx.sent[0].second).taskIds.empty());
  ctx.sent.clear();
  reconciler.Tick(1099, ctx);
  EXPECT_TRUE(ctx.sent.empty());
  reconciler.Tick(1100, ctx);
  EXPECT_EQ(ctx.sent.size(), 3u);
  EXPECT_EQ(ctx.counters["reconciliation_explicit_runs"], 2);
  EXPECT_EQ(ctx.counters["reconciliation_implicit_runs"], 1);
}

}  // namespace
}  // namespace borealis::scheduler
