// Tests of JobSpec -> model::JobConfiguration (conversion.h).
#include "borealis/config/conversion.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "borealis/model/task_config.h"
#include "borealis/testing/status_matchers.h"

namespace borealis::config {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using nlohmann::json;

json WebJob() {
  return json::parse(R"({
    "name": "web", "role": "www-data", "environment": "prod", "cluster": "devcluster",
    "instances": 3, "service": true, "contact": "team@example.com", "tier": "preferred",
    "production": true, "priority": 7, "max_task_failures": -1,
    "constraints": {"rack": "!r2,r1", "host": "limit:1", "zone": "z1"},
    "metadata": [{"key": "owner", "value": "web-team"}, {"key": "build", "value": "42"}],
    "update_config": {"batch_size": 2},
    "task": {
      "processes": [
        {"name": "server",
         "cmdline": "./serve --http={{thermos.ports[http]}} --admin={{thermos.ports[admin]}}"},
        {"name": "sidecar", "cmdline": "./proxy {{thermos.ports[http]}} {{mesos.instance}}",
         "daemon": true, "ephemeral": true}
      ],
      "resources": {"cpu": 1.25, "ram": 536870912, "disk": 1073741824, "gpu": 1}
    }
  })");
}

absl::StatusOr<model::JobConfiguration> Convert(const json& job) {
  auto jobs = ParseJobsJson(job.dump(), "web.json");
  if (!jobs.ok()) return jobs.status();
  return ToJobConfiguration((*jobs)[0], "alice");
}

TEST(ToJobConfigurationTest, ConvertsKeyResourcesAndFlags) {
  auto config = Convert(WebJob());
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->key.ToString(), "www-data/prod/web");
  EXPECT_EQ(config->owner_user, "alice");
  EXPECT_EQ(config->instance_count, 3);
  EXPECT_TRUE(config->cron_schedule.empty());
  const model::TaskConfig& t = config->task;
  EXPECT_EQ(t.job, config->key);
  EXPECT_EQ(t.owner_user, "alice");
  EXPECT_TRUE(t.is_service);
  EXPECT_TRUE(t.production);
  EXPECT_EQ(t.priority, 7);
  EXPECT_EQ(t.max_task_failures, -1);
  EXPECT_EQ(t.tier, "preferred");
  EXPECT_EQ(t.contact_email, "team@example.com");
  EXPECT_EQ(t.resources.milli_cpus, 1250);
  EXPECT_EQ(t.resources.ram_mb, 512);
  EXPECT_EQ(t.resources.disk_mb, 1024);
  EXPECT_EQ(t.resources.gpus, 1);
  EXPECT_THAT(t.resources.named_ports, ElementsAre("admin", "http"));
  ASSERT_EQ(t.metadata.size(), 2u);
  EXPECT_EQ(t.metadata[0], (model::Metadata{"build", "42"}));
  EXPECT_EQ(t.metadata[1], (model::Metadata{"owner", "web-team"}));
  EXPECT_FALSE(t.partition_policy.has_value());
}

TEST(ToJobConfigurationTest, ConvertsConstraints) {
  auto config = Convert(WebJob());
  ASSERT_THAT(config, IsOk());
  const auto& c = config->task.constraints;
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].name, "host");
  EXPECT_TRUE(c[0].is_limit);
  EXPECT_EQ(c[0].limit, 1);
  EXPECT_EQ(c[1].name, "rack");
  EXPECT_TRUE(c[1].negated);
  EXPECT_THAT(c[1].values, ElementsAre("r1", "r2"));
  EXPECT_EQ(c[2].name, "zone");
  EXPECT_FALSE(c[2].negated);
  EXPECT_THAT(c[2].values, ElementsAre("z1"));
}

