// Plan before apply (plan.h): the token and what it covers, the check done with the
// write, and the dry run of placement on a published view. A real SchedulerCore over
// ManualClock, MemoryStore and the fake agent transport (core_test_support.h).
#include "borealis/scheduler/plan.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "borealis/scheduler/core_test_support.h"
#include "borealis/scheduler/scheduler_core.h"
#include "borealis/wire/convert.h"

namespace borealis::scheduler {
namespace {

using model::ScheduleStatus;
using test_support::Job;

const model::JobKey kWeb{"www-data", "devel", "web"};

class PlanTest : public ::testing::Test {
 protected:
  PlanTest() {
    core_ = std::make_unique<SchedulerCore>(options_, clock_, store_, transport_, 5);
    EXPECT_TRUE(core_->Recover().ok());
  }
  void Commit() {
    core_->Schedule();
    ASSERT_TRUE(core_->Flush().ok());
  }
  void RegisterAgent(const std::string& id, const std::string& host, int64_t ram_mb = 1024) {
    transport_.connected.insert(id);
    core_->OnAgentRegister(test_support::Registration(id, host, ram_mb));
    Commit();
  }
  std::string Token(const model::JobKey& job = kWeb) const {
    const state::ClusterState& s = core_->state();
    return PlanToken(job, s.table().Job(job), s.updates().ActiveUpdate(job));
  }
  void Create(const api::JobConfiguration& job) {
    ASSERT_EQ(core_->CreateJob(job).responseCode, api::ResponseCode::OK);
    Commit();
  }
  PlanResult Plan(const api::JobConfiguration& job) {
    absl::StatusOr<PlanResult> plan = PlanJob(*core_->view(), job, options_.executor_overhead);
    EXPECT_TRUE(plan.ok()) << plan.status();
    return plan.ok() ? *plan : PlanResult{};
  }

