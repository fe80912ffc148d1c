// Tests of the JSON job reader (job_spec.h): defaults, both document forms, error
// paths, job-level templates and the executor-data reader.
#include "borealis/config/job_spec.h"

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "borealis/base/status.h"
#include "borealis/testing/status_matchers.h"

namespace borealis::config {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using nlohmann::json;

json MinimalJob() {
  return json::parse(R"({
    "role": "www-data", "environment": "prod", "cluster": "devcluster",
    "task": {
      "processes": [{"name": "setup", "cmdline": "echo setup"},
                    {"name": "web", "cmdline": "./web --port={{thermos.ports[http]}}"}],
      "constraints": [{"order": ["setup", "web"]}],
      "resources": {"cpu": 0.5, "ram": 134217728, "disk": 268435456}
    }
  })");
}

absl::StatusOr<JobSpec> ParseOne(const json& job) {
  ASSIGN_OR_RETURN(auto jobs, ParseJobsJson(job.dump(), "test.json"));
  if (jobs.size() != 1) return absl::InternalError("expected one job");
  return jobs[0];
}

TEST(ParseJobsJsonTest, FillsThermosAndJobDefaults) {
  auto job = ParseOne(MinimalJob());
  ASSERT_THAT(job, IsOk());
  // Task name defaults to the first process, the job name to the task name.
  EXPECT_EQ(job->task.name, "setup");
  EXPECT_EQ(job->name, "setup");
  EXPECT_EQ(job->instances, 1);
  EXPECT_FALSE(job->service);
  EXPECT_EQ(job->max_task_failures, 1);
  EXPECT_EQ(job->priority, 0);
  EXPECT_EQ(job->cron_collision_policy, "KILL_EXISTING");
  ASSERT_EQ(job->task.processes.size(), 2u);
  const ProcessSpec& p = job->task.processes[1];
  EXPECT_EQ(p.max_failures, 1);
  EXPECT_FALSE(p.daemon);
  EXPECT_FALSE(p.ephemeral);
  EXPECT_FALSE(p.final);
  EXPECT_EQ(p.min_duration_secs, 5);
  EXPECT_EQ(job->task.max_failures, 1);
  EXPECT_EQ(job->task.max_concurrency, 0);
  EXPECT_EQ(job->task.finalization_wait_secs, 30);
  EXPECT_EQ(job->task.ram_bytes, 134217728);
  EXPECT_EQ(job->task.gpu, 0);
  EXPECT_THAT(job->task.order_constraints, ElementsAre(ElementsAre("setup", "web")));

  const json& o = job->original;
  EXPECT_EQ(o["name"], "setup");
  EXPECT_EQ(o["task"]["name"], "setup");
  EXPECT_EQ(o["update_config"]["batch_size"], 1);
  EXPECT_EQ(o["update_config"]["watch_secs"], 45);
  EXPECT_EQ(o["update_config"]["rollback_on_failure"], true);
  EXPECT_FALSE(o["update_config"].contains("update_strategy"));
  EXPECT_EQ(o["health_check_config"]["health_checker"]["http"]["endpoint"], "/health");
  EXPECT_EQ(o["health_check_config"]["interval_secs"], 10.0);
  EXPECT_EQ(o["lifecycle"]["http"]["port"], "health");
  EXPECT_EQ(o["lifecycle"]["http"]["graceful_shutdown_endpoint"], "/quitquitquit");
  EXPECT_EQ(o["executor_config"]["name"], "AuroraExecutor");
  EXPECT_EQ(o["metadata"], json::array());
  EXPECT_FALSE(o["task"]["processes"][0].contains("logger"));  // Empty stays absent
  EXPECT_FALSE(o.contains("announce"));
  EXPECT_FALSE(o.contains("contact"));
  // Machine-bound templates stay for the executor.
  EXPECT_EQ(o["task"]["processes"][1]["cmdline"], "./web --port={{thermos.ports[http]}}");
}

