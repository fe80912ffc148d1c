#include "borealis/core/sla_metrics.h"

#include <memory>

#include "absl/strings/str_cat.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace borealis::core {
namespace {

using S = model::ScheduleStatus;

std::shared_ptr<const model::TaskConfig> Config(const std::string& name, bool production = true,
                                                int64_t milli_cpus = 500) {
  auto c = std::make_shared<model::TaskConfig>();
  c->job = model::JobKey{"www-data", "prod", name};
  c->is_service = true;
  c->production = production;
  c->resources.milli_cpus = milli_cpus;
  c->resources.ram_mb = 2048;
  c->resources.disk_mb = 100;
  return c;
}

// A task whose status is its last event's.
model::Task MakeTask(std::shared_ptr<const model::TaskConfig> config, int32_t instance,
                     std::vector<std::pair<S, int64_t>> events) {
  model::Task t;
  t.task_id = model::TaskId(absl::StrCat(config->job.name, "-", instance, "-", events.front().second));
  t.config = std::move(config);
  t.instance_id = instance;
  for (auto [s, ms] : events) t.events.push_back(model::TaskEvent{ms, s, "", {}});
  t.status = events.back().first;
  return t;
}

std::vector<const model::Task*> Ptrs(const std::vector<model::Task>& tasks) {
  std::vector<const model::Task*> out;
  for (const model::Task& t : tasks) out.push_back(&t);
  return out;
}

TEST(SlaPercentileTest, InterpolatesAsAurora) {
  EXPECT_DOUBLE_EQ(SlaPercentile({30, 60, 70, 90}, 50), 65);
  EXPECT_DOUBLE_EQ(SlaPercentile({90, 30, 70, 60}, 75), 52.5);
  EXPECT_DOUBLE_EQ(SlaPercentile({30, 60, 70, 90}, 90), 39);
  EXPECT_DOUBLE_EQ(SlaPercentile({30, 60, 70, 90}, 99), 30.9);
  EXPECT_DOUBLE_EQ(SlaPercentile({30, 60, 70, 90}, 99.9), 30.09);
  EXPECT_DOUBLE_EQ(SlaPercentile({}, 50), 0);
  EXPECT_DOUBLE_EQ(SlaPercentile({7}, 99), 7);
}

TEST(PlatformUptimeTest, LostTimeIsDownUntilRunningAgain) {
  auto c = Config("web");
  // Instance 0: created at 0 (REMOVED until RUNNING at 20), lost at 70, its replacement
  // pending from 80 stays DOWN until RUNNING at 90.
  std::vector<model::Task> tasks = {
      MakeTask(c, 0, {{S::kPending, 0}, {S::kAssigned, 10}, {S::kRunning, 20}, {S::kLost, 70}}),
      MakeTask(c, 0, {{S::kPending, 80}, {S::kAssigned, 85}, {S::kRunning, 90}}),
  };
  // Window [0, 100): up 50 + 10 = 60 out of 100 - 20 removed = 80.
  EXPECT_DOUBLE_EQ(PlatformUptimePercent(Ptrs(tasks), 0, 100), 75);
  // Window [50, 100): up 20 + 10 out of 50.
  EXPECT_DOUBLE_EQ(PlatformUptimePercent(Ptrs(tasks), 50, 100), 60);
}

TEST(PlatformUptimeTest, UserKillsAreNotDowntime) {
  auto c = Config("web");
  std::vector<model::Task> tasks = {
      MakeTask(c, 0, {{S::kPending, 0}, {S::kRunning, 20}, {S::kKilling, 50}, {S::kKilled, 60}}),
  };
  EXPECT_DOUBLE_EQ(PlatformUptimePercent(Ptrs(tasks), 0, 100), 100);
  // A kill without KILLING (agent-side) is downtime.
  std::vector<model::Task> killed = {MakeTask(c, 0, {{S::kPending, 0}, {S::kRunning, 0}, {S::kKilled, 50}})};
  EXPECT_DOUBLE_EQ(PlatformUptimePercent(Ptrs(killed), 0, 100), 50);
  EXPECT_DOUBLE_EQ(PlatformUptimePercent({}, 0, 100), 100);
}

TEST(MedianTimeTest, CountsOnlyActiveTasksThatReachedTheStateInTheWindow) {
  auto c = Config("web");
  std::vector<model::Task> tasks = {
      MakeTask(c, 0, {{S::kPending, 0}, {S::kAssigned, 10}, {S::kStarting, 30}, {S::kRunning, 50}}),
      MakeTask(c, 1, {{S::kPending, 0}, {S::kAssigned, 20}, {S::kStarting, 40}, {S::kRunning, 100}}),
      MakeTask(c, 2, {{S::kPending, 0}, {S::kAssigned, 40}, {S::kFailed, 60}}),  // not active
  };
  EXPECT_DOUBLE_EQ(MedianTimeToStatusMs(Ptrs(tasks), S::kAssigned, 0, 100), 15);
  EXPECT_DOUBLE_EQ(MedianTimeToStatusMs(Ptrs(tasks), S::kStarting, 0, 100), 35);
  EXPECT_DOUBLE_EQ(MedianTimeToStatusMs(Ptrs(tasks), S::kRunning, 0, 100), 50);  // 100 is out
  EXPECT_DOUBLE_EQ(MedianTimeToStatusMs(Ptrs(tasks), S::kAssigned, 15, 100), 20);
}

TEST(JobUptimeTest, MeasuredFromTheLatestEventOfRunningTasks) {
  auto c = Config("web");
  std::vector<model::Task> tasks = {
      MakeTask(c, 0, {{S::kPending, 0}, {S::kRunning, 90'000}}),
      MakeTask(c, 1, {{S::kPending, 0}, {S::kRunning, 70'000}}),
      MakeTask(c, 2, {{S::kPending, 0}}),
  };
  EXPECT_DOUBLE_EQ(JobUptimeSeconds(Ptrs(tasks), 50, 100'000), 20);
  EXPECT_DOUBLE_EQ(JobUptimeSeconds(Ptrs(tasks), 99, 100'000), 10.2);
}

TEST(ComputeSlaMetricsTest, AuroraNamesPerJobClusterAndSize) {
  auto web = Config("web", true, 500);
  auto big = Config("big", true, 6000);
  auto batch = Config("batch", true);
  auto dev = Config("dev", false);
  const_cast<model::TaskConfig&>(*batch).is_service = false;
  std::vector<model::Task> tasks = {
      MakeTask(web, 0, {{S::kPending, 0}, {S::kAssigned, 10'000}, {S::kStarting, 11'000}, {S::kRunning, 12'000}}),
      MakeTask(big, 0, {{S::kPending, 0}, {S::kAssigned, 30'000}, {S::kStarting, 31'000}, {S::kRunning, 32'000}}),
      MakeTask(batch, 0, {{S::kPending, 0}, {S::kAssigned, 10'000}}),
      MakeTask(dev, 0, {{S::kPending, 0}, {S::kAssigned, 5'000}}),
  };
  SlaMetricsOptions options;
  options.window_ms = 60'000;
  std::map<std::string, double> got;
  for (const SlaMetric& m : ComputeSlaMetrics(Ptrs(tasks), 60'000, options)) got[m.VarName()] = m.value;
  EXPECT_DOUBLE_EQ(got.at("sla_www-data/prod/web_mtta_ms"), 10'000);
  EXPECT_DOUBLE_EQ(got.at("sla_cluster_mtta_ms"), 20'000);
  EXPECT_DOUBLE_EQ(got.at("sla_cpu_small_mtta_ms"), 10'000);
  EXPECT_DOUBLE_EQ(got.at("sla_cpu_large_mttr_ms"), 32'000);
  EXPECT_DOUBLE_EQ(got.at("sla_ram_medium_mtts_ms"), 21'000);
  EXPECT_DOUBLE_EQ(got.at("sla_www-data/prod/web_job_uptime_50_00_sec"), 48);
  EXPECT_DOUBLE_EQ(got.at("sla_www-data/prod/big_platform_uptime_percent"), 100);
  EXPECT_EQ(got.count("sla_cpu_medium_mtta_ms"), 0u);  // no task of that size
  EXPECT_EQ(got.count("sla_www-data/prod/batch_mtta_ms"), 0u);  // not a service
  EXPECT_EQ(got.count("sla_www-data/prod/dev_mtta_ms_nonprod"), 0u);  // non-prod off by default
  options.non_prod = {SlaCategory::kMedians};
  got.clear();
  for (const SlaMetric& m : ComputeSlaMetrics(Ptrs(tasks), 60'000, options)) got[m.VarName()] = m.value;
  EXPECT_DOUBLE_EQ(got.at("sla_www-data/prod/dev_mtta_ms_nonprod"), 5'000);
  EXPECT_DOUBLE_EQ(got.at("sla_cluster_mtta_ms_nonprod"), 5'000);
}

TEST(SizeBucketTest, BoundsAreInclusive) {
  EXPECT_EQ(SizeBucket("cpu", 1000), "small");
  EXPECT_EQ(SizeBucket("cpu", 1001), "medium");
  EXPECT_EQ(SizeBucket("ram", 32768), "xlarge");
  EXPECT_EQ(SizeBucket("disk", 65537), "xxlarge");
}

}  // namespace
}  // namespace borealis::core
