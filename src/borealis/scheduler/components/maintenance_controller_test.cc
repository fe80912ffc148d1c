// MaintenanceController on its own (FakeContext, times as numbers): modes, forced and
// SLA-aware drains, the timeout, coordinator questions, and resuming after a restart.
#include "borealis/scheduler/components/maintenance_controller.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "borealis/scheduler/components/component_testing.h"

namespace borealis::scheduler {
namespace {

using component_testing::FakeContext;
using component_testing::MakeTask;
using model::MaintenanceMode;
using model::ScheduleStatus;

constexpr int64_t kPoll = 60'000;

MaintenanceOptions Options() {
  MaintenanceOptions o;
  o.polling_interval_ms = kPoll;
  o.sla.min_required_instances = 1;
  o.cluster_name = "devcluster";
  return o;
}

// Six RUNNING production instances of www/devel/web, two on each of a1, a2, a3, RUNNING
// since time 0.
void SixInstances(FakeContext& ctx,
                  std::optional<model::SlaPolicy> policy = std::nullopt) {
  for (const char* a : {"a1", "a2", "a3"}) ctx.AddAgent(model::AgentId(a));
  for (int i = 0; i < 6; ++i) {
    model::Task t = MakeTask(model::TaskId("t" + std::to_string(i)), "www", "web", i,
                             ScheduleStatus::kRunning,
                             model::AgentId("a" + std::to_string(i / 2 + 1)), 100, 0, true);
    if (policy) {
      auto config = std::make_shared<model::TaskConfig>(*t.config);
      config->sla_policy = *policy;
      t.config = std::move(config);
    }
    ctx.Put(std::move(t));
  }
}

ScheduleStatus StatusOf(const FakeContext& ctx, const std::string& id) {
  return ctx.state().FindTask(model::TaskId(id))->status;
}

MaintenanceMode ModeOf(const FakeContext& ctx, const std::string& host) {
  return ctx.state().maintenance().ModeOf(host);
}

TEST(MaintenanceControllerTest, StartAndEndChangeModesOfKnownHostsOnly) {
  FakeContext ctx;
  ctx.AddAgent("a1");
  MaintenanceController m(Options());
  auto unknown = m.Start({"a1.example", "nope"}, ctx);
  EXPECT_EQ(unknown.status().message(),
            "hosts: unknown host 'nope' (no agent of this cluster has that name)");
  EXPECT_TRUE(ctx.mutations.empty());  // nothing half-done
  auto started = m.Start({"a1.example"}, ctx);
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(*started, (std::vector<HostModeStatus>{{"a1.example", MaintenanceMode::kScheduled}}));
  EXPECT_EQ(ModeOf(ctx, "a1.example"), MaintenanceMode::kScheduled);
  auto ended = m.End({"a1.example"}, ctx);
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(ModeOf(ctx, "a1.example"), MaintenanceMode::kNone);
  EXPECT_EQ(m.Status({"a1.example"}, ctx)->at(0).mode, MaintenanceMode::kNone);
}

TEST(MaintenanceControllerTest, ForcedDrainMovesEveryTaskAndEndsDrained) {
  FakeContext ctx;
  SixInstances(ctx);
  ctx.AddAgent("empty");
  MaintenanceController m(Options());
  auto drained = m.Drain({"a1.example", "empty.example"}, 1000, ctx);
  ASSERT_TRUE(drained.ok());
  EXPECT_EQ(ModeOf(ctx, "a1.example"), MaintenanceMode::kDraining);
  EXPECT_EQ(ModeOf(ctx, "empty.example"), MaintenanceMode::kDrained);  // nothing to move
  EXPECT_EQ(StatusOf(ctx, "t0"), ScheduleStatus::kDraining);
  EXPECT_EQ(StatusOf(ctx, "t1"), ScheduleStatus::kDraining);
  EXPECT_EQ(StatusOf(ctx, "t2"), ScheduleStatus::kRunning);
  ASSERT_NE(ctx.state().maintenance().RequestOf("a1.example"), nullptr);
  // The agent reports both killed: each gets a PENDING replacement, the host is DRAINED.
  ctx.ChangeTaskState(*ctx.state().FindTask("t0"), ScheduleStatus::kKilled, "");
  m.Tick(2000, ctx);
  EXPECT_EQ(ModeOf(ctx, "a1.example"), MaintenanceMode::kDraining);
  ctx.ChangeTaskState(*ctx.state().FindTask("t1"), ScheduleStatus::kKilled, "");
  m.Tick(3000, ctx);
  EXPECT_EQ(ModeOf(ctx, "a1.example"), MaintenanceMode::kDrained);
  EXPECT_EQ(ctx.state().maintenance().RequestOf("a1.example"), nullptr);
  EXPECT_EQ(ctx.state().pending().size(), 2u);
}

TEST(MaintenanceControllerTest, SlaDrainKeepsTheCountUp) {
  FakeContext ctx;
  SixInstances(ctx);
  MaintenanceController m(Options());
  ASSERT_TRUE(m.SlaDrain({"a1.example"}, model::CountSlaPolicy{5, 0}, 3600, 0, ctx).ok());
  EXPECT_EQ(StatusOf(ctx, "t0"), ScheduleStatus::kRunning);  // the first poll is at the tick
  m.Tick(1000, ctx);
  // t0 may go (5 others up); then t1 may not (4 others up).
  EXPECT_EQ(StatusOf(ctx, "t0"), ScheduleStatus::kDraining);
  EXPECT_EQ(StatusOf(ctx, "t1"), ScheduleStatus::kRunning);
  EXPECT_EQ(ctx.counters["maintenance_sla_waits"], 1);
  // t0 ends; its replacement runs on a2.
  ctx.ChangeTaskState(*ctx.state().FindTask("t0"), ScheduleStatus::kKilled, "");
  const model::Task* replacement = *ctx.state().pending().begin();
  model::Task running = *replacement;
  running.status = ScheduleStatus::kRunning;
  running.agent_id = model::AgentId("a2");
  running.agent_host = "a2.example";
  running.events.push_back({2000, ScheduleStatus::kRunning, "", {}});
  ctx.Put(running);
  m.Tick(1000 + kPoll - 1, ctx);  // not polled yet
  EXPECT_EQ(StatusOf(ctx, "t1"), ScheduleStatus::kRunning);
  m.Tick(1000 + kPoll, ctx);
  EXPECT_EQ(StatusOf(ctx, "t1"), ScheduleStatus::kDraining);
}

TEST(MaintenanceControllerTest, TimeoutForcesWhatThePolicyHolds) {
  FakeContext ctx;
  SixInstances(ctx);
  MaintenanceController m(Options());
  // A policy that can never be met (an hour up, the tasks ran a minute) and 2 minutes.
  ASSERT_TRUE(m.SlaDrain({"a1.example"}, model::CountSlaPolicy{1, 3600}, 120, 0, ctx).ok());
  m.Tick(kPoll, ctx);
  EXPECT_EQ(StatusOf(ctx, "t0"), ScheduleStatus::kRunning);
  m.Tick(2 * kPoll, ctx);  // exactly at the timeout: not yet
  EXPECT_EQ(StatusOf(ctx, "t0"), ScheduleStatus::kRunning);
  m.Tick(3 * kPoll, ctx);
  EXPECT_EQ(StatusOf(ctx, "t0"), ScheduleStatus::kDraining);
  EXPECT_EQ(StatusOf(ctx, "t1"), ScheduleStatus::kDraining);
  EXPECT_EQ(ctx.counters["maintenance_forced_drains"], 2);
}

TEST(MaintenanceControllerTest, CoordinatorIsAskedOneQuestionAtATime) {
  FakeContext ctx;
  SixInstances(ctx, model::CoordinatorSlaPolicy{"http://coord:1/sla", "drain"});
  MaintenanceController m(Options());
  ASSERT_TRUE(m.SlaDrain({"a1.example"}, model::CountSlaPolicy{1, 0}, 3600, 0, ctx).ok());
  m.Tick(1000, ctx);
  std::vector<CoordinatorQuery> asked = m.TakeQueries();
  ASSERT_EQ(asked.size(), 1u);  // t1 waits for the coordinator's answer about t0
  EXPECT_EQ(asked[0].task_key, "devcluster/www/devel/web/0");
  EXPECT_EQ(asked[0].url, "http://coord:1/sla");
  EXPECT_EQ(asked[0].countdown_ms, 3600'000 - 1000);
  EXPECT_EQ(ctx.counters["sla_coordinator_lock_starvation"], 1);
  // Unreachable: nothing drained; the next poll asks again.
  m.OnCoordinatorAnswer({asked[0].id, false, false, false, "connection refused"}, ctx);
  EXPECT_EQ(ctx.counters["sla_coordinator_errors"], 1);
  EXPECT_EQ(StatusOf(ctx, "t0"), ScheduleStatus::kRunning);
  m.Tick(1000 + kPoll, ctx);
  asked = m.TakeQueries();
  ASSERT_EQ(asked.size(), 1u);
  m.OnCoordinatorAnswer({asked[0].id, true, true, true, ""}, ctx);
  EXPECT_EQ(StatusOf(ctx, "t0"), ScheduleStatus::kDraining);
  EXPECT_EQ(ctx.counters["sla_coordinator_success"], 1);
  // A refusal leaves the task up.
  m.Tick(1000 + 2 * kPoll, ctx);
  asked = m.TakeQueries();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].task_key, "devcluster/www/devel/web/1");
  m.OnCoordinatorAnswer({asked[0].id, true, true, false, ""}, ctx);
  EXPECT_EQ(StatusOf(ctx, "t1"), ScheduleStatus::kRunning);
}

TEST(MaintenanceControllerTest, ANewControllerResumesTheDrain) {
  FakeContext ctx;
  SixInstances(ctx);
  {
    MaintenanceController before(Options());
    ASSERT_TRUE(before.SlaDrain({"a2.example"}, model::CountSlaPolicy{1, 0}, 3600, 0, ctx).ok());
  }  // the scheduler stops before its first poll
  MaintenanceController after(Options());
  after.Tick(5000, ctx);
  EXPECT_EQ(StatusOf(ctx, "t2"), ScheduleStatus::kDraining);
  EXPECT_EQ(StatusOf(ctx, "t3"), ScheduleStatus::kDraining);
}

}  // namespace
}  // namespace borealis::scheduler
