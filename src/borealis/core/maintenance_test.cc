// Tests of the maintenance and SLA decisions (docs/maintenance.md) on a manual clock.
#include "borealis/core/maintenance.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "borealis/model/task_config.h"

namespace borealis::core {
namespace {

using S = model::ScheduleStatus;
constexpr int64_t kMin = 60'000;

std::shared_ptr<model::TaskConfig> Config(bool production = true) {
  auto c = std::make_shared<model::TaskConfig>();
  c->job = {"www", "prod", "web"};
  c->production = production;
  return c;
}

// Instance `i` of the job, RUNNING since `running_ms` (or in `status` with no RUNNING event).
model::Task Task(int i, S status, int64_t running_ms,
                 std::shared_ptr<model::TaskConfig> config = Config()) {
  model::Task t;
  t.task_id = model::TaskId("t" + std::to_string(i));
  t.instance_id = i;
  t.config = std::move(config);
  t.status = status;
  t.events.push_back({0, S::kPending, "", {}});
  if (status == S::kRunning) t.events.push_back({running_ms, S::kRunning, "", {}});
  return t;
}

std::vector<const model::Task*> Ptrs(const std::vector<model::Task>& tasks) {
  std::vector<const model::Task*> out;
  for (const auto& t : tasks) out.push_back(&t);
  return out;
}

model::MaintenanceRequest Request(model::SlaPolicy policy, int64_t timeout_secs,
                                  int64_t created_ms = 0) {
  return {"h1", std::move(policy), timeout_secs, created_ms};
}

SlaOptions Min(int64_t n) { return {n, false}; }

TEST(MaintenanceTest, HostsMustBeGivenAndKnown) {
  EXPECT_TRUE(ValidateMaintenanceHosts({"a"}, {"a", "b"}).ok());
  EXPECT_EQ(ValidateMaintenanceHosts({}, {"a"}).message(), "hosts: no host given");
  EXPECT_EQ(ValidateMaintenanceHosts({""}, {"a"}).message(), "hosts: an empty host name");
  EXPECT_EQ(ValidateMaintenanceHosts({"a", "x", "y"}, {"a"}).message(),
            "hosts: unknown hosts 'x', 'y' (no agent of this cluster has that name)");
  EXPECT_EQ(ValidateDrainTimeout(-1).message(), "timeoutSecs: must not be negative, got -1");
  EXPECT_TRUE(ValidateDrainTimeout(0).ok());
}

TEST(MaintenanceTest, CountPolicy) {
  const model::SlaPolicy count3 = model::CountSlaPolicy{3, 0};
  EXPECT_TRUE(MeetsSla(count3, 3, 6));
  EXPECT_FALSE(MeetsSla(count3, 2, 6));
  // count >= active would let none go: relaxed to active - 1.
  const model::SlaPolicy count6 = model::CountSlaPolicy{6, 0};
  EXPECT_TRUE(MeetsSla(count6, 5, 6));
  EXPECT_FALSE(MeetsSla(count6, 4, 6));
}

TEST(MaintenanceTest, PercentagePolicy) {
  const model::SlaPolicy p50 = model::PercentageSlaPolicy{50, 0};
  EXPECT_TRUE(MeetsSla(p50, 5, 10));
  EXPECT_FALSE(MeetsSla(p50, 4, 10));
  // 95 % of 10 lets none go (0.5 rounds down): relaxed to 90 %.
  const model::SlaPolicy p95 = model::PercentageSlaPolicy{95, 0};
  EXPECT_TRUE(MeetsSla(p95, 9, 10));
  EXPECT_FALSE(MeetsSla(p95, 8, 10));
  EXPECT_TRUE(MeetsSla(model::PercentageSlaPolicy{0, 0}, 0, 10));
}

TEST(MaintenanceTest, SkipSlaForSmallOrNonProductionJobs) {
  EXPECT_TRUE(SkipSla(true, 19, Min(20)));
  EXPECT_FALSE(SkipSla(true, 20, Min(20)));
  EXPECT_TRUE(SkipSla(false, 100, Min(20)));
  EXPECT_FALSE(SkipSla(false, 100, SlaOptions{20, true}));
}

TEST(MaintenanceTest, DrainWaitsUntilEnoughTasksRanLongEnough) {
  // Count 4 for 10 minutes; 6 instances, all RUNNING; candidate t0.
  std::vector<model::Task> tasks;
  for (int i = 0; i < 6; ++i) tasks.push_back(Task(i, S::kRunning, i < 3 ? 0 : 5 * kMin));
  const auto request = Request(model::CountSlaPolicy{4, 600}, 3600);
  // At 11 min only t1, t2 ran 10 minutes (t3..t5 started at 5): 2 < 4.
  DrainDecision d = DecideDrain(tasks[0], Ptrs(tasks), request, 11 * kMin, Min(1));
  EXPECT_EQ(d.action, DrainAction::kWait);
  EXPECT_EQ(d.remaining_ms, 3600'000 - 11 * kMin);
  // At 16 min the five others ran long enough.
  d = DecideDrain(tasks[0], Ptrs(tasks), request, 16 * kMin, Min(1));
  EXPECT_EQ(d.action, DrainAction::kDrain);
  EXPECT_FALSE(d.forced);
  // Exactly the duration is not enough (strictly longer, as Aurora).
  std::vector<model::Task> fresh;
  for (int i = 0; i < 6; ++i) fresh.push_back(Task(i, S::kRunning, 0));
  EXPECT_EQ(DecideDrain(fresh[0], Ptrs(fresh), request, 10 * kMin, Min(1)).action,
            DrainAction::kWait);
}

TEST(MaintenanceTest, TasksGoingAlreadyDoNotCountAsUp) {
  // Two of six are draining: the others (3 RUNNING besides the candidate) < 4.
  std::vector<model::Task> tasks;
  for (int i = 0; i < 6; ++i) tasks.push_back(Task(i, i < 2 ? S::kDraining : S::kRunning, 0));
  const auto request = Request(model::CountSlaPolicy{4, 0}, 3600);
  EXPECT_EQ(DecideDrain(tasks[2], Ptrs(tasks), request, kMin, Min(1)).action, DrainAction::kWait);
  // A draining task itself is skipped.
  EXPECT_EQ(DecideDrain(tasks[0], Ptrs(tasks), request, kMin, Min(1)).action, DrainAction::kSkip);
}

TEST(MaintenanceTest, TimeoutForcesTheDrain) {
  std::vector<model::Task> tasks = {Task(0, S::kRunning, 0), Task(1, S::kRunning, 0)};
  const auto request = Request(model::CountSlaPolicy{2, 3600}, 60, 1000);
  EXPECT_EQ(DecideDrain(tasks[0], Ptrs(tasks), request, 61'000, Min(1)).action,
            DrainAction::kWait);
  const DrainDecision d = DecideDrain(tasks[0], Ptrs(tasks), request, 61'001, Min(1));
  EXPECT_EQ(d.action, DrainAction::kDrain);
  EXPECT_TRUE(d.forced);
}

TEST(MaintenanceTest, JobPolicyWinsOverTheDefault) {
  auto own = Config();
  own->sla_policy = model::CountSlaPolicy{1, 0};
  std::vector<model::Task> tasks = {Task(0, S::kRunning, 0, own), Task(1, S::kRunning, 0, own),
                                    Task(2, S::kRunning, 0, own)};
  // The default (count 3 for an hour) would wait; the job's count 1 lets it go.
  const auto request = Request(model::CountSlaPolicy{3, 3600}, 7200);
  EXPECT_EQ(DecideDrain(tasks[0], Ptrs(tasks), request, kMin, Min(1)).action,
            DrainAction::kDrain);
  // Below the minimum of instances no SLA is checked.
  std::vector<model::Task> plain = {Task(0, S::kRunning, 0), Task(1, S::kRunning, 0)};
  EXPECT_EQ(DecideDrain(plain[0], Ptrs(plain), request, kMin, Min(20)).action,
            DrainAction::kDrain);
  EXPECT_EQ(DecideDrain(plain[0], Ptrs(plain), request, kMin, Min(2)).action, DrainAction::kWait);
}

TEST(MaintenanceTest, CoordinatorPolicyAsks) {
  auto own = Config();
  own->sla_policy = model::CoordinatorSlaPolicy{"http://c:1/", "drain"};
  model::Task t = Task(3, S::kRunning, 0, own);
  const auto request = Request(model::CountSlaPolicy{3, 3600}, 7200);
  EXPECT_EQ(DecideDrain(t, {&t}, request, kMin, Min(1)).action, DrainAction::kAskCoordinator);
  EXPECT_EQ(CoordinatorTaskKey("devcluster", t), "devcluster/www/prod/web/3");
}

}  // namespace
}  // namespace borealis::core
