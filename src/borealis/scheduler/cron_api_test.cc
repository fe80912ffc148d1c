// Cron jobs through the whole SchedulerCore: the API's validation, templates kept across a
// restart, runs on schedule and by hand, and what the read API reports. ManualClock,
// MemoryStore and the fake agent transport of core_test_support.h.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "borealis/scheduler/core_test_support.h"
#include "borealis/scheduler/read_api.h"
#include "borealis/scheduler/scheduler_core.h"
#include "borealis/wire/convert.h"

namespace borealis::scheduler {
namespace {

using model::ScheduleStatus;
using test_support::Job;

const model::JobKey kKey{"www-data", "devel", "nightly"};

api::JobConfiguration CronJob(const std::string& schedule, int instances = 2,
                              api::CronCollisionPolicy::type policy =
                                  api::CronCollisionPolicy::KILL_EXISTING) {
  api::JobConfiguration job = Job("nightly", instances, /*service=*/false);
  job.__set_cronSchedule(schedule);
  job.cronCollisionPolicy = policy;
  return job;
}

std::string Message(const api::Response& r) {
  return r.details.empty() ? "" : r.details[0].message;
}

class CronApiTest : public ::testing::Test {
 protected:
  CronApiTest() { Restart(); }

  void Restart() {
    core_ = std::make_unique<SchedulerCore>(options_, clock_, store_, transport_, 7);
    ASSERT_TRUE(core_->Recover().ok());
  }
  void Commit() { ASSERT_TRUE(core_->Flush().ok()); }
  std::vector<int32_t> Instances(ScheduleStatus status) const {
    std::vector<int32_t> out;
    for (const auto& [id, t] : *core_->state().tasks()) {
      if (t->status == status && t->job() == kKey) out.push_back(t->instance_id);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  SchedulerOptions options_;
  base::ManualClock clock_;  // 2020-09-13 12:26:40 UTC
  state::MemoryStore store_;
  test_support::FakeTransport transport_;
  std::unique_ptr<SchedulerCore> core_;
};

TEST_F(CronApiTest, CreateJobAndScheduleCronJobRefuseWhatAuroraRefuses) {
  api::Response r = core_->CreateJob(CronJob("0 * * * *"));
  EXPECT_EQ(r.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(Message(r), "Cron jobs may only be created/updated by calling scheduleCronJob.");

  r = core_->ScheduleCronJob(CronJob("0 * * * MON-"));
  EXPECT_EQ(r.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_TRUE(absl::StartsWith(Message(r), "cronSchedule: cron schedule field dayOfWeek"))
      << Message(r);
  r = core_->ScheduleCronJob(CronJob("0 * * * *", 2, api::CronCollisionPolicy::RUN_OVERLAP));
  EXPECT_EQ(r.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(Message(r), "The RUN_OVERLAP collision policy has been removed");
  api::JobConfiguration service = CronJob("0 * * * *");
  service.taskConfig.isService = true;
  r = core_->ScheduleCronJob(service);
  EXPECT_TRUE(absl::StrContains(Message(r), "both a service and a cron job")) << Message(r);
  r = core_->ScheduleCronJob(Job("nightly", 1, false));
  EXPECT_EQ(r.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(Message(r), "cronSchedule: job www-data/devel/nightly has no cron schedule");
  r = core_->ReplaceCronTemplate(CronJob("0 * * * *"));
  EXPECT_EQ(r.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(Message(r), "Job www-data/devel/nightly is not scheduled with cron");
  r = core_->StartCronJob(kKey);
  EXPECT_EQ(r.responseCode, api::ResponseCode::INVALID_REQUEST);
  Commit();
  EXPECT_TRUE(core_->state().cron_jobs().all()->empty());
  EXPECT_EQ(core_->state().task_count(), 0u);
}

TEST_F(CronApiTest, ATemplateIsReportedWithoutTasksAndSurvivesARestart) {
  ASSERT_EQ(core_->ScheduleCronJob(CronJob("*/5 * * * *")).responseCode, api::ResponseCode::OK);
  Commit();
  EXPECT_EQ(core_->state().task_count(), 0u);
  auto view = core_->view();
  api::Response summary = GetJobSummary(*view, "www-data");
  ASSERT_EQ(summary.result.jobSummaryResult.summaries.size(), 1u);
  const api::JobSummary& s = *summary.result.jobSummaryResult.summaries.begin();
  EXPECT_EQ(s.job.cronSchedule, "*/5 * * * *");
  EXPECT_EQ(s.job.instanceCount, 2);
  ASSERT_TRUE(s.__isset.nextCronRunMs);
  EXPECT_EQ(s.nextCronRunMs, 1'600'000'200'000);  // 12:30:00
  api::Response roles = GetRoleSummary(*view);
  ASSERT_EQ(roles.result.roleSummaryResult.summaries.size(), 1u);
  EXPECT_EQ(roles.result.roleSummaryResult.summaries.begin()->cronJobCount, 1);
  EXPECT_EQ(GetJobs(*view, "").result.getJobsResult.configs.size(), 1u);

  Restart();  // the template is in the log
  ASSERT_NE(core_->state().cron_jobs().Find(kKey), nullptr);
  EXPECT_EQ(core_->view()->cron_next_runs->at(kKey), 1'600'000'200'000);
  // Replaced: the new schedule takes effect at once.
  ASSERT_EQ(core_->ReplaceCronTemplate(CronJob("0 13 * * *", 3)).responseCode,
            api::ResponseCode::OK);
  Commit();
  EXPECT_EQ(core_->view()->cron_next_runs->at(kKey), 1'600'002'000'000);  // 13:00:00
  EXPECT_EQ(core_->state().cron_jobs().Find(kKey)->instance_count, 3);
}

TEST_F(CronApiTest, RunsOnScheduleAndByHandAndDescheduleLeavesTheTasks) {
  ASSERT_EQ(core_->ScheduleCronJob(CronJob("*/5 * * * *")).responseCode, api::ResponseCode::OK);
  Commit();
  clock_.AdvanceMs(199'000);  // 12:29:59
  core_->Tick();
  Commit();
  EXPECT_TRUE(Instances(ScheduleStatus::kPending).empty());
  clock_.AdvanceMs(1'000);  // 12:30:00
  core_->Tick();
  Commit();
  EXPECT_EQ(Instances(ScheduleStatus::kPending), (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(core_->view()->cron_next_runs->at(kKey), 1'600'000'500'000);  // 12:35

  api::Response r = core_->AddInstances({kKey, 0}, 1);
  EXPECT_EQ(r.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(Message(r), "Instances may not be added to cron jobs.");

  // By hand, KILL_EXISTING: the PENDING tasks of the first run go, a new run starts.
  std::vector<model::TaskId> first;
  for (const auto& [id, t] : *core_->state().tasks()) first.push_back(t->task_id);
  ASSERT_EQ(core_->StartCronJob(kKey).responseCode, api::ResponseCode::OK);
  Commit();
  EXPECT_EQ(Instances(ScheduleStatus::kPending), (std::vector<int32_t>{0, 1}));
  for (const model::TaskId& id : first) EXPECT_EQ(core_->state().FindTask(id), nullptr) << id;

  ASSERT_EQ(core_->DescheduleCronJob(kKey).responseCode, api::ResponseCode::OK);
  Commit();
  EXPECT_EQ(core_->state().cron_jobs().Find(kKey), nullptr);
  EXPECT_EQ(Instances(ScheduleStatus::kPending), (std::vector<int32_t>{0, 1}));
  r = core_->DescheduleCronJob(kKey);
  EXPECT_EQ(r.responseCode, api::ResponseCode::OK);
  EXPECT_EQ(Message(r), "Job www-data/devel/nightly is not scheduled with cron");
}

TEST_F(CronApiTest, ProductionTemplatesNeedQuota) {
  api::JobConfiguration prod = CronJob("0 * * * *", 10);
  prod.taskConfig.__set_tier("preferred");
  api::Response r = core_->ScheduleCronJob(prod);  // no quota: 10 x 0.1 cpu do not fit
  EXPECT_EQ(r.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_TRUE(absl::StartsWith(Message(r), "Insufficient resource quota")) << Message(r);
  ASSERT_EQ(core_->SetQuota("www-data", test_support::Quota(1.0, 640, 320)).responseCode,
            api::ResponseCode::OK);
  EXPECT_EQ(core_->ScheduleCronJob(prod).responseCode, api::ResponseCode::OK);
  // Another production template of the role finds the first one's share taken.
  api::JobConfiguration other = prod;
  other.key.name = "other";
  other.taskConfig.job.name = "other";
  other.instanceCount = 1;
  EXPECT_EQ(core_->ScheduleCronJob(other).responseCode, api::ResponseCode::INVALID_REQUEST);
}

}  // namespace
}  // namespace borealis::scheduler
