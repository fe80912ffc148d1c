// aurora_admin: argument handling, Aurora's exit status, the verbs that need no scheduler,
// and the pure pieces of query and get_cluster_config.
#include "borealis/cli/admin_app.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>


#include "borealis/cli/admin_commands.h"
#include "borealis/cli/cli_run_testing.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/files.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::cli {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::borealis::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class AdminCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(WriteFileAtomically(tmp_.Sub("clusters.json"), R"([
      {"name": "dev", "scheduler_uri": "http://127.0.0.1:1/", "proxy_url": "http://proxy",
       "slave_run_directory": "latest", "debug": true, "zk_port": 2181,
       "hosts": ["a b", "it's"]},
      {"name": "zkonly", "zk": "zk1"}])"),
                IsOk());
    search_.clusters_env = tmp_.Sub("clusters.json");
  }

  CliRun Admin(std::vector<std::string> args) {
    return RunInProcess(&RunAdminCli, std::move(args), search_, "", "/usr/bin/aurora_admin");
  }

  TempDir tmp_;
  ClusterSearch search_;
};

TEST(AdminProgramName, OnlyTheAdminName) {
  EXPECT_TRUE(IsAdminProgramName("aurora_admin"));
  EXPECT_TRUE(IsAdminProgramName("/usr/local/bin/aurora_admin"));
  EXPECT_FALSE(IsAdminProgramName("aurora"));
  EXPECT_FALSE(IsAdminProgramName("/bin/borealis"));
  EXPECT_FALSE(IsAdminProgramName("aurora_admin2"));
}

TEST_F(AdminCliTest, EveryOtherAuroraVerbIsNotSupportedYetAndExitsOne) {
  for (const std::string& verb : UnsupportedAdminVerbs()) {
    CliRun r = Admin({verb, "dev", "--hosts", "a,b", "95", "30m"});
    EXPECT_EQ(r.code, 1) << verb;
    EXPECT_EQ(r.err, absl::StrCat("error: aurora_admin ", verb, " is not supported yet\n"));
    EXPECT_THAT(r.out, IsEmpty());
  }
}