TEST(ParseJobsJsonTest, CronCollisionPolicyIsReadInAnyCase) {
  json j = MinimalJob();
  j["cron_collision_policy"] = "cancel_new";
  auto job = ParseOne(j);
  ASSERT_THAT(job, IsOk());
  EXPECT_EQ(job->cron_collision_policy, "CANCEL_NEW");
  EXPECT_EQ(job->original.at("cron_collision_policy"), "cancel_new");  // as written
}

TEST(ParseJobsJsonTest, ReadsTheJobsListForm) {
  json a = MinimalJob();
  a["name"] = "a";
  json b = MinimalJob();
  b["name"] = "b";
  b["instances"] = 3;
  b["service"] = true;
  json doc = {{"jobs", {a, b}}};
  auto jobs = ParseJobsJson(doc.dump(), "two.json");
  ASSERT_THAT(jobs, IsOk());
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].name, "a");
  EXPECT_EQ((*jobs)[1].name, "b");
  EXPECT_EQ((*jobs)[1].instances, 3);
  EXPECT_TRUE((*jobs)[1].service);
}

TEST(ParseJobsJsonTest, ReadsTheHelloWorldExample) {
  std::ifstream in(std::string(BOREALIS_SOURCE_DIR) + "/examples/hello_world.json");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  auto jobs = ParseJobsJson(text.str(), "hello_world.json");
  ASSERT_THAT(jobs, IsOk());
  ASSERT_EQ(jobs->size(), 1u);
  const JobSpec& job = (*jobs)[0];
  EXPECT_EQ(job.name, "hello_world");
  EXPECT_EQ(job.role, "www-data");
  EXPECT_EQ(job.environment, "devel");
  EXPECT_EQ(job.cluster, "devcluster");
  EXPECT_EQ(job.instances, 2);
  EXPECT_TRUE(job.service);
  ASSERT_EQ(job.task.processes.size(), 1u);
  EXPECT_EQ(job.task.processes[0].name, "hello");
  EXPECT_THAT(job.task.processes[0].cmdline,
              HasSubstr("Hello world from {{mesos.hostname}}/{{mesos.instance}}"));
  EXPECT_DOUBLE_EQ(job.task.cpu, 0.1);
  EXPECT_EQ(job.task.ram_bytes, 16 * 1024 * 1024);
  EXPECT_EQ(job.task.disk_bytes, 16 * 1024 * 1024);
}

TEST(ParseJobsJsonTest, ResolvesJobLevelTemplatesInScope) {
  json job = MinimalJob();
  job["name"] = "hello";
  job["task"]["processes"][0]["cmdline"] =
      "echo {{name}} {{role}}/{{environment}}/{{cluster}} {{thermos.user}} {{task.name}} "
      "{{instances}} {{&role}} {{mesos.instance}}";
  auto spec = ParseOne(job);
  ASSERT_THAT(spec, IsOk());
  // {{name}} inside a process is the process's own name (innermost scope).
  EXPECT_EQ(spec->task.processes[0].cmdline,
            "echo setup www-data/prod/devcluster www-data setup 1 {{&role}} {{mesos.instance}}");
}

TEST(ParseJobsJsonTest, ResolvesTheAnnouncerPortmapDefault) {
  json job = MinimalJob();
  job["announce"] = {{"primary_port", "http"}};
  auto spec = ParseOne(job);
  ASSERT_THAT(spec, IsOk());
  EXPECT_EQ(spec->original["announce"]["portmap"], json({{"aurora", "http"}}));
}

