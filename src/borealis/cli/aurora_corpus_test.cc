// .aurora files through the CLI: every corpus file of tests/aurora/ inspects (--write-json)
// to its golden JSON, every negative file fails with its file, line and field path, and a
// job survives .aurora -> TaskConfig -> JSON -> TaskConfig unchanged; `config list` only
// loads a file.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "borealis/base/clock.h"
#include "borealis/cli/app.h"
#include "borealis/cli/cli_run_testing.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/job_commands.h"
#include "borealis/cli/job_config.h"
#include "borealis/config/job_spec.h"
#include "borealis/model/job_configuration.h"
#include "borealis/testing/temp_dir.h"
#include "borealis/wire/codec.h"
#include "borealis/wire/convert.h"

namespace borealis::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

const fs::path kCorpus = fs::path(BOREALIS_SOURCE_DIR) / "tests" / "aurora";

json ReadJson(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

CliRun RunArgs(std::vector<std::string> args) { return RunCliInProcess(std::move(args)); }

std::vector<std::string> BindArgs(const std::string& file) {
  static const json binds = ReadJson(kCorpus / "binds.json");
  std::vector<std::string> args;
  if (binds.contains(file)) {
    for (const json& b : binds.at(file)) {
      args.push_back("--bind");
      args.push_back(b.get<std::string>());
    }
  }
  return args;
}

std::string Key(const json& job) {
  return job.at("cluster").get<std::string>() + "/" + job.at("role").get<std::string>() + "/" +
         job.at("environment").get<std::string>() + "/" + job.at("name").get<std::string>();
}

std::vector<fs::path> CorpusFiles() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kCorpus)) {
    if (entry.path().extension() == ".aurora") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(AuroraCorpus, InspectWriteJsonEqualsGolden) {
  std::vector<fs::path> files = CorpusFiles();
  ASSERT_FALSE(files.empty()) << "no corpus in " << kCorpus;
  int jobs_checked = 0;
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.filename().string());
    const fs::path golden_path = kCorpus / "golden" / (file.stem().string() + ".json");
    ASSERT_TRUE(fs::exists(golden_path)) << golden_path;
    const json golden = ReadJson(golden_path);
    for (const json& job : golden.at("jobs")) {
      std::vector<std::string> args = {"job", "inspect", Key(job), file.string(), "--write-json"};
      for (const std::string& b : BindArgs(file.filename().string())) args.push_back(b);
      CliRun r = RunArgs(args);
      ASSERT_EQ(r.code, 0) << Key(job) << ": " << r.err;
      json printed = json::parse(r.out);
      EXPECT_EQ(printed, job) << Key(job) << "\nprinted: " << printed.dump(2)
                              << "\ngolden:  " << job.dump(2);
      ++jobs_checked;
    }
    CliRun list = RunArgs([&] {
      std::vector<std::string> args = {"config", "list", file.string()};
      for (const std::string& b : BindArgs(file.filename().string())) args.push_back(b);
      return args;
    }());
    EXPECT_EQ(list.code, 0) << list.err;
    EXPECT_THAT(list.out, HasSubstr("jobs=["));
  }
  EXPECT_GE(jobs_checked, static_cast<int>(files.size()));
}

TEST(AuroraCorpus, EveryBadFileNamesFileLineAndField) {
  const json expected = ReadJson(kCorpus / "bad" / "expected.json");
  int checked = 0;
  for (const auto& [name, want] : expected.items()) {
    if (name.front() == '_') continue;
    SCOPED_TRACE(name);
    const std::string path = (kCorpus / "bad" / name).string();
    CliRun r = RunArgs({"job", "create", "devcluster/www-data/devel/job", path});
    EXPECT_EQ(r.code, kExitInvalidConfig) << r.err;
    std::string where = path;
    if (!want.at("line").is_null()) where += ":" + std::to_string(want.at("line").get<int>());
    if (!want.at("field_path").is_null()) where += ": " + want.at("field_path").get<std::string>();
    EXPECT_THAT(r.err, HasSubstr("error: " + where + ": ")) << r.err;
    EXPECT_THAT(r.err, HasSubstr(want.at("message").get<std::string>()));
    EXPECT_EQ(r.out, "");  // nothing was sent: no "Job create succeeded"
    ++checked;
  }
  EXPECT_GE(checked, 8);
}

