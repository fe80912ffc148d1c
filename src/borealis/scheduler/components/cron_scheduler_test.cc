// CronScheduler on its own (FakeContext, times as numbers): templates fire on their
// schedule, runs follow the collision policy, missed runs are not replayed.
#include "borealis/scheduler/components/cron_scheduler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "borealis/scheduler/components/component_testing.h"

namespace borealis::scheduler {
namespace {

using component_testing::FakeContext;
using component_testing::MakeTask;
using model::ScheduleStatus;

const model::JobKey kJob{"www-data", "devel", "nightly"};

int64_t At(int hour, int minute, int second = 0) {
  return absl::ToUnixMillis(absl::FromCivil(absl::CivilSecond(2026, 1, 1, hour, minute, second),
                                            absl::UTCTimeZone()));
}

model::JobConfiguration Template(const std::string& schedule,
                                 model::CronCollisionPolicy policy =
                                     model::CronCollisionPolicy::kKillExisting) {
  model::JobConfiguration job;
  job.key = kJob;
  job.owner_user = "www-data";
  job.cron_schedule = schedule;
  job.cron_collision_policy = policy;
  job.instance_count = 2;
  job.task.job = kJob;
  job.task.owner_user = "www-data";
  job.task.resources = {100, 64, 32, 0, {}};
  return job;
}

// The job's tasks in `status`, by instance.
std::vector<int32_t> Instances(const FakeContext& ctx, ScheduleStatus status) {
  std::vector<int32_t> out;
  if (const auto* tasks = ctx.state().table().Job(kJob)) {
    for (const auto& [id, t] : *tasks) {
      if (t->status == status) out.push_back(t->instance_id);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CronScheduler, FiresOnItsScheduleAndPublishesTheNextRun) {
  FakeContext ctx;
  ctx.Mutate(state::SaveCronJob{Template("*/10 * * * *")});
  CronScheduler cron({});
  cron.Sync(At(0, 0, 30), ctx);
  ASSERT_EQ(cron.next_runs()->size(), 1u);
  EXPECT_EQ(cron.next_runs()->at(kJob), At(0, 10));
  cron.Tick(At(0, 9, 59), ctx);
  EXPECT_TRUE(Instances(ctx, ScheduleStatus::kPending).empty());
  cron.Tick(At(0, 10), ctx);
  EXPECT_EQ(Instances(ctx, ScheduleStatus::kPending), (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(ctx.counters["cron_jobs_launched"], 1);
  EXPECT_EQ(cron.next_runs()->at(kJob), At(0, 20));
  // The template's config, with its key: an ordinary job.
  const auto* tasks = ctx.state().table().Job(kJob);
  ASSERT_NE(tasks, nullptr);
  EXPECT_EQ(tasks->begin()->second->config->resources.milli_cpus, 100);
}

TEST(CronScheduler, MissedRunsAreNotReplayed) {
  FakeContext ctx;
  ctx.Mutate(state::SaveCronJob{Template("*/10 * * * *")});
  {
    CronScheduler before_restart({});
    before_restart.Sync(At(0, 0), ctx);
    EXPECT_EQ(before_restart.next_runs()->at(kJob), At(0, 10));
  }
  // A scheduler that starts at 05:03 (runs at 00:10 ... 05:00 missed) waits for 05:10.
  CronScheduler cron({});
  cron.Tick(At(5, 3), ctx);
  EXPECT_TRUE(Instances(ctx, ScheduleStatus::kPending).empty());
  EXPECT_EQ(cron.next_runs()->at(kJob), At(5, 10));
  // A late tick fires once and goes on from the time it ran.
  cron.Tick(At(5, 47), ctx);
  EXPECT_EQ(ctx.counters["cron_jobs_launched"], 1);
  EXPECT_EQ(cron.next_runs()->at(kJob), At(5, 50));
}

TEST(CronScheduler, KillExistingKillsThenLaunchesWhenAllAreTerminal) {
  FakeContext ctx;
  ctx.AddAgent("a1");
  ctx.Mutate(state::SaveCronJob{Template("0 0 1 1 *")});
  for (int i = 0; i < 2; ++i) {
    ctx.Put(MakeTask(model::TaskId("old-" + std::to_string(i)), "www-data", "nightly", i,
                     ScheduleStatus::kRunning, "a1"));
  }
  CronOptions options;
  options.start_initial_backoff_ms = 5'000;
  options.start_max_backoff_ms = 8'000;
  CronScheduler cron(options);
  const int64_t t0 = At(12, 0);
  ASSERT_TRUE(cron.Trigger(kJob, t0, ctx));
  EXPECT_EQ(Instances(ctx, ScheduleStatus::kKilling), (std::vector<int32_t>{0, 1}));
  ASSERT_EQ(ctx.changes.size(), 2u);
  EXPECT_EQ(std::get<2>(ctx.changes[0]), "Killed by cronScheduler");
  EXPECT_TRUE(cron.waiting(kJob));
  // A second trigger while the run waits is ignored.
  ASSERT_TRUE(cron.Trigger(kJob, t0 + 1000, ctx));
  EXPECT_EQ(ctx.counters["cron_triggers_ignored"], 1);
  EXPECT_EQ(ctx.changes.size(), 2u);
  // Still killing at the first look: look again after a doubled backoff (capped at 8 s).
  cron.Tick(t0 + 5'000, ctx);
  EXPECT_TRUE(Instances(ctx, ScheduleStatus::kPending).empty());
  ctx.ChangeTaskState(*ctx.state().FindTask("old-0"), ScheduleStatus::kKilled, "");
  ctx.ChangeTaskState(*ctx.state().FindTask("old-1"), ScheduleStatus::kKilled, "");
  cron.Tick(t0 + 12'999, ctx);
  EXPECT_TRUE(Instances(ctx, ScheduleStatus::kPending).empty());
  cron.Tick(t0 + 13'000, ctx);
  EXPECT_EQ(Instances(ctx, ScheduleStatus::kPending), (std::vector<int32_t>{0, 1}));
  EXPECT_FALSE(cron.waiting(kJob));
  EXPECT_EQ(ctx.counters["cron_jobs_launched"], 1);
}

TEST(CronScheduler, KillExistingOfOnlyPendingTasksLaunchesAtOnce) {
  FakeContext ctx;
  ctx.Mutate(state::SaveCronJob{Template("0 0 1 1 *")});
  CronScheduler cron({});
  ASSERT_TRUE(cron.Trigger(kJob, At(1, 0), ctx));  // first run: 2 PENDING tasks
  ASSERT_TRUE(cron.Trigger(kJob, At(1, 1), ctx));  // their kill removes them at once
  EXPECT_EQ(Instances(ctx, ScheduleStatus::kPending), (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(ctx.counters["cron_jobs_launched"], 2);
  EXPECT_FALSE(cron.waiting(kJob));
}

TEST(CronScheduler, CancelNewSkipsWhileTasksAreActive) {
  FakeContext ctx;
  ctx.Mutate(state::SaveCronJob{Template("* * * * *", model::CronCollisionPolicy::kCancelNew)});
  ctx.Put(MakeTask("old", "www-data", "nightly", 0, ScheduleStatus::kRunning, "a1"));
  CronScheduler cron({});
  cron.Sync(At(2, 0, 10), ctx);
  cron.Tick(At(2, 1), ctx);
  ASSERT_TRUE(cron.Trigger(kJob, At(2, 1, 30), ctx));
  EXPECT_EQ(ctx.counters["cron_runs_skipped"], 2);
  EXPECT_TRUE(ctx.changes.empty());
  EXPECT_TRUE(Instances(ctx, ScheduleStatus::kPending).empty());
  EXPECT_EQ(Instances(ctx, ScheduleStatus::kRunning), (std::vector<int32_t>{0}));
}

TEST(CronScheduler, DescheduledOrUnknownTemplatesDoNotRun) {
  FakeContext ctx;
  CronScheduler cron({});
  EXPECT_FALSE(cron.Trigger(kJob, At(3, 0), ctx));
  ctx.Mutate(state::SaveCronJob{Template("*/5 * * * *")});
  cron.Sync(At(3, 0), ctx);
  EXPECT_EQ(cron.next_runs()->size(), 1u);
  // A replaced schedule takes effect at once.
  ctx.Mutate(state::SaveCronJob{Template("30 * * * *")});
  cron.Sync(At(3, 1), ctx);
  EXPECT_EQ(cron.next_runs()->at(kJob), At(3, 30));
  ctx.Mutate(state::RemoveCronJob{kJob});
  cron.Tick(At(3, 30), ctx);
  EXPECT_TRUE(cron.next_runs()->empty());
  EXPECT_TRUE(Instances(ctx, ScheduleStatus::kPending).empty());
  EXPECT_FALSE(cron.Trigger(kJob, At(3, 31), ctx));
}

TEST(CronScheduler, FiresInItsTimeZone) {
  FakeContext ctx;
  ctx.Mutate(state::SaveCronJob{Template("0 9 * * *")});
  CronOptions options;
  ASSERT_TRUE(absl::LoadTimeZone("America/New_York", &options.zone));
  CronScheduler cron(options);
  cron.Sync(At(0, 0), ctx);
  EXPECT_EQ(cron.next_runs()->at(kJob), At(14, 0));  // 09:00 EST is 14:00 UTC
}

}  // namespace
}  // namespace borealis::scheduler
