// Recovery with real daemons (issue 4, item 6): an agent killed with SIGKILL and started
// again over the same work dir re-attaches to its running executors without restarting
// a process or repeating a status update; an executor killed with SIGKILL has its task
// reported (FAILED or LOST), its processes killed, and the task rescheduled.
#include <signal.h>

#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "borealis/net/http_client.h"

namespace borealis::integration {
namespace {

constexpr int kInstances = 20;

constexpr char kSleepJob[] = R"({
  "name": "sleepers", "role": "www-data", "environment": "devel", "cluster": "devcluster",
  "instances": 20, "service": true,
  "task": {
    "name": "sleepers",
    "processes": [{"name": "sleep", "cmdline": "sleep 1000"}],
    "resources": {"cpu": 0.05, "ram": 8388608, "disk": 8388608}
  }
})";

// What one task's status.json says about its executor and its process.
struct TaskPids {
  int executor_pid = 0;
  int process_pid = 0;
  bool operator==(const TaskPids&) const = default;
};

// True once `pid` is gone or only a zombie waiting for its reaper.
bool ProcessGone(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  return close == std::string::npos || (close + 2 < stat.size() && stat[close + 2] == 'Z');
}

class RecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Long enough that the scheduler keeps the agent while it restarts.
    cluster_.set_agent_timeout_ms(30'000);
    // The killed executor's task ran briefly; reschedule it without the flapping penalty.
    cluster_.add_scheduler_flags({"--initial-flapping-task-delay-ms", "100"});
    cluster_.StartScheduler();
    cluster_.StartAgent(0);
  }

  std::vector<api::ScheduledTask> Active() {
    return cluster_.JobTasks("www-data", "devel", "sleepers", true);
  }
  std::vector<api::ScheduledTask> All() {
    return cluster_.JobTasks("www-data", "devel", "sleepers", false);
  }

  bool AllRunning() {
    auto tasks = Active();
    if (tasks.size() != static_cast<size_t>(kInstances)) return false;
    for (const auto& t : tasks) {
      if (t.status != api::ScheduleStatus::RUNNING) return false;
    }
    return true;
  }

  TaskPids Pids(const std::string& task_id) {
    TaskPids pids;
    auto doc = nlohmann::json::parse(cluster_.TaskStatusJson(0, task_id), nullptr, false);
    if (doc.is_discarded()) return pids;
    pids.executor_pid = doc.value("executor_pid", 0);
    if (doc.contains("processes") && doc["processes"].contains("sleep")) {
      pids.process_pid = doc["processes"]["sleep"].value("pid", 0);
    }
    return pids;
  }

  std::map<std::string, TaskPids> AllPids() {
    std::map<std::string, TaskPids> out;
    for (const auto& t : Active()) out[t.assignedTask.taskId] = Pids(t.assignedTask.taskId);
    return out;
  }

  bool AgentConnected() {
    auto vars = net::HttpCall("GET", "127.0.0.1", cluster_.scheduler_port(), "/vars", "", "", 2000);
    return vars.ok() && vars->body.find("agents_connected 1") != std::string::npos;
  }

  LocalCluster cluster_;
};

int CountEvents(const api::ScheduledTask& t, api::ScheduleStatus::type status) {
  int n = 0;
  for (const auto& e : t.taskEvents) n += e.status == status ? 1 : 0;
  return n;
}

TEST_F(RecoveryTest, AgentRestartKeepsTasksAndExecutorDeathIsReported) {
  CommandResult r = cluster_.Cli({"job", "create", "devcluster/www-data/devel/sleepers",
                                  cluster_.WriteJobFile("sleepers.json", kSleepJob), "--read-json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(WaitFor([&] { return AllRunning(); }, 60'000))
      << cluster_.Cli({"job", "status", "devcluster/www-data/devel/sleepers"}).output;
  std::map<std::string, TaskPids> before = AllPids();
  ASSERT_EQ(before.size(), static_cast<size_t>(kInstances));
  for (const auto& [id, pids] : before) {
    ASSERT_GT(pids.executor_pid, 0) << id;
    ASSERT_GT(pids.process_pid, 0) << id;
  }

  // kill -9 the agent; its executors and their processes run on.
  cluster_.KillAgent(0);
  for (const auto& [id, pids] : before) {
    EXPECT_FALSE(ProcessGone(pids.executor_pid)) << id;
    EXPECT_FALSE(ProcessGone(pids.process_pid)) << id;
  }
  cluster_.StartAgent(0);
  ASSERT_TRUE(WaitFor([&] { return AgentConnected(); }, 20'000));
  // Past a few resend intervals of the agent (3 s), everything stays as it was.
  EXPECT_TRUE(StaysTrue([&] { return AllRunning(); }, 4000));
  std::map<std::string, TaskPids> after = AllPids();
  EXPECT_EQ(before, after) << "a process or executor was restarted";
  for (const auto& [id, pids] : after) EXPECT_FALSE(ProcessGone(pids.process_pid)) << id;
  // One RUNNING event per task: no update was repeated to the scheduler as a new state.
  for (const auto& t : All()) {
    EXPECT_EQ(CountEvents(t, api::ScheduleStatus::RUNNING), 1) << t.assignedTask.taskId;
    EXPECT_EQ(CountEvents(t, api::ScheduleStatus::STARTING), 1) << t.assignedTask.taskId;
  }

  // kill -9 one executor: its task ends FAILED or LOST, its sleep is killed, and a new
  // task takes the instance.
  const std::string victim = before.begin()->first;
  const TaskPids victim_pids = before.begin()->second;
  ASSERT_EQ(::kill(victim_pids.executor_pid, SIGKILL), 0);
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const auto& t : All()) {
          if (t.assignedTask.taskId == victim) {
            return t.status == api::ScheduleStatus::FAILED || t.status == api::ScheduleStatus::LOST;
          }
        }
        return false;
      },
      20'000));
  EXPECT_TRUE(WaitFor([&] { return ProcessGone(victim_pids.process_pid); }, 10'000));
  EXPECT_TRUE(WaitFor(
      [&] {
        for (const auto& t : Active()) {
          if (t.ancestorId == victim && t.status == api::ScheduleStatus::RUNNING) return true;
        }
        return false;
      },
      30'000));
  // The others were not touched.
  for (const auto& [id, pids] : before) {
    if (id == victim) continue;
    EXPECT_FALSE(ProcessGone(pids.process_pid)) << id;
  }
}

}  // namespace
}  // namespace borealis::integration