TEST(AuroraCorpus, UnknownJobListsWhatTheFileDefines) {
  CliRun r = RunArgs({"job", "inspect", "devcluster/www-data/devel/nope",
                  (kCorpus / "hello_world.aurora").string()});
  EXPECT_EQ(r.code, kExitInvalidConfig);
  EXPECT_THAT(r.err, HasSubstr("no job devcluster/www-data/devel/nope in "));
  EXPECT_THAT(r.err, HasSubstr("; it defines: devcluster/"));
}

// .aurora -> TaskConfig -> Thrift JSON -> TaskConfig, and the executor data read back as a
// job file gives the same TaskConfig again.
TEST(AuroraCorpus, TaskConfigRoundTripIsIdentity) {
  for (const fs::path& file : CorpusFiles()) {
    SCOPED_TRACE(file.filename().string());
    std::vector<std::string> binds;
    std::vector<std::string> args = BindArgs(file.filename().string());
    for (size_t i = 1; i < args.size(); i += 2) binds.push_back(args[i]);
    auto jobs = LoadConfigJobs({file.string(), false, binds});
    ASSERT_TRUE(jobs.ok()) << jobs.status();
    for (const config::JobSpec& spec : *jobs) {
      auto job = ToModelJob(spec, file.string());
      ASSERT_TRUE(job.ok()) << job.status();
      std::string wire_json = wire::SerializeJson(wire::ToThrift(job->task));
      api::TaskConfig decoded;
      ASSERT_TRUE(wire::DeserializeJson(wire_json, &decoded).ok());
      auto back = wire::FromThrift(decoded);
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(*back, job->task);

      if (job->task.executor_name != "AuroraExecutor") continue;
      json data = json::parse(job->task.executor_data);
      data["instances"] = spec.instances;
      data["update_config"] = spec.original.at("update_config");
      auto reread = config::ParseJobsJson(data.dump(), "executor data");
      ASSERT_TRUE(reread.ok()) << reread.status();
      auto again = ToModelJob((*reread)[0], "executor data");
      ASSERT_TRUE(again.ok()) << again.status();
      EXPECT_EQ(*again, *job);
      EXPECT_TRUE(DiffJobs(*job, *again).empty());
    }
  }
}

// A job whose Docker image tag the cluster's registry would resolve, and a job whose
// environment is a profile value no binding gives.
constexpr char kUnbound[] = R"(
hello = Process(name = 'hello', cmdline = 'echo {{profile.greeting}}')
task = Task(processes = [hello], resources = Resources(cpu = 0.1, ram = 16*MB, disk = 16*MB))
jobs = [
  Service(cluster = 'devcluster', role = 'www-data', environment = 'devel', name = 'hello',
          task = task,
          container = Mesos(image = DockerImage(name = 'app', tag = '{{docker.image[app][1.0]}}'))),
  Job(cluster = 'devcluster', role = 'www-data', environment = '{{profile.env}}',
      name = 'batch', task = task),
]
)";

// Aurora's `config list` only loads the file: nothing is checked, nothing needs --bind,
// and what nothing binds stays in the keys as written. The verbs that use one job check it.
TEST(ConfigList, LoadsTheFileWithoutCheckingItsJobs) {
  testing::TempDir dir;
  const std::string path = dir.Sub("unbound.aurora");
  std::ofstream(path) << kUnbound;
  CliRun list = RunArgs({"config", "list", path});
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_EQ(list.out,
            "jobs=[devcluster/www-data/devel/hello, devcluster/www-data/{{profile.env}}/batch]\n");
  CliRun bound = RunArgs({"config", "list", path, "--bind", "profile.env=prod"});
  EXPECT_EQ(bound.code, 0) << bound.err;
  EXPECT_EQ(bound.out, "jobs=[devcluster/www-data/devel/hello, devcluster/www-data/prod/batch]\n");

  CliRun inspect = RunArgs({"job", "inspect", "devcluster/www-data/devel/hello", path});
  EXPECT_EQ(inspect.code, kExitInvalidConfig);
  EXPECT_THAT(inspect.err, HasSubstr("docker.image"));
}

