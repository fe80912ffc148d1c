#include "borealis/state/cron_jobs.h"

#include <gtest/gtest.h>

#include "borealis/state/cluster_state.h"

namespace borealis::state {
namespace {

model::JobConfiguration Job(const std::string& name, const std::string& schedule) {
  model::JobConfiguration job;
  job.key = {"www-data", "prod", name};
  job.cron_schedule = schedule;
  job.instance_count = 1;
  return job;
}

TEST(CronJobsTest, SaveReplacesAndRemoveForgets) {
  ClusterState st;
  st.Apply(SaveCronJob{Job("a", "0 * * * *")});
  st.Apply(SaveCronJob{Job("a", "5 * * * *")});
  st.Apply(SaveCronJob{Job("b", "0 0 * * *")});
  ASSERT_NE(st.cron_jobs().Find({"www-data", "prod", "a"}), nullptr);
  EXPECT_EQ(st.cron_jobs().Find({"www-data", "prod", "a"})->cron_schedule, "5 * * * *");
  st.Apply(RemoveCronJob{{"www-data", "prod", "a"}});
  st.Apply(RemoveCronJob{{"www-data", "prod", "unknown"}});  // ignored
  EXPECT_EQ(st.cron_jobs().Find({"www-data", "prod", "a"}), nullptr);
  EXPECT_EQ(st.cron_jobs().all()->size(), 1u);
}

TEST(CronJobsTest, AMapHandedOutNeverChanges) {
  CronJobs jobs;
  jobs.Apply(SaveCronJob{Job("a", "0 * * * *")});
  const auto before = jobs.all();
  jobs.Apply(RemoveCronJob{{"www-data", "prod", "unknown"}});
  EXPECT_EQ(jobs.all(), before);  // no change: the same map
  jobs.Apply(SaveCronJob{Job("b", "0 * * * *")});
  EXPECT_NE(jobs.all(), before);
  EXPECT_EQ(before->size(), 1u);
  EXPECT_EQ(jobs.all()->size(), 2u);
}

}  // namespace
}  // namespace borealis::state
