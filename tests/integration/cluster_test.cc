// End-to-end tests with real daemons on loopback: scheduler, two agents, executors and
// real processes; the borealis CLI drives them as a user would.
#include <signal.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "borealis/net/http_client.h"

namespace borealis::integration {
namespace {

constexpr char kWebJob[] = R"({
  "name": "web", "role": "www-data", "environment": "devel", "cluster": "devcluster",
  "instances": 3, "service": true,
  "task": {
    "name": "web",
    "processes": [{
      "name": "server",
      "cmdline": "echo {{thermos.ports[http]}} > port.txt; echo {{mesos.instance}} > instance.txt; while [ ! -e exit_now ]; do sleep 0.1; done; exit 3"
    }],
    "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}
  }
})";

bool AllIn(const std::vector<api::ScheduledTask>& tasks, api::ScheduleStatus::type s, size_t n) {
  if (tasks.size() != n) return false;
  for (const auto& t : tasks) {
    if (t.status != s) return false;
  }
  return true;
}

bool ProcessAlive(pid_t pid) { return kill(pid, 0) == 0; }

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.StartScheduler();
    cluster_.StartAgent(0);
    cluster_.StartAgent(1);
    job_file_ = cluster_.WriteJobFile("web.json", kWebJob);
  }

  void CreateWeb() {
    CommandResult r = cluster_.Cli({"job", "create", "devcluster/www-data/devel/web", job_file_,
                                    "--read-json", "--wait-until", "RUNNING"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_TRUE(WaitFor([&] { return AllIn(Active(), api::ScheduleStatus::RUNNING, 3); }, 30'000))
        << cluster_.Cli({"job", "status", "devcluster/www-data/devel/web"}).output;
  }

  std::vector<api::ScheduledTask> Active() { return cluster_.JobTasks("www-data", "devel", "web", true); }
  std::vector<api::ScheduledTask> All() { return cluster_.JobTasks("www-data", "devel", "web", false); }

  int AgentIndexOf(const api::ScheduledTask& t) {
    return t.assignedTask.slaveHost == cluster_.AgentHost(0) ? 0 : 1;
  }

  std::string Sandbox(const api::ScheduledTask& t) {
    return cluster_.AgentWorkDir(AgentIndexOf(t)) + "/sandboxes/" + t.assignedTask.taskId + "/sandbox";
  }

  LocalCluster cluster_;
  std::string job_file_;
};

TEST_F(ClusterTest, ServiceJobRunsIsRescheduledAndKilled) {
  CreateWeb();
  auto tasks = Active();
  std::set<std::string> hosts;
  for (const auto& t : tasks) {
    hosts.insert(t.assignedTask.slaveHost);
    // Templates were resolved on the machine: the assigned port and the instance.
    const int port = t.assignedTask.assignedPorts.at("http");
    EXPECT_TRUE(WaitFor([&] { return !ReadFile(Sandbox(t) + "/port.txt").empty(); }, 10'000));
    EXPECT_EQ(std::atoi(ReadFile(Sandbox(t) + "/port.txt").c_str()), port);
    EXPECT_EQ(std::atoi(ReadFile(Sandbox(t) + "/instance.txt").c_str()), t.assignedTask.instanceId);
  }
  EXPECT_EQ(hosts.size(), 2u) << "three instances spread over both agents";

  // Instance 0's process exits: the task fails and a new one takes its place.
  api::ScheduledTask victim;
  for (const auto& t : tasks) {
    if (t.assignedTask.instanceId == 0) victim = t;
  }
  WriteFile(Sandbox(victim) + "/exit_now", "");
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const auto& t : Active()) {
          if (t.assignedTask.instanceId == 0 && t.ancestorId == victim.assignedTask.taskId &&
              t.status == api::ScheduleStatus::RUNNING) {
            return true;
          }
        }
        return false;
      },
      30'000));
  for (const auto& t : All()) {
    if (t.assignedTask.taskId == victim.assignedTask.taskId) {
      EXPECT_EQ(t.status, api::ScheduleStatus::FAILED);
    }
  }
  EXPECT_TRUE(AllIn(Active(), api::ScheduleStatus::RUNNING, 3));

  // Kill the job: every task KILLED, every process gone.
  std::vector<pid_t> pids;
  for (const auto& t : Active()) {
    for (pid_t p : cluster_.TaskProcessPids(t.assignedTask.taskId)) pids.push_back(p);
  }
  ASSERT_EQ(pids.size(), 3u);
  CommandResult kill = cluster_.Cli({"job", "kill", "devcluster/www-data/devel/web"});
  ASSERT_EQ(kill.exit_code, 0) << kill.output;
  ASSERT_TRUE(WaitFor([&] { return Active().empty(); }, 30'000));
  int killed = 0;
  for (const auto& t : All()) killed += t.status == api::ScheduleStatus::KILLED ? 1 : 0;
  EXPECT_EQ(killed, 3);
  EXPECT_TRUE(WaitFor([&] {
    for (pid_t p : pids) {
      if (ProcessAlive(p)) return false;
    }
    return true;
  }, 10'000));
}

TEST_F(ClusterTest, SchedulerCrashLosesNothing) {
  CreateWeb();
  std::set<std::string> before;
  for (const auto& t : Active()) before.insert(t.assignedTask.taskId);

  cluster_.KillScheduler();
  cluster_.StartScheduler();
  // Past the agent timeout (3 s): agents re-registered, nothing was lost or duplicated.
  ASSERT_TRUE(WaitFor([&] {
    auto vars = net::HttpCall("GET", "127.0.0.1", cluster_.scheduler_port(), "/vars", "", "", 2000);
    return vars.ok() && vars->body.find("agents_connected 2") != std::string::npos;
  }, 20'000));
  // Past the agent timeout, every task must stay RUNNING the whole time.
  EXPECT_TRUE(StaysTrue([&] { return AllIn(All(), api::ScheduleStatus::RUNNING, 3); }, 4000));
  auto all = All();
  std::set<std::string> after;
  for (const auto& t : all) {
    after.insert(t.assignedTask.taskId);
    EXPECT_EQ(t.status, api::ScheduleStatus::RUNNING) << t.assignedTask.taskId;
  }
  EXPECT_EQ(before, after);
  EXPECT_EQ(all.size(), 3u);
}

TEST_F(ClusterTest, LostAgentsTasksRunAgainElsewhere) {
  CreateWeb();
  auto tasks = Active();
  const int doomed = AgentIndexOf(tasks[0]);
  std::set<std::string> doomed_tasks;
  for (const auto& t : tasks) {
    if (AgentIndexOf(t) == doomed) doomed_tasks.insert(t.assignedTask.taskId);
  }
  cluster_.KillAgent(doomed);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto active = Active();
        if (!AllIn(active, api::ScheduleStatus::RUNNING, 3)) return false;
        for (const auto& t : active) {
          if (AgentIndexOf(t) == doomed) return false;
        }
        return true;
      },
      40'000));
  for (const auto& t : All()) {
    if (doomed_tasks.count(t.assignedTask.taskId)) {
      EXPECT_EQ(t.status, api::ScheduleStatus::LOST);
    }
  }
}

TEST_F(ClusterTest, BadInputGetsClearErrorsAndStoresNothing) {
  // Malformed job file: named, with a non-zero exit.
  std::string bad = cluster_.WriteJobFile("bad.json", "{\"name\": \"web\", ");
  CommandResult r = cluster_.Cli({"job", "create", "devcluster/www-data/devel/web", bad, "--read-json"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("bad.json"), std::string::npos) << r.output;

  // Unknown cluster.
  r = cluster_.Cli({"job", "create", "nocluster/www-data/devel/web", job_file_, "--read-json"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("nocluster"), std::string::npos) << r.output;

  // More than any agent has.
  std::string huge = kWebJob;
  huge.replace(huge.find("\"ram\": 16777216"), 15, "\"ram\": 1099511627776");
  r = cluster_.Cli({"job", "create", "devcluster/www-data/devel/web",
                    cluster_.WriteJobFile("huge.json", huge), "--read-json"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("ram"), std::string::npos) << r.output;
  EXPECT_TRUE(All().empty());

  // Duplicate create.
  CreateWeb();
  r = cluster_.Cli({"job", "create", "devcluster/www-data/devel/web", job_file_, "--read-json"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("already exists"), std::string::npos) << r.output;
  EXPECT_EQ(Active().size(), 3u);

  // A malformed API body: 400, and the scheduler keeps serving.
  auto garbage = net::HttpCall("POST", "127.0.0.1", cluster_.scheduler_port(), "/api", "[1,\"x",
                               "application/vnd.apache.thrift.json", 5000);
  ASSERT_TRUE(garbage.ok());
  EXPECT_EQ(garbage->status, 400);
  auto health = net::HttpCall("GET", "127.0.0.1", cluster_.scheduler_port(), "/health", "", "", 5000);
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace borealis::integration
