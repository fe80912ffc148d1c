// Job selection from a JSON file, --wait-until evaluation, exit codes, and --version.
#include "borealis/cli/job_commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <sstream>

#include "borealis/base/clock.h"
#include "borealis/cli/app.h"
#include "borealis/cli/cli_run_testing.h"
#include "absl/strings/str_cat.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/net/http_server.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::cli {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::testing::HasSubstr;

config::JobSpec Spec(std::string cluster, std::string role, std::string env, std::string name) {
  config::JobSpec s;
  s.cluster = std::move(cluster);
  s.role = std::move(role);
  s.environment = std::move(env);
  s.name = std::move(name);
  return s;
}

ClusterJobKey Key(const std::string& text) { return *ParseJobKey(text); }

TEST(SelectJob, PicksByNameThenByKey) {
  std::vector<config::JobSpec> jobs = {Spec("dev", "www", "prod", "web"),
                                       Spec("dev", "www", "devel", "web"),
                                       Spec("dev", "www", "prod", "db")};
  EXPECT_EQ(*SelectJob(jobs, Key("dev/www/devel/web"), "f.json"), 1u);
  EXPECT_EQ(*SelectJob(jobs, Key("dev/www/prod/db"), "f.json"), 2u);
}

TEST(SelectJob, ErrorsNameFileAndCandidates) {
  std::vector<config::JobSpec> jobs = {Spec("dev", "www", "prod", "web"),
                                       Spec("dev", "www", "devel", "web"),
                                       Spec("dev", "www", "prod", "db")};
  auto none = SelectJob(jobs, Key("dev/www/prod/cache"), "f.json");
  EXPECT_THAT(none, StatusIs(absl::StatusCode::kInvalidArgument,
                             HasSubstr("no job named 'cache' in f.json; it defines: "
                                       "dev/www/prod/web, dev/www/devel/web, dev/www/prod/db")));
  EXPECT_EQ(ExitCodeFor(none.status()), kExitInvalidConfig);
  EXPECT_THAT(SelectJob(jobs, Key("dev/www/test/web"), "f.json"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no job 'web' in f.json is dev/www/test/web")));
  EXPECT_THAT(SelectJob(jobs, Key("other/www/prod/db"), "f.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("does not match job 'db' in f.json, which is dev/www/prod/db")));
  std::vector<config::JobSpec> twins = {Spec("dev", "www", "prod", "web"),
                                        Spec("dev", "www", "prod", "web")};
  EXPECT_THAT(SelectJob(twins, Key("dev/www/prod/web"), "f.json"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2 jobs are dev/www/prod/web")));
  EXPECT_THAT(SelectJob({}, Key("dev/www/prod/web"), "f.json"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("it defines no jobs")));
}

api::ScheduledTask Task(int32_t instance, api::ScheduleStatus::type status, int64_t at,
                        const std::string& id) {
  api::ScheduledTask t;
  t.assignedTask.instanceId = instance;
  t.assignedTask.taskId = id;
  t.status = status;
  api::TaskEvent e;
  e.timestamp = at;
  e.status = status;
  e.__set_message("because");
  t.taskEvents.push_back(e);
  return t;
}

TEST(ParseWaitTarget, Names) {
  EXPECT_EQ(*ParseWaitTarget("running"), WaitTarget::kRunning);
  EXPECT_EQ(*ParseWaitTarget("PENDING"), WaitTarget::kPending);
  EXPECT_EQ(*ParseWaitTarget("Finished"), WaitTarget::kFinished);
  EXPECT_THAT(ParseWaitTarget("STARTING"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("PENDING, RUNNING or FINISHED")));
}

TEST(EvaluateWait, RunningNeedsEveryInstance) {
  using S = api::ScheduleStatus;
  std::vector<api::ScheduledTask> tasks = {Task(0, S::RUNNING, 5, "a"), Task(1, S::PENDING, 5, "b")};
  WaitState s = EvaluateWait(WaitTarget::kRunning, {0, 1}, tasks, "c/r/e/n");
  EXPECT_FALSE(s.done);
  EXPECT_THAT(s.failure, IsOk());
  EXPECT_EQ(s.summary, "1 PENDING, 1 RUNNING");
  EXPECT_TRUE(EvaluateWait(WaitTarget::kPending, {0, 1}, tasks, "j").done);
  EXPECT_FALSE(EvaluateWait(WaitTarget::kPending, {0, 1, 2}, tasks, "j").done);

  tasks[1] = Task(1, S::RUNNING, 6, "b");
  EXPECT_TRUE(EvaluateWait(WaitTarget::kRunning, {0, 1}, tasks, "j").done);
  EXPECT_FALSE(EvaluateWait(WaitTarget::kFinished, {0, 1}, tasks, "j").done);
}

TEST(EvaluateWait, RescheduledInstanceKeepsWaitingAndDeadInstanceFails) {
  using S = api::ScheduleStatus;
  // Instance 1 failed and was replaced by a PENDING task: still on its way.
  std::vector<api::ScheduledTask> tasks = {Task(0, S::RUNNING, 5, "a"), Task(1, S::FAILED, 5, "b"),
                                           Task(1, S::PENDING, 6, "c")};
  WaitState s = EvaluateWait(WaitTarget::kRunning, {0, 1}, tasks, "j");
  EXPECT_FALSE(s.done);
  EXPECT_THAT(s.failure, IsOk());
  // No replacement: it can never run.
  tasks.pop_back();
  s = EvaluateWait(WaitTarget::kRunning, {0, 1}, tasks, "c/r/e/n");
  EXPECT_FALSE(s.done);
  EXPECT_THAT(s.failure, StatusIs(absl::StatusCode::kFailedPrecondition,
                                  "instance 1 of c/r/e/n ended FAILED: because"));
  EXPECT_EQ(ExitCodeFor(s.failure), kExitCommandFailure);
  // A task that already FINISHED has been running.
  tasks[1] = Task(1, S::FINISHED, 5, "b");
  EXPECT_TRUE(EvaluateWait(WaitTarget::kRunning, {0, 1}, tasks, "j").done);
}

TEST(EvaluateWait, FinishedNeedsNoActiveTask) {
  using S = api::ScheduleStatus;
  std::vector<api::ScheduledTask> tasks = {Task(0, S::FINISHED, 5, "a"), Task(1, S::KILLING, 5, "b")};
  EXPECT_FALSE(EvaluateWait(WaitTarget::kFinished, {0, 1}, tasks, "j").done);
  tasks[1] = Task(1, S::KILLED, 6, "b");
  WaitState s = EvaluateWait(WaitTarget::kFinished, {0, 1}, tasks, "j");
  EXPECT_TRUE(s.done);
  EXPECT_EQ(s.summary, "1 FINISHED, 1 KILLED");
}

TEST(SplitTasks, ActiveAndInactiveSortedByInstance) {
  using S = api::ScheduleStatus;
  std::vector<api::ScheduledTask> active, inactive;
  SplitTasks({Task(2, S::RUNNING, 1, "z"), Task(0, S::FAILED, 1, "y"), Task(0, S::PENDING, 2, "x"),
              Task(1, S::RUNNING, 1, "w")},
             &active, &inactive);
  ASSERT_EQ(active.size(), 3u);
  EXPECT_EQ(active[0].assignedTask.taskId, "x");
  EXPECT_EQ(active[1].assignedTask.taskId, "w");
  EXPECT_EQ(active[2].assignedTask.taskId, "z");
  ASSERT_EQ(inactive.size(), 1u);
  EXPECT_EQ(inactive[0].assignedTask.taskId, "y");
}

// Aurora's client's EXIT_* numbers, and a failure class for every status code.
TEST(ExitCodes, PinnedAndMapped) {
  EXPECT_EQ(kExitInvalidConfig, 3);
  EXPECT_EQ(kExitCommandFailure, 4);
  EXPECT_EQ(kExitInvalidCommand, 5);
  EXPECT_EQ(kExitInvalidParameter, 6);
  EXPECT_EQ(kExitNetworkError, 7);
  EXPECT_EQ(kExitTimeout, 9);
  EXPECT_EQ(kExitApiError, 10);
  EXPECT_EQ(kExitUnknownError, 20);
  EXPECT_EQ(kExitAuthError, 30);
  EXPECT_EQ(kExitInterrupted, 130);

  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), 0);
  EXPECT_EQ(ExitCodeFor(absl::UnavailableError("down")), kExitNetworkError);
  EXPECT_EQ(ExitCodeFor(absl::DeadlineExceededError("slow")), kExitTimeout);
  EXPECT_EQ(ExitCodeFor(WithExitCode(absl::InternalError("api"), kExitApiError)), kExitApiError);
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("x")), kExitInvalidParameter);
  EXPECT_EQ(ExitCodeFor(absl::PermissionDeniedError("x")), kExitAuthError);
  EXPECT_EQ(ExitCodeFor(absl::UnauthenticatedError("x")), kExitAuthError);
  EXPECT_EQ(ExitCodeFor(absl::NotFoundError("x")), kExitCommandFailure);
  EXPECT_EQ(ExitCodeFor(absl::AlreadyExistsError("x")), kExitCommandFailure);
  EXPECT_EQ(ExitCodeFor(absl::FailedPreconditionError("x")), kExitCommandFailure);
  EXPECT_EQ(ExitCodeFor(absl::CancelledError("x")), kExitInterrupted);
  EXPECT_EQ(ExitCodeFor(absl::InternalError("x")), kExitUnknownError);
  EXPECT_EQ(ExitCodeFor(absl::DataLossError("x")), kExitUnknownError);
  // Nothing falls through to 1, which only `job diff` uses (as diff(1) does).
  for (int code = 1; code <= 16; ++code) {
    absl::Status s(static_cast<absl::StatusCode>(code), "x");
    EXPECT_NE(ExitCodeFor(s), kExitGeneric) << s;
  }
}

CliRun RunCommand(std::vector<std::string> args, const std::string& clusters_json = "",
                  const std::string& argv0 = "borealis") {
  testing::TempDir dir;
  ClusterSearch search;
  search.clusters_env = dir.Sub("clusters.json");
  search.etc_dir = dir.Sub("etc");
  std::ofstream(*search.clusters_env) << (clusters_json.empty() ? "[]" : clusters_json);
  return RunCliInProcess(std::move(args), std::move(search), dir.path(), argv0);
}

// As Aurora's client: an unknown cluster is an invalid configuration, a scheduler that
// cannot be reached a network error, a bad argument an invalid parameter.
TEST(ExitCodes, EachFailureClassEndToEnd) {
  const std::string clusters = R"([{"name": "down", "scheduler_uri": "http://127.0.0.1:1"},
                                   {"name": "zk", "zk": "zk.example:2181"}])";
  CliRun unknown = RunCommand({"quota", "get", "nowhere/www-data"}, clusters);
  EXPECT_EQ(unknown.code, kExitInvalidConfig) << unknown.err;
  EXPECT_THAT(unknown.err, HasSubstr("unknown cluster 'nowhere'"));
  CliRun zk_only = RunCommand({"job", "list", "zk/www-data"}, clusters);
  EXPECT_EQ(zk_only.code, kExitInvalidConfig) << zk_only.err;
  CliRun down = RunCommand({"quota", "get", "down/www-data"}, clusters);
  EXPECT_EQ(down.code, kExitNetworkError) << down.err;
  CliRun bad_role = RunCommand({"quota", "get", "down"}, clusters);
  EXPECT_EQ(bad_role.code, kExitInvalidParameter) << bad_role.err;
  CliRun no_verb = RunCommand({"job", "frobnicate"}, clusters);
  EXPECT_EQ(no_verb.code, kExitInvalidCommand) << no_verb.err;
}