TEST(ConfigList, NoJobsAndJsonFilesAndLoadErrors) {
  testing::TempDir dir;
  const std::string empty = dir.Sub("empty.aurora");
  std::ofstream(empty) << "x = 1\n";
  CliRun none = RunArgs({"config", "list", empty});
  EXPECT_EQ(none.code, 0) << none.err;
  EXPECT_EQ(none.out, "jobs=[]\n");

  const std::string json_file = dir.Sub("jobs.json");
  std::ofstream(json_file) << R"({"jobs": [{"cluster": "c", "role": "r", "name": "n",
                                   "environment": "{{profile.env}}"}]})";
  CliRun from_json = RunArgs({"config", "list", json_file, "--read-json"});
  EXPECT_EQ(from_json.code, 0) << from_json.err;
  EXPECT_EQ(from_json.out, "jobs=[c/r/{{profile.env}}/n]\n");
  CliRun json_bound =
      RunArgs({"config", "list", json_file, "--read-json", "--bind", "profile.env=prod"});
  EXPECT_EQ(json_bound.out, "jobs=[c/r/prod/n]\n");

  // A file that does not load is a command failure (Aurora's EXIT_COMMAND_FAILURE).
  const std::string broken = dir.Sub("broken.aurora");
  std::ofstream(broken) << "jobs = [\n";
  CliRun bad = RunArgs({"config", "list", broken});
  EXPECT_EQ(bad.code, kExitCommandFailure);
  EXPECT_THAT(bad.err, HasSubstr(broken + ":"));
  EXPECT_EQ(bad.out, "");
}

model::JobConfiguration DiffBase() {
  model::JobConfiguration job;
  job.instance_count = 2;
  job.task.tier = "preemptible";
  job.task.resources.ram_mb = 64;
  job.task.executor_data = R"({"task": {"name": "t", "processes": [{"cmdline": "a"}]}})";
  return job;
}

TEST(DiffJobs, NamesEachDifferingField) {
  model::JobConfiguration running = DiffBase();
  EXPECT_TRUE(DiffJobs(running, running).empty());
  model::JobConfiguration local = running;
  local.instance_count = 3;
  local.task.resources.ram_mb = 128;
  local.task.executor_data = R"({"task": {"name": "t", "processes": [{"cmdline": "b"}]}, "x": 1})";
  EXPECT_THAT(DiffJobs(running, local),
              ::testing::ElementsAre("instanceCount: 2 -> 3", "resources.ramMb: 64 -> 128",
                                     "executorConfig.data.task.processes[0].cmdline: \"a\" -> \"b\"",
                                     "executorConfig.data.x: (unset) -> 1"));
}

TEST(DiffJobs, AnUnsetLocalTierIsTheSchedulersToPick) {
  model::JobConfiguration running = DiffBase();
  model::JobConfiguration local = running;
  local.task.tier = "";
  EXPECT_TRUE(DiffJobs(running, local).empty());
  local.task.tier = "preferred";
  EXPECT_THAT(DiffJobs(running, local),
              ::testing::ElementsAre("tier: \"preemptible\" -> \"preferred\""));
}

TEST(FormatInspect, ShowsJobTaskAndProcesses) {
  auto jobs = LoadConfigJobs({(kCorpus / "hello_world.aurora").string(), false, {}});
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  std::string text = FormatInspect((*jobs)[0]);
  EXPECT_THAT(text, HasSubstr("Job level information\n  name:       'hello_world'\n"));
  EXPECT_THAT(text, HasSubstr("  service:    True\n"));
  EXPECT_THAT(text, HasSubstr("Task level information\n"));
  // As Aurora's client: each order at the indent of its heading.
  EXPECT_THAT(text, HasSubstr("  constraints:\n  fetch_package < hello_world\n"));
  EXPECT_THAT(text, HasSubstr("Process 'hello_world':\n  cmdline:\n    python hello_world.py"));
}

}  // namespace
}  // namespace borealis::cli