TEST(ParseJobsJsonTest, ReadsOptionalStructs) {
  json job = MinimalJob();
  job["metadata"] = {{{"key", "z"}, {"value", "1"}}, {{"key", "a"}, {"value", "2"}}};
  job["partition_policy"] = {{"delay_secs", 30}};
  job["container"] = {{"docker", {{"image", "debian:12"}}}};
  job["sla_policy"] = {{"count", 2}, {"duration_secs", 60}};
  job["update_config"] = {{"update_strategy", {{"batch_sizes", {1, 2}}}}};
  job["task"]["processes"][0]["logger"] = {{"mode", "rotate"}};
  job["health_check_config"] = {{"health_checker", {{"tcp", json::object()}}}};
  auto spec = ParseOne(job);
  ASSERT_THAT(spec, IsOk());
  ASSERT_EQ(spec->metadata.size(), 2u);
  EXPECT_EQ(spec->metadata[0].key, "a");
  ASSERT_TRUE(spec->partition_policy.has_value());
  EXPECT_TRUE(spec->partition_policy->reschedule);
  EXPECT_EQ(spec->partition_policy->delay_secs, 30);
  EXPECT_EQ(spec->original["container"]["docker"]["parameters"], json::array());
  EXPECT_EQ(spec->original["update_config"]["update_strategy"]["autopause_after_batch"], false);
  EXPECT_EQ(spec->original["task"]["processes"][0]["logger"]["destination"], "file");
  EXPECT_EQ(spec->original["health_check_config"]["health_checker"],
            json({{"tcp", json::object()}}));
}

struct ErrorCase {
  std::string name;
  std::function<void(json&)> mutate;
  std::string expected;  // substring of the message
};

class ParseJobsJsonErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ParseJobsJsonErrorTest, NamesSourceAndFieldPath) {
  json job = MinimalJob();
  GetParam().mutate(job);
  json doc = {{"jobs", {MinimalJob(), job}}};
  auto jobs = ParseJobsJson(doc.dump(), "bad.json");
  EXPECT_THAT(jobs, StatusIs(absl::StatusCode::kInvalidArgument,
                             HasSubstr("bad.json: " + GetParam().expected)));
}