TEST(ToJobConfigurationTest, ExecutorDataIsTheJobWithoutUpdateConfigAndInstances) {
  auto config = Convert(WebJob());
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->task.executor_name, "AuroraExecutor");
  json data = json::parse(config->task.executor_data);
  EXPECT_FALSE(data.contains("update_config"));
  EXPECT_FALSE(data.contains("instances"));
  EXPECT_EQ(data["name"], "web");
  EXPECT_EQ(data["role"], "www-data");
  EXPECT_EQ(data["service"], true);
  // Defaults are filled in, machine-bound templates are left for the executor.
  EXPECT_EQ(data["task"]["name"], "server");
  EXPECT_EQ(data["task"]["max_concurrency"], 0);
  EXPECT_EQ(data["task"]["processes"][0]["min_duration"], 5);
  EXPECT_EQ(data["task"]["processes"][1]["cmdline"],
            "./proxy {{thermos.ports[http]}} {{mesos.instance}}");
  EXPECT_EQ(data["health_check_config"]["timeout_secs"], 1.0);
  EXPECT_EQ(data["enable_hooks"], false);
  // The executor can read it back.
  auto task = ParseExecutorData(config->task.executor_data);
  ASSERT_THAT(task, IsOk());
  ASSERT_EQ(task->processes.size(), 2u);
  EXPECT_TRUE(task->processes[1].daemon);
  EXPECT_TRUE(task->processes[1].ephemeral);
  EXPECT_DOUBLE_EQ(task->cpu, 1.25);
}

TEST(ToJobConfigurationTest, ExecutorDataIsDeterministic) {
  auto a = Convert(WebJob());
  json reordered = json::parse(WebJob().dump());
  auto b = Convert(reordered);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(a->task.executor_data, b->task.executor_data);
  EXPECT_EQ(*a, *b);
}

TEST(ToJobConfigurationTest, AnnouncerPortsAreRequested) {
  json job = WebJob();
  job["announce"] = {{"primary_port", "http"},
                     {"portmap", {{"aurora", "http"}, {"health", "admin"}, {"static", "8080"}}}};
  auto config = Convert(job);
  ASSERT_THAT(config, IsOk());
  EXPECT_THAT(config->task.resources.named_ports, ElementsAre("admin", "http"));

  json cycle = WebJob();
  cycle["announce"] = {{"portmap", {{"a", "b"}, {"b", "a"}}}};
  EXPECT_THAT(Convert(cycle),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("aliases form a cycle")));
}

TEST(ToJobConfigurationTest, CronPartitionAndCustomExecutor) {
  json job = WebJob();
  job["service"] = false;
  job["cron_schedule"] = "*/5 * * * *";
  job["cron_collision_policy"] = "CANCEL_NEW";
  job["partition_policy"] = {{"reschedule", false}};
  job["executor_config"] = {{"name", "MyExecutor"}, {"data", "{\"x\": 1}"}};
  auto config = Convert(job);
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->cron_schedule, "*/5 * * * *");
  EXPECT_EQ(config->cron_collision_policy, model::CronCollisionPolicy::kCancelNew);
  ASSERT_TRUE(config->task.partition_policy.has_value());
  EXPECT_FALSE(config->task.partition_policy->reschedule);
  EXPECT_EQ(config->task.partition_policy->delay_secs, 0);
  EXPECT_EQ(config->task.executor_name, "MyExecutor");
  EXPECT_EQ(config->task.executor_data, "{\"x\": 1}");
}

TEST(ToJobConfigurationTest, RoundsCpusAndFloorsMebibytes) {
  json job = WebJob();
  job["task"]["resources"] = {{"cpu", 0.0015}, {"ram", 1572864}, {"disk", 16777216}};
  auto config = Convert(job);
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->task.resources.milli_cpus, 2);
  EXPECT_EQ(config->task.resources.ram_mb, 1);
  EXPECT_EQ(config->task.resources.gpus, 0);

  job["task"]["resources"]["ram"] = 1000;
  EXPECT_THAT(Convert(job), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("task.resources.ram: must be at least 1 MiB")));
}

}  // namespace
}  // namespace borealis::config
