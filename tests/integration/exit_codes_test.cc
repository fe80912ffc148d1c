// Aurora's exit codes by failure class, through the real `borealis` binary (and its
// `aurora` name) against fake schedulers with fixed replies: one row per class and the way
// a user or a script meets it (docs/aurora-compatibility.md, "Exit codes").
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "borealis/cli/fake_scheduler_testing.h"
#include "borealis/testing/temp_dir.h"
#include "harness.h"

namespace borealis::integration {
namespace {

namespace fs = std::filesystem;
using cli::FakeScheduler;

std::string Example(const std::string& file) {
  return std::string(BOREALIS_SOURCE_DIR) + "/examples/" + file;
}

api::Response PendingTasks(int count) {
  api::Result result;
  result.__set_scheduleStatusResult(api::ScheduleStatusResult());
  std::vector<api::ScheduledTask> tasks;
  for (int i = 0; i < count; ++i) {
    api::ScheduledTask t;
    t.assignedTask.__set_taskId(absl::StrCat("www-data-devel-hello_templates-", i, "-x"));
    t.assignedTask.__set_instanceId(i);
    t.assignedTask.task.job.__set_name("hello_templates");
    t.__set_status(api::ScheduleStatus::PENDING);
    tasks.push_back(t);
  }
  result.scheduleStatusResult.__set_tasks(tasks);
  return FakeScheduler::Ok(result);
}

struct ExitCase {
  const char* what;
  std::vector<std::string> args;
  int code;
  std::function<void(FakeScheduler&)> setup;  // on the devcluster fake, before the run
};

TEST(ExitCodesTest, EachFailureClassThroughTheBinary) {
  testing::TempDir dir;
  FakeScheduler devcluster, refusing, broken;
  ASSERT_TRUE(devcluster.started() && refusing.started() && broken.started());
  refusing.SetHttpStatus(401);
  broken.SetHttpStatus(500);
  WriteFile(dir.Sub("clusters.json"),
            absl::StrCat(R"([{"name": "devcluster", "scheduler_uri": ")", devcluster.uri(),
                         R"("}, {"name": "refusing", "scheduler_uri": ")", refusing.uri(),
                         R"("}, {"name": "broken", "scheduler_uri": ")", broken.uri(),
                         R"("}, {"name": "down", "scheduler_uri": "http://127.0.0.1:1"},
                            {"name": "zk_only", "zk": "zk.example:2181"}])"));
  const std::string bad_file = dir.Sub("bad.aurora");
  WriteFile(bad_file, "jobs = [\n  Job(name = 'x',\n");
  const std::string counted = dir.Sub("counted.aurora");
  WriteFile(counted,
            "jobs = [Job(cluster = 'devcluster', role = 'www-data', environment = 'devel',\n"
            "            name = 'hello_templates', instances = '{{count}}',\n"
            "            task = Task(processes = [Process(name = 'p', cmdline = 'true')],\n"
            "                        resources = Resources(cpu = 0.1, ram = MB, disk = MB)))]\n");
  const std::string key = "devcluster/www-data/devel/hello_templates";
  const std::string templates = Example("templates.aurora");
  auto ok = [](const char* method) {
    return [method](FakeScheduler& f) { f.SetReply(method, FakeScheduler::Ok(api::Result())); };
  };

  const std::vector<ExitCase> cases = {
      {"success", {"job", "create", key, templates}, 0, ok("createJob")},
      {"success, aurora's name", {"config", "list", templates}, 0, nullptr},
      {"invalid config: a file that does not load", {"job", "create", key, bad_file}, 3, nullptr},
      {"invalid config: a bad --bind", {"job", "inspect", key, counted, "--bind", "count=x"}, 3,
       nullptr},
      {"invalid config: unknown cluster", {"job", "list", "nowhere/www-data"}, 3, nullptr},
      {"invalid config: a cluster without a scheduler_uri", {"job", "list", "zk_only/www-data"}, 3,
       nullptr},
      {"command failure: config list of a file that does not load", {"config", "list", bad_file}, 4,
       nullptr},
      {"command failure: job create of a cron job",
       {"job", "create", "devcluster/www-data/devel/nightly_report", Example("cron.aurora")}, 4,
       nullptr},
      {"invalid command: unknown verb", {"job", "frobnicate"}, 5, nullptr},
      {"invalid command: unknown option", {"job", "list", "devcluster", "--frobnicate"}, 5, nullptr},
      {"invalid command: missing argument", {"job", "create", key}, 5, nullptr},
      {"invalid parameter: malformed job key", {"job", "status", "devcluster/www-data/devel/a/b/c"}, 6,
       nullptr},
      {"invalid parameter: malformed instances", {"job", "kill", key + "/1-x"}, 6, nullptr},
      {"invalid parameter: no matching job", {"job", "status", key}, 6,
       [](FakeScheduler& f) { f.SetReply("getTasksWithoutConfigs", PendingTasks(0)); }},
      {"invalid parameter: no cron entry", {"cron", "show", key}, 6,
       [](FakeScheduler& f) {
         api::Result r;
         r.__set_getJobsResult(api::GetJobsResult());
         f.SetReply("getJobs", FakeScheduler::Ok(r));
       }},
      {"network error: nothing listens", {"job", "list", "down/www-data"}, 7, nullptr},
      {"timeout: --wait-until runs out",
       {"job", "create", key, templates, "--wait-until", "RUNNING", "--wait-timeout", "1"}, 9,
       [](FakeScheduler& f) {
         f.SetReply("createJob", FakeScheduler::Ok(api::Result()));
         f.SetReply("getTasksWithoutConfigs", PendingTasks(2));
       }},
      {"API error: a refusal", {"job", "create", key, templates}, 10,
       [](FakeScheduler& f) {
         f.SetReply("createJob",
                    FakeScheduler::Refusal(api::ResponseCode::INVALID_REQUEST, "no"));
       }},
      {"API error: AUTH_FAILED in the response", {"job", "killall", key, "--no-wait"}, 10,
       [](FakeScheduler& f) {
         f.SetReply("killTasks", FakeScheduler::Refusal(api::ResponseCode::AUTH_FAILED, "who?"));
       }},
      {"API error: HTTP 500", {"job", "list", "broken/www-data"}, 10, nullptr},
      {"authentication error: HTTP 401", {"quota", "get", "refusing/www-data"}, 30, nullptr},
  };
  for (const ExitCase& c : cases) {
    if (c.setup) c.setup(devcluster);
    std::vector<std::string> argv{BinDir() + "/borealis"};
    if (std::string(c.what).find("aurora's name") != std::string::npos) {
      argv = {dir.Sub("aurora")};
      fs::create_symlink(BinDir() + "/borealis", argv[0]);
    }
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    CommandResult r =
        RunCommand(argv, {{"BOREALIS_CLUSTERS", dir.Sub("clusters.json")}, {"HOME", dir.path()}});
    EXPECT_EQ(r.exit_code, c.code) << c.what << ":\n" << r.output;
    if (c.code != 0) {
      EXPECT_FALSE(r.output.empty()) << c.what << ": a failure says why";
    }
  }
}

}  // namespace
}  // namespace borealis::integration