// A scheduler that refuses the caller (HTTP 401 or 403) is Aurora's EXIT_AUTH_ERROR; any
// other HTTP error an API error.
TEST(ExitCodes, RefusedByTheSchedulerIsAnAuthError) {
  std::atomic<int> status{401};
  net::HttpServer server(net::HttpServer::Options{});
  server.Route("POST", "/api", [&status](const net::HttpRequest&) {
    return net::HttpResponse::Text(status.load(), "no\n");
  });
  ASSERT_TRUE(server.Start().ok());
  const std::string clusters = absl::StrCat(
      R"([{"name": "locked", "scheduler_uri": "http://127.0.0.1:)", server.port(), R"("}])");
  for (int code : {401, 403, 500}) {
    status.store(code);
    CliRun r = RunCommand({"quota", "get", "locked/www-data"}, clusters);
    EXPECT_EQ(r.code, code == 500 ? kExitApiError : kExitAuthError) << code << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr(absl::StrCat("HTTP ", code))) << r.err;
  }
  server.Stop();
}

// Aurora's client prints its bare version and exits 0; so does the `aurora` alias.
TEST(Version, PrintsTheBareVersion) {
  for (const char* argv0 : {"borealis", "/usr/local/bin/aurora"}) {
    CliRun r = RunCommand({"--version"}, "", argv0);
    EXPECT_EQ(r.code, 0) << argv0 << ": " << r.err;
    EXPECT_EQ(r.out, std::string(kVersion) + "\n") << argv0;
    EXPECT_EQ(r.err, "") << argv0;
  }
  CliRun help = RunCommand({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_THAT(help.out, HasSubstr("--version"));
}

}  // namespace
}  // namespace borealis::cli