std::vector<ErrorCase> ErrorCases() {
  return {
      {"NotAString", [](json& j) { j["task"]["processes"][1]["cmdline"] = 5; },
       "jobs[1].task.processes[1].cmdline: expected a string"},
      {"NotAnInteger", [](json& j) { j["instances"] = "two"; },
       "jobs[1].instances: expected an integer"},
      {"NotABoolean", [](json& j) { j["service"] = 1; }, "jobs[1].service: expected a boolean"},
      {"NotANumber", [](json& j) { j["task"]["resources"]["cpu"] = "1"; },
       "jobs[1].task.resources.cpu: expected a number"},
      {"NotAList", [](json& j) { j["task"]["processes"] = json::object(); },
       "jobs[1].task.processes: expected a list"},
      {"NotAStruct", [](json& j) { j["task"] = "x"; }, "jobs[1].task: expected an object (Task)"},
      {"BadEnum", [](json& j) { j["task"]["processes"][0]["logger"] = {{"destination", "x"}}; },
       "jobs[1].task.processes[0].logger.destination: expected one of file, console"},
      {"BadMapValue", [](json& j) { j["constraints"] = {{"host", 1}}; },
       "jobs[1].constraints[host]: expected a string"},
      {"TwoHealthCheckers",
       [](json& j) {
         j["health_check_config"] = {
             {"health_checker", {{"tcp", json::object()}, {"http", json::object()}}}};
       },
       "jobs[1].health_check_config.health_checker: set only one of http, shell, tcp"},
      {"BadChoice", [](json& j) { j["container"] = {{"image", 3}}; },
       "jobs[1].container: matches none of Choice(Container, Docker, Mesos)"},
      {"UnknownField", [](json& j) { j["task"]["foo"] = 1; },
       "jobs[1].task.foo: unknown field of Task"},
      {"UnknownJobField", [](json& j) { j["cron"] = "x"; }, "jobs[1].cron: unknown field of Job"},
      {"MissingRole", [](json& j) { j.erase("role"); }, "jobs[1].role: required field missing"},
      {"MissingCluster", [](json& j) { j.erase("cluster"); },
       "jobs[1].cluster: required field missing"},
      {"MissingEnvironment", [](json& j) { j.erase("environment"); },
       "jobs[1].environment: required field missing"},
      {"MissingTask", [](json& j) { j.erase("task"); }, "jobs[1].task: required field missing"},
      {"MissingProcesses", [](json& j) { j["task"].erase("processes"); },
       "jobs[1].task.processes: required field missing"},
      {"EmptyProcesses", [](json& j) { j["task"]["processes"] = json::array(); },
       "jobs[1].task.processes: a task needs at least one process"},
      {"MissingResources", [](json& j) { j["task"].erase("resources"); },
       "jobs[1].task.resources: required field missing"},
      {"MissingRam", [](json& j) { j["task"]["resources"].erase("ram"); },
       "jobs[1].task.resources.ram: required field missing"},
      {"MissingCmdline", [](json& j) { j["task"]["processes"][0].erase("cmdline"); },
       "jobs[1].task.processes[0].cmdline: required field missing"},
      {"ZeroRam", [](json& j) { j["task"]["resources"]["ram"] = 0; },
       "jobs[1].task.resources.ram: must be > 0"},
      {"ZeroDisk", [](json& j) { j["task"]["resources"]["disk"] = 0; },
       "jobs[1].task.resources.disk: must be > 0"},
      {"ZeroCpu", [](json& j) { j["task"]["resources"]["cpu"] = 0; },
       "jobs[1].task.resources.cpu: must be > 0"},
      {"ZeroInstances", [](json& j) { j["instances"] = 0; }, "jobs[1].instances: must be >= 1"},
      {"BadJobName", [](json& j) { j["name"] = "hello world"; },
       "jobs[1].name: 'hello world' must match"},
      {"BadRole", [](json& j) { j["role"] = "www/data"; }, "jobs[1].role: 'www/data' must match"},
      {"HiddenProcessName", [](json& j) { j["task"]["processes"][0]["name"] = ".x"; },
       "jobs[1].task.processes[0].name: invalid process name '.x'"},
      {"SlashProcessName", [](json& j) { j["task"]["processes"][0]["name"] = "a/b"; },
       "jobs[1].task.processes[0].name: invalid process name 'a/b'"},
      {"DuplicateProcess", [](json& j) { j["task"]["processes"][1]["name"] = "setup"; },
       "jobs[1].task.processes[1].name: duplicate process name 'setup'"},
      {"OrderUnknownProcess", [](json& j) { j["task"]["constraints"][0]["order"][1] = "nope"; },
       "jobs[1].task.constraints[0].order[1]: unknown process 'nope'"},
      {"OrderCycle",
       [](json& j) { j["task"]["constraints"].push_back({{"order", {"web", "setup"}}}); },
       "jobs[1].task.constraints: order constraints form a cycle"},
      {"DependsOnDaemon", [](json& j) { j["task"]["processes"][0]["daemon"] = true; },
       "jobs[1].task.constraints[0].order[1]: process 'web' may not depend on daemon process "
       "'setup'"},
      {"DependsOnEphemeral", [](json& j) { j["task"]["processes"][0]["ephemeral"] = true; },
       "jobs[1].task.constraints[0].order[1]: non-ephemeral process 'web' may not depend on "
       "ephemeral process 'setup'"},
      {"MixesFinal", [](json& j) { j["task"]["processes"][1]["final"] = true; },
       "jobs[1].task.constraints[0].order: an order constraint may not mix final"},
      {"UnboundTemplate", [](json& j) { j["task"]["processes"][0]["cmdline"] = "echo {{foo}}"; },
       "jobs[1].task.processes[0].cmdline: unbound template '{{foo}}'"},
      {"SelfReference", [](json& j) { j["task"]["processes"][0]["cmdline"] = "{{cmdline}}"; },
       "jobs[1].task.processes[0].cmdline: templates nest too deeply"},
      {"BadLimit", [](json& j) { j["constraints"] = {{"host", "limit:x"}}; },
       "jobs[1].constraints[host]: 'limit:x': limit must be a positive integer"},
      {"CronService",
       [](json& j) {
         j["service"] = true;
         j["cron_schedule"] = "*/5 * * * *";
       },
       "jobs[1].cron_schedule: a service may not have a cron schedule"},
      {"RunOverlap", [](json& j) { j["cron_collision_policy"] = "RUN_OVERLAP"; },
       "jobs[1].cron_collision_policy: 'RUN_OVERLAP' is not one of"},
      {"NegativeMaxFailures", [](json& j) { j["task"]["processes"][0]["max_failures"] = -1; },
       "jobs[1].task.processes[0].max_failures: must be >= 0"},
      {"BatchSize", [](json& j) { j["update_config"] = {{"batch_size", 0}}; },
       "jobs[1].update_config.batch_size: must be > 0"},
      {"IntOutOfRange", [](json& j) { j["priority"] = 1LL << 40; },
       "jobs[1].priority: integer out of range"},
  };
}