  SchedulerOptions options_;
  base::ManualClock clock_;
  state::MemoryStore store_;
  test_support::FakeTransport transport_;
  std::unique_ptr<SchedulerCore> core_;
};

TEST_F(PlanTest, TokenChangesWithInstancesAndConfigButNotWithOtherJobs) {
  const std::string none = Token();
  EXPECT_EQ(none.substr(0, 3), "v1-");
  EXPECT_EQ(none.size(), 3u + 16u);
  Create(Job("web", 2));
  const std::string two = Token();
  EXPECT_NE(two, none);

  // Another job's tasks do not matter.
  Create(Job("db", 3));
  EXPECT_EQ(Token(), two);

  // More instances of the same config.
  ASSERT_EQ(core_->AddInstances({kWeb, 0}, 1).responseCode, api::ResponseCode::OK);
  Commit();
  const std::string three = Token();
  EXPECT_NE(three, two);
  EXPECT_EQ(Token(), three);  // stable while nothing changes
}

TEST_F(PlanTest, TokenChangesWithTheConfigAndTheActiveUpdate) {
  Create(Job("web", 2));
  const std::string before = Token();
  api::JobUpdateRequest request;
  request.taskConfig = Job("web", 2, /*service=*/true, /*ram_mb=*/128).taskConfig;
  request.instanceCount = 2;
  request.settings.updateGroupSize = 1;
  api::Response started = core_->StartJobUpdate(request, "", "me");
  ASSERT_EQ(started.responseCode, api::ResponseCode::OK);
  Commit();
  // The update is active (its key is in the token) and may have replaced tasks already.
  const std::string during = Token();
  EXPECT_NE(during, before);
  ASSERT_TRUE(core_->state().updates().ActiveUpdate(kWeb).has_value());
  const std::string id = core_->state().updates().ActiveUpdate(kWeb)->id;
  EXPECT_NE(PlanToken(kWeb, core_->state().table().Job(kWeb), std::nullopt), during);
  EXPECT_NE(PlanToken(kWeb, core_->state().table().Job(kWeb), model::JobUpdateKey{kWeb, "x"}),
            during);
  EXPECT_EQ(PlanToken(kWeb, core_->state().table().Job(kWeb), model::JobUpdateKey{kWeb, id}),
            during);
}

TEST_F(PlanTest, ConfigAloneChangesTheToken) {
  Create(Job("web", 1));
  const std::string small = Token();
  // Same key, same instance id, other resources: a different job state.
  ASSERT_EQ(core_->KillTasks(kWeb, {}, "").responseCode, api::ResponseCode::OK);
  Commit();  // PENDING tasks are removed at once by a kill
  Create(Job("web", 1, /*service=*/true, /*ram_mb=*/128));
  EXPECT_NE(Token(), small);
}

TEST_F(PlanTest, CheckPlanTokenRefusesAStaleTokenAndAcceptsTheCurrentOne) {
  Create(Job("web", 1));
  const std::string token = Token();
  EXPECT_FALSE(CheckPlanToken(core_->state(), kWeb, token).has_value());
  Create(Job("db", 1));
  EXPECT_FALSE(CheckPlanToken(core_->state(), kWeb, token).has_value());
  ASSERT_EQ(core_->AddInstances({kWeb, 0}, 1).responseCode, api::ResponseCode::OK);
  Commit();
  std::optional<api::Response> refused = CheckPlanToken(core_->state(), kWeb, token);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->responseCode, api::ResponseCode::INVALID_REQUEST);
  ASSERT_FALSE(refused->details.empty());
  EXPECT_NE(refused->details[0].message.find("Borealis-Check-Token: job www-data/devel/web "
                                             "changed since the plan"),
            std::string::npos)
      << refused->details[0].message;
}

TEST_F(PlanTest, PlacesNewInstancesAndExplainsThoseThatStayPending) {
  RegisterAgent("a1", "host1", /*ram_mb=*/300);
  RegisterAgent("a2", "host2", /*ram_mb=*/300);
  // 4 instances of 200 MB (216 with the executor): one per host fits, two stay pending.
  PlanResult plan = Plan(Job("web", 4, /*service=*/true, /*ram_mb=*/200));
  EXPECT_EQ(plan.token, Token());
  ASSERT_EQ(plan.placed.size(), 2u);
  EXPECT_EQ(plan.placed[0].instance, 0);
  EXPECT_NE(plan.placed[0].host, plan.placed[1].host);
  EXPECT_EQ(plan.placed[0].ports.count("http"), 1u);
  ASSERT_EQ(plan.pending.size(), 2u);
  EXPECT_EQ(plan.pending[0].instance, 2);
  EXPECT_EQ(plan.pending[0].reason, "2 hosts: insufficient ram");
  EXPECT_FALSE(plan.pending[0].preempt_host.has_value());  // nothing it may preempt
  // Nothing was changed: no task exists.
  EXPECT_EQ(core_->state().task_count(), 0u);
}

TEST_F(PlanTest, UnchangedRemovedAndReplacedInstancesOfARunningJob) {
  RegisterAgent("a1", "host1");
  Create(Job("web", 3));
  PlanResult same = Plan(Job("web", 2));
  EXPECT_EQ(same.unchanged, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(same.removed, (std::vector<int32_t>{2}));
  EXPECT_TRUE(same.placed.empty());

  PlanResult bigger = Plan(Job("web", 3, /*service=*/true, /*ram_mb=*/128));
  ASSERT_EQ(bigger.placed.size(), 3u);
  EXPECT_TRUE(bigger.placed[0].replaces);
  EXPECT_TRUE(bigger.unchanged.empty());
}

TEST_F(PlanTest, APendingProductionTaskShowsWhatItWouldPreempt) {
  RegisterAgent("a1", "host1", /*ram_mb=*/300);
  Create(Job("batch", 1, /*service=*/true, /*ram_mb=*/200));  // non-production
  ASSERT_EQ(core_->state().task_count(), 1u);
  PlanResult plan = Plan(test_support::ProdJob("web", 1));
  // 64 MB fits next to the batch task: placed. A bigger one needs the batch task's room.
  ASSERT_EQ(plan.placed.size(), 1u);
  absl::StatusOr<model::JobConfiguration> parsed = wire::FromThrift(test_support::ProdJob("web", 1));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  model::JobConfiguration m = *parsed;
  m.task.resources.ram_mb = 200;
  PlanResult preempting = Plan(wire::ToThrift(m));
  ASSERT_EQ(preempting.pending.size(), 1u);
  ASSERT_TRUE(preempting.pending[0].preempt_host.has_value());
  EXPECT_EQ(*preempting.pending[0].preempt_host, "host1");
  ASSERT_EQ(preempting.pending[0].victims.size(), 1u);
}

TEST_F(PlanTest, BadConfigurationIsRefusedNamingTheField) {
  api::JobConfiguration job = Job("web", 0);
  absl::StatusOr<PlanResult> plan = PlanJob(*core_->view(), job, options_.executor_overhead);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("instanceCount"), std::string::npos) << plan.status();
}

TEST(PlanJsonTest, Shape) {
  PlanResult plan;
  plan.token = "v1-0123456789abcdef";
  plan.unchanged = {0};
  plan.removed = {3};
  plan.placed.push_back({1, true, "host1", {{"http", 31000}}});
  PlanResult::Pending p;
  p.instance = 2;
  p.reason = "1 host: insufficient ram";
  p.preempt_host = "host1";
  p.victims = {"t1"};
  plan.pending.push_back(p);
  EXPECT_EQ(PlanJson(plan).dump(),
            R"({"pending":[{"instance":2,"preempt":{"host":"host1","victims":["t1"]},)"
            R"("reason":"1 host: insufficient ram","replaces":false}],)"
            R"("placed":[{"host":"host1","instance":1,"ports":{"http":31000},"replaces":true}],)"
            R"("removed":[3],"token":"v1-0123456789abcdef","unchanged":[0]})");
}

}  // namespace
}  // namespace borealis::scheduler