TEST_F(AdminCliTest, BadCommandLinesExitOne) {
  EXPECT_EQ(Admin({}).code, 1);
  EXPECT_EQ(Admin({"no_such_verb", "dev"}).code, 1);
  EXPECT_EQ(Admin({"set_quota", "dev", "www-data", "4", "8GB"}).code, 1);  // no disk
  // Aurora's admin spelling only: the borealis hyphenated verb is not an admin verb.
  EXPECT_EQ(Admin({"set-quota", "dev", "www-data", "4", "8GB", "1GB"}).code, 1);
  CliRun ram = Admin({"set_quota", "dev", "www-data", "4", "8XB", "1GB"});
  EXPECT_EQ(ram.code, 1);
  EXPECT_THAT(ram.err, HasSubstr("ram"));
  CliRun cpu = Admin({"increase_quota", "dev", "www-data", "four", "8GB", "1GB"});
  EXPECT_EQ(cpu.code, 1);
  EXPECT_THAT(cpu.err, HasSubstr("four"));
  EXPECT_EQ(Admin({"--help"}).code, 0);
  CliRun help = Admin({"help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_THAT(help.out, HasSubstr("set_quota"));
}

TEST_F(AdminCliTest, GetSchedulerPrintsTheSchedulerNotTheProxy) {
  CliRun r = Admin({"--bypass-leader-redirect", "get_scheduler", "dev"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "Found leading scheduler at: http://127.0.0.1:1\n");
  CliRun zk = Admin({"get_scheduler", "zkonly"});
  EXPECT_EQ(zk.code, 1);
  EXPECT_THAT(zk.err, HasSubstr("ZooKeeper discovery is not supported yet"));
  EXPECT_THAT(Admin({"get_scheduler", "west"}).err, HasSubstr("unknown cluster 'west'"));
}

TEST_F(AdminCliTest, GetClusterConfigAsJsonAndShell) {
  CliRun json = Admin({"get_cluster_config", "dev"});
  EXPECT_EQ(json.code, 0) << json.err;
  EXPECT_EQ(json.out,
            R"({"debug": true, "hosts": ["a b", "it's"], "name": "dev", )"
            R"("proxy_url": "http://proxy", )"
            R"("scheduler_uri": "http://127.0.0.1:1/", "slave_run_directory": "latest", )"
            R"("zk_port": 2181})");
  CliRun sh = Admin({"get_cluster_config", "--sh", "dev"});
  EXPECT_EQ(sh.code, 0) << sh.err;
  EXPECT_EQ(sh.out,
            "AURORA_CLUSTER_DEBUG=1\n"
            "AURORA_CLUSTER_HOSTS_0='a b'\n"
            "AURORA_CLUSTER_HOSTS_1='it'\"'\"'s'\n"
            "AURORA_CLUSTER_NAME=dev\n"
            "AURORA_CLUSTER_PROXY_URL=http://proxy\n"
            "AURORA_CLUSTER_SCHEDULER_URI=http://127.0.0.1:1/\n"
            "AURORA_CLUSTER_SLAVE_RUN_DIRECTORY=latest\n"
            "AURORA_CLUSTER_ZK_PORT=2181\n");
  CliRun exported = Admin({"get_cluster_config", "--sh", "--export", "zkonly"});
  EXPECT_EQ(exported.out, "export AURORA_CLUSTER_NAME=zkonly\nexport AURORA_CLUSTER_ZK=zk1\n");
}

TEST_F(AdminCliTest, QueryRefusesExpensiveQueriesWithoutForce) {
  struct Case {
    std::vector<std::string> args;
    const char* why;
  };
  for (const Case& c :
       {Case{{"query", "dev"}, "(no role specified)"},
        Case{{"query", "dev", "www-data"}, "(no job specified)"},
        Case{{"query", "dev", "www-data", "web", "--states", "RUNNING,FINISHED"},
             "(states outside ACTIVE states)"}}) {
    CliRun r = Admin(c.args);
    EXPECT_EQ(r.code, 1);
    EXPECT_THAT(r.err,
                HasSubstr(absl::StrCat("--force is required for expensive queries ", c.why)));
  }
  CliRun state = Admin({"query", "dev", "www-data", "web", "--states", "RUNNING,SLEEPING"});
  EXPECT_EQ(state.code, 1);
  EXPECT_THAT(state.err,
              HasSubstr("unknown state 'SLEEPING'; valid states are: ASSIGNED,DRAINING"));
  CliRun shards = Admin({"query", "dev", "www-data", "web", "--shards", "0,x"});
  EXPECT_EQ(shards.code, 1);
  EXPECT_THAT(shards.err, HasSubstr("--shards: 'x' is not an instance id"));
  EXPECT_EQ(Admin({"query", "dev", "a", "b", "c"}).code, 1);
  // Past the checks, the call fails on the unreachable scheduler (port 1), still exit 1.
  CliRun unreachable = Admin({"query", "dev", "--force"});
  EXPECT_EQ(unreachable.code, 1);
  EXPECT_THAT(unreachable.err, HasSubstr("127.0.0.1:1"));
}

TEST(QueryPieces, StatesAndLineFormat) {
  EXPECT_THAT(*ParseQueryStates("RUNNING,PENDING"),
              ElementsAre(api::ScheduleStatus::PENDING, api::ScheduleStatus::RUNNING));
  api::ScheduledTask task;
  task.status = api::ScheduleStatus::RUNNING;
  task.assignedTask.instanceId = 3;
  task.assignedTask.slaveHost = "host-1";
  task.assignedTask.task.job.role = "www-data";
  task.assignedTask.task.job.environment = "prod";
  task.assignedTask.task.job.name = "web";
  task.assignedTask.task.isService = true;
  auto flat = FlattenTaskForQuery(task);
  EXPECT_EQ(*FormatQueryLine("%role%/%name%/%instanceId% %status%", flat),
            "www-data/web/3 RUNNING");
  EXPECT_EQ(*FormatQueryLine("%slaveHost% 100% %isService% %%", flat), "host-1 100% True %%");
  EXPECT_THAT(FormatQueryLine("%role% %nope%", flat),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--listformat: unknown key 'nope'; valid keys are: ancestorId,")));
}

// Golden file of tests/cli/golden/.
std::string Golden(const std::string& name) {
  return testing::ReadWholeFile(std::string(BOREALIS_SOURCE_DIR) + "/tests/cli/golden/" + name);
}

api::ScheduledTask QueryTask(int32_t instance, const std::string& host, int32_t http) {
  api::ScheduledTask task;
  task.status = api::ScheduleStatus::RUNNING;
  task.assignedTask.taskId = absl::StrCat("www-data-prod-web-", instance, "-abc");
  task.assignedTask.instanceId = instance;
  task.assignedTask.slaveHost = host;
  task.assignedTask.assignedPorts = {{"http", http}, {"admin", http + 1}};
  task.assignedTask.task.job.role = "www-data";
  task.assignedTask.task.job.environment = "prod";
  task.assignedTask.task.job.name = "web";
  return task;
}

// Aurora's default format, and the ones operators script with: task ids, and (beyond
// Aurora) host:port of a named port.
TEST(QueryPieces, ListFormatsGolden) {
  std::string out;
  for (const char* format : {"%role%/%name%/%instanceId% %status%", "%taskId%",
                             "%host%:%port:http%", "%slaveHost% %assignedPorts%"}) {
    absl::StrAppend(&out, "# ", format, "\n");
    for (const api::ScheduledTask& t : {QueryTask(0, "host-1", 31000), QueryTask(1, "host-2", 31005)}) {
      absl::StatusOr<std::string> line = FormatQueryLine(format, FlattenTaskForQuery(t));
      ASSERT_TRUE(line.ok()) << line.status();
      absl::StrAppend(&out, *line, "\n");
    }
  }
  EXPECT_EQ(out, Golden("admin_query.txt"));
  // A port the task does not have is an unknown key, listing the ports it has.
  EXPECT_THAT(FormatQueryLine("%port:grpc%", FlattenTaskForQuery(QueryTask(0, "h", 1))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("port:admin,port:http")));
}

TEST(AdminPieces, SchedulerResponseAsAurorasClientLogsIt) {
  api::Response ok;
  ok.responseCode = api::ResponseCode::OK;
  EXPECT_EQ(FormatSchedulerResponse(ok), "Response from scheduler: OK (message: )");
  api::Response two;
  two.responseCode = api::ResponseCode::INVALID_REQUEST;
  two.details.resize(2);
  two.details[0].message = "a";
  EXPECT_EQ(FormatSchedulerResponse(two),
            "Response from scheduler: INVALID_REQUEST (message: a, Unknown error)");
}

TEST_F(AdminCliTest, TaskVerbsCheckTheirArgumentsBeforeCallingTheScheduler) {
  CliRun type = Admin({"reconcile_tasks", "dev", "--type", "sideways"});
  EXPECT_EQ(type.code, 1);
  EXPECT_EQ(type.err, "error: --type: invalid choice: 'sideways' (choose from 'implicit', "
                      "'explicit')\n");
  CliRun batch = Admin({"reconcile_tasks", "dev", "-b", "many"});
  EXPECT_EQ(batch.code, 1);
  EXPECT_THAT(batch.err, HasSubstr("--batch_size: 'many' is not an integer"));
  CliRun states = Admin({"prune_tasks", "dev", "--states", "FINISHED,GONE"});
  EXPECT_EQ(states.code, 1);
  EXPECT_THAT(states.err, HasSubstr("--states: unknown state 'GONE'"));
  // Past the checks, the call reaches for the scheduler (port 1 is closed).
  CliRun prune = Admin({"prune_tasks", "dev", "--states", "FINISHED", "--role", "www-data"});
  EXPECT_EQ(prune.code, 1);
  EXPECT_THAT(prune.err, HasSubstr("Failed to prune tasks: cannot reach the scheduler"));
  // Aurora's admin client has no verb for forceTaskState.
  EXPECT_EQ(Admin({"force_task_state", "dev", "t", "LOST"}).code, 1);
}

TEST_F(AdminCliTest, BorealisAdminTreeUsesHyphens) {
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "admin");
    return RunCliInProcess(std::move(args), search_);
  };
  CliRun sched = run({"get-scheduler", "dev"});
  EXPECT_EQ(sched.code, 0) << sched.err;
  EXPECT_EQ(sched.out, "Found leading scheduler at: http://127.0.0.1:1\n");
  CliRun batch = run({"reconcile-tasks", "dev", "--batch-size", "x"});
  EXPECT_THAT(batch.err, HasSubstr("'x' is not an integer"));
  CliRun status = run({"force-task-state", "dev", "task-1", "SLEEPING"});
  EXPECT_EQ(status.code, kExitInvalidParameter);
  EXPECT_THAT(status.err, HasSubstr("status: unknown state 'SLEEPING'"));
  CliRun two = run({"force-task-state", "dev", "task-1", "LOST,KILLED"});
  EXPECT_THAT(two.err, HasSubstr("status: 'LOST,KILLED' must name one state"));
  // Aurora's underscores are aurora_admin's; this tree answers them as unknown.
  EXPECT_EQ(run({"reconcile_tasks", "dev"}).code, kExitInvalidCommand);
  // The query verb reads, so it has --write-json.
  CliRun query = run({"query", "dev", "--force", "--write-json"});
  EXPECT_THAT(query.err, HasSubstr("127.0.0.1:1"));
}

TEST(PythonJsonDump, SeparatorsAsPython) {
  EXPECT_EQ(PythonJsonDump(nlohmann::json::parse(R"({"b": [1, 2.5, null], "a": {"c": "é"}})")),
            R"({"a": {"c": "\u00e9"}, "b": [1, 2.5, null]})");
}

}  // namespace
}  // namespace borealis::cli