INSTANTIATE_TEST_SUITE_P(AllErrors, ParseJobsJsonErrorTest, ::testing::ValuesIn(ErrorCases()),
                         [](const auto& test_info) { return test_info.param.name; });

TEST(ParseJobsJsonTest, DocumentLevelErrors) {
  EXPECT_THAT(ParseJobsJson("{\n  \"role\": }", "x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("x.json: line 2, column 11: invalid JSON")));
  EXPECT_THAT(ParseJobsJson(R"({"jobs": {}})", "x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("x.json: jobs: expected a list of jobs")));
  EXPECT_THAT(ParseJobsJson(R"({"jobs": []})", "x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no job defined")));
  EXPECT_THAT(ParseJobsJson("[]", "x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("x.json: job: expected an object (Job)")));
  json single = MinimalJob();
  single["task"]["processes"][0]["cmdline"] = false;
  EXPECT_THAT(ParseJobsJson(single.dump(), "one.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("one.json: task.processes[0].cmdline: expected a string")));
}

TEST(ParseExecutorDataTest, ReadsTheTaskLeniently) {
  json data = MinimalJob();
  data["some_future_field"] = 1;
  data["task"]["processes"][0]["new_thing"] = true;
  data.erase("role");
  auto task = ParseExecutorData(data.dump());
  ASSERT_THAT(task, IsOk());
  EXPECT_EQ(task->name, "setup");
  ASSERT_EQ(task->processes.size(), 2u);
  EXPECT_EQ(task->processes[1].cmdline, "./web --port={{thermos.ports[http]}}");
  EXPECT_EQ(task->processes[1].min_duration_secs, 5);
  EXPECT_EQ(task->finalization_wait_secs, 30);
}

TEST(ParseExecutorDataTest, ErrorsSayExecutorData) {
  EXPECT_THAT(ParseExecutorData("nope"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                  HasSubstr("executor data: line 1")));
  EXPECT_THAT(ParseExecutorData("{}"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("executor data: task: required field missing")));
  json data = MinimalJob();
  data["task"]["processes"] = json::array();
  EXPECT_THAT(ParseExecutorData(data.dump()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("executor data: task.processes: a task needs at least one")));
}

TEST(ParseConstraintTest, ReadsTheThreeForms) {
  auto limit = ParseConstraint("host", "limit:2");
  ASSERT_THAT(limit, IsOk());
  EXPECT_TRUE(limit->is_limit);
  EXPECT_EQ(limit->limit, 2);
  auto negated = ParseConstraint("rack", "!r2,r1,r2");
  ASSERT_THAT(negated, IsOk());
  EXPECT_TRUE(negated->negated);
  EXPECT_THAT(negated->values, ElementsAre("r1", "r2"));
  auto value = ParseConstraint("zone", "z1");
  ASSERT_THAT(value, IsOk());
  EXPECT_FALSE(value->negated);
  EXPECT_FALSE(value->is_limit);
  EXPECT_THAT(value->values, ElementsAre("z1"));
  EXPECT_THAT(ParseConstraint("zone", "a,,b"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                        HasSubstr("empty value")));
  EXPECT_THAT(ParseConstraint("host", "limit:0"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                           HasSubstr("positive integer")));
}

}  // namespace
}  // namespace borealis::config
