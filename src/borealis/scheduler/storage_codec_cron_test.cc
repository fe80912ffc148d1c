// Cron templates survive the log (saveCronJob, removeJob) and snapshots (cronJobs).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "borealis/scheduler/storage_codec.h"
#include "borealis/state/cluster_state.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/wire/codec.h"
#include "gen-cpp/storage_constants.h"
#include "gen-cpp/storage_types.h"

namespace borealis::scheduler {
namespace {

using ::borealis::testing::IsOk;

model::JobConfiguration CronJob(const std::string& name, const std::string& schedule,
                                model::CronCollisionPolicy policy) {
  model::JobConfiguration job;
  job.key = {"www-data", "prod", name};
  job.owner_user = "alice";
  job.cron_schedule = schedule;
  job.cron_collision_policy = policy;
  job.instance_count = 3;
  job.task.job = job.key;
  job.task.owner_user = "alice";
  job.task.resources.milli_cpus = 250;
  job.task.resources.ram_mb = 64;
  job.task.resources.disk_mb = 32;
  job.task.max_task_failures = -1;
  return job;
}

TEST(StorageCodecCronTest, SaveAndRemoveSurviveATransaction) {
  const auto hourly = CronJob("hourly", "0 * * * *", model::CronCollisionPolicy::kCancelNew);
  const auto daily = CronJob("daily", "30 2 * * MON-FRI",
                             model::CronCollisionPolicy::kKillExisting);
  const std::string bytes =
      EncodeTransaction({state::SaveCronJob{hourly}, state::SaveCronJob{daily},
                         state::RemoveCronJob{hourly.key}});
  auto decoded = DecodeTransaction(bytes);
  ASSERT_THAT(decoded.status(), IsOk());
  ASSERT_EQ(decoded->size(), 3u);
  state::ClusterState st;
  st.ApplyAll(*decoded);
  EXPECT_EQ(st.cron_jobs().Find(hourly.key), nullptr);
  ASSERT_NE(st.cron_jobs().Find(daily.key), nullptr);
  EXPECT_EQ(*st.cron_jobs().Find(daily.key), daily);

  // The ops are Aurora's: saveCronJob.jobConfig and removeJob.jobKey.
  storage::Transaction txn;
  ASSERT_THAT(wire::DeserializeCompact(bytes, &txn), IsOk());
  ASSERT_EQ(txn.ops.size(), 3u);
  EXPECT_TRUE(txn.ops[0].__isset.saveCronJob);
  EXPECT_EQ(txn.ops[0].saveCronJob.jobConfig.cronSchedule, "0 * * * *");
  EXPECT_TRUE(txn.ops[2].__isset.removeJob);
  EXPECT_EQ(txn.ops[2].removeJob.jobKey.name, "hourly");
}

TEST(StorageCodecCronTest, TemplatesSurviveASnapshot) {
  state::ClusterState st;
  const auto a = CronJob("a", "*/5 * * * *", model::CronCollisionPolicy::kCancelNew);
  const auto b = CronJob("b", "0 0 29 2 *", model::CronCollisionPolicy::kKillExisting);
  st.Apply(state::SaveCronJob{a});
  st.Apply(state::SaveCronJob{b});
  state::ClusterState back;
  ASSERT_THAT(DecodeSnapshot(EncodeSnapshot(st, 1000), &back), IsOk());
  ASSERT_EQ(back.cron_jobs().all()->size(), 2u);
  EXPECT_EQ(*back.cron_jobs().Find(a.key), a);
  EXPECT_EQ(*back.cron_jobs().Find(b.key), b);
}

TEST(StorageCodecCronTest, ABadStoredTemplateIsDataLoss) {
  storage::Transaction txn;
  txn.schemaVersion = storage::g_storage_constants.CURRENT_SCHEMA_VERSION;
  storage::Op op;
  storage::SaveCronJob sc;
  sc.jobConfig.key.role = "www-data";
  sc.jobConfig.key.environment = "prod";
  sc.jobConfig.key.name = "bad";
  sc.jobConfig.cronCollisionPolicy = static_cast<api::CronCollisionPolicy::type>(99);
  op.__set_saveCronJob(sc);
  txn.ops.push_back(op);
  auto decoded = DecodeTransaction(wire::SerializeCompact(txn));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(decoded.status().message().find("saveCronJob.jobConfig"), std::string::npos)
      << decoded.status();
}

}  // namespace
}  // namespace borealis::scheduler
