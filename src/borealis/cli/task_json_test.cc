// --write-json output: Aurora's field names, enum names, and the per-job shape.
#include "borealis/cli/task_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "borealis/cli/job_commands.h"
#include "borealis/testing/status_matchers.h"

namespace borealis::cli {
namespace {

using ::borealis::testing::IsOk;
using nlohmann::json;

api::ScheduledTask HandBuiltTask() {
  api::TaskConfig config;
  config.job.role = "www-data";
  config.job.environment = "prod";
  config.job.name = "hello";
  config.owner.user = "alice";
  config.isService = true;
  config.priority = 0;
  config.maxTaskFailures = 1;
  config.__set_production(false);
  api::Resource cpus;
  cpus.__set_numCpus(0.5);
  api::Resource ram;
  ram.__set_ramMb(128);
  api::Resource port;
  port.__set_namedPort("http");
  config.resources = {cpus, ram, port};
  api::ValueConstraint value;
  value.negated = false;
  value.values = {"r1"};
  api::Constraint constraint;
  constraint.name = "rack";
  constraint.constraint.__set_value(value);
  config.constraints = {constraint};
  config.__set_executorConfig(api::ExecutorConfig());
  config.executorConfig.name = "AuroraExecutor";

  api::ScheduledTask task;
  task.assignedTask.taskId = "www-data-prod-hello-0-abc";
  task.assignedTask.slaveId = "agent-1";
  task.assignedTask.slaveHost = "127.0.0.2";
  task.assignedTask.task = config;
  task.assignedTask.assignedPorts = {{"http", 31001}};
  task.assignedTask.instanceId = 0;
  task.status = api::ScheduleStatus::RUNNING;
  task.failureCount = 2;
  task.timesPartitioned = 0;
  task.ancestorId = "www-data-prod-hello-0-old";
  api::TaskEvent pending;
  pending.timestamp = 1000;
  pending.status = api::ScheduleStatus::PENDING;
  pending.__set_scheduler("sched-host");
  api::TaskEvent running;
  running.timestamp = 2000;
  running.status = api::ScheduleStatus::RUNNING;
  running.__set_message("started");
  task.taskEvents = {pending, running};
  return task;
}

TEST(ScheduledTaskJson, UsesAuroraFieldNamesAndEnumNames) {
  auto j = ScheduledTaskJson(HandBuiltTask());
  ASSERT_THAT(j, IsOk());
  const json& t = *j;
  EXPECT_EQ(t["status"], "RUNNING");
  EXPECT_EQ(t["failureCount"], 2);
  EXPECT_EQ(t["timesPartitioned"], 0);
  EXPECT_EQ(t["ancestorId"], "www-data-prod-hello-0-old");
  const json& assigned = t["assignedTask"];
  EXPECT_EQ(assigned["taskId"], "www-data-prod-hello-0-abc");
  EXPECT_EQ(assigned["slaveId"], "agent-1");
  EXPECT_EQ(assigned["slaveHost"], "127.0.0.2");
  EXPECT_EQ(assigned["instanceId"], 0);
  EXPECT_EQ(assigned["assignedPorts"], (json{{"http", 31001}}));
  const json& config = assigned["task"];
  EXPECT_EQ(config["job"], (json{{"role", "www-data"}, {"environment", "prod"}, {"name", "hello"}}));
  EXPECT_EQ(config["owner"]["user"], "alice");
  EXPECT_EQ(config["isService"], true);
  EXPECT_EQ(config["production"], false);
  EXPECT_EQ(config["executorConfig"]["name"], "AuroraExecutor");
  // Sets are lists; unions are objects with their one member.
  ASSERT_TRUE(config["resources"].is_array());
  EXPECT_EQ(config["resources"].size(), 3u);
  EXPECT_THAT(config["resources"].dump(), ::testing::HasSubstr(R"({"numCpus":0.5})"));
  EXPECT_THAT(config["resources"].dump(), ::testing::HasSubstr(R"({"namedPort":"http"})"));
  EXPECT_EQ(config["constraints"][0]["constraint"],
            (json{{"value", {{"negated", false}, {"values", {"r1"}}}}}));
  EXPECT_EQ(config["container"], (json{{"mesos", json::object()}}));
  // Optional fields appear only when set.
  EXPECT_FALSE(config.contains("tier"));
  EXPECT_FALSE(config.contains("slaPolicy"));

  ASSERT_EQ(t["taskEvents"].size(), 2u);
  EXPECT_EQ(t["taskEvents"][0],
            (json{{"timestamp", 1000}, {"status", "PENDING"}, {"scheduler", "sched-host"}}));
  EXPECT_EQ(t["taskEvents"][1],
            (json{{"timestamp", 2000}, {"status", "RUNNING"}, {"message", "started"}}));
}

TEST(JobStatusJson, OneObjectPerJob) {
  api::ScheduledTask done = HandBuiltTask();
  done.status = api::ScheduleStatus::FINISHED;
  auto j = JobStatusJson("devcluster/www-data/prod/hello", {HandBuiltTask()}, {done});
  ASSERT_THAT(j, IsOk());
  EXPECT_EQ((*j)["job"], "devcluster/www-data/prod/hello");
  ASSERT_EQ((*j)["active"].size(), 1u);
  ASSERT_EQ((*j)["inactive"].size(), 1u);
  EXPECT_EQ((*j)["active"][0]["status"], "RUNNING");
  EXPECT_EQ((*j)["inactive"][0]["status"], "FINISHED");
  std::vector<std::string> keys;
  for (const auto& [k, v] : j->items()) keys.push_back(k);
  EXPECT_THAT(keys, ::testing::UnorderedElementsAre("job", "active", "inactive"));
}

TEST(FormatJobStatus, ShowsTasksAndPendingReasons) {
  api::ScheduledTask running = HandBuiltTask();
  api::ScheduledTask pending = HandBuiltTask();
  pending.assignedTask.instanceId = 1;
  pending.assignedTask.taskId = "t-1";
  pending.assignedTask.slaveHost = "";
  pending.assignedTask.assignedPorts.clear();
  pending.status = api::ScheduleStatus::PENDING;
  api::ScheduledTask failed = HandBuiltTask();
  failed.status = api::ScheduleStatus::FAILED;
  const std::string text = FormatJobStatus("c/r/e/n", {running, pending}, {failed, failed},
                                           {{"t-1", "Insufficient resources: ram"}});
  EXPECT_THAT(text, ::testing::HasSubstr("Job c/r/e/n\n  Active tasks (2):\n"));
  EXPECT_THAT(text, ::testing::ContainsRegex("0 +RUNNING +127.0.0.2 +http=31001 +www-data-prod-hello-0-abc"));
  EXPECT_THAT(text, ::testing::ContainsRegex("1 +PENDING +- +- +t-1\n +pending: Insufficient resources: ram"));
  EXPECT_THAT(text, ::testing::HasSubstr("Inactive tasks (2): 2 FAILED\n"));
}

TEST(FormatJobStatus, ShowsEachActiveTasksEventsInUtc) {
  api::ScheduledTask running = HandBuiltTask();
  api::TaskEvent pending;
  pending.timestamp = 1'765'000'000'123;  // 2025-12-06 05:46:40.123 UTC
  pending.status = api::ScheduleStatus::PENDING;
  api::TaskEvent started = pending;
  started.timestamp += 2'500;
  started.status = api::ScheduleStatus::RUNNING;
  started.__set_message("up");
  running.taskEvents = {started, pending};  // printed oldest first
  const std::string text = FormatJobStatus("c/r/e/n", {running}, {}, {});
  EXPECT_THAT(text, ::testing::ContainsRegex(
                        "  events:\n +2025-12-06 05:46:40.123 UTC PENDING\n +2025-12-06 "
                        "05:46:42.623 UTC RUNNING: up\n  Inactive tasks \\(0\\)"));
}

}  // namespace
}  // namespace borealis::cli
