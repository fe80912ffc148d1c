// `job restart` end to end (docs/aurora-compatibility.md, "job restart"): the client
// restarts batches through restartShards on a real scheduler and agents and watches the
// new tasks stay RUNNING.
#include <gtest/gtest.h>

#include <set>

#include "harness.h"

namespace borealis::integration {
namespace {

// `fail_marker`: while that file exists, a task started afterwards dies 1.5 s after it
// starts running (the restarted ones, not those already running).
std::string ServiceJob(const std::string& fail_marker) {
  return R"({
  "name": "web", "role": "www-data", "environment": "devel", "cluster": "devcluster",
  "instances": 3, "service": true,
  "task": {
    "name": "web",
    "processes": [{
      "name": "server",
      "cmdline": "if [ -e )" + fail_marker + R"( ]; then sleep 1.5; exit 1; fi; while true; do sleep 0.2; done"
    }],
    "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}
  }
})";
}

class RestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.add_scheduler_flags({"--initial-flapping-task-delay-ms", "100"});
    cluster_.StartScheduler();
    cluster_.StartAgent(0);
    cluster_.StartAgent(1);
    marker_ = cluster_.dir() + "/fail-restarted-tasks";
    const std::string file = cluster_.WriteJobFile("web.json", ServiceJob(marker_));
    CommandResult r = cluster_.Cli({"job", "create", "devcluster/www-data/devel/web", file,
                                    "--read-json", "--wait-until", "RUNNING"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  std::map<int32_t, std::string> RunningIds() {
    std::map<int32_t, std::string> out;
    for (const auto& t : cluster_.JobTasks("www-data", "devel", "web", true)) {
      if (t.status == api::ScheduleStatus::RUNNING) out[t.assignedTask.instanceId] = t.assignedTask.taskId;
    }
    return out;
  }

  LocalCluster cluster_;
  std::string marker_;
};

TEST_F(RestartTest, EveryInstanceGetsANewTaskAndTheCommandSucceeds) {
  ASSERT_TRUE(WaitFor([&] { return RunningIds().size() == 3; }, 30'000));
  const std::map<int32_t, std::string> before = RunningIds();
  CommandResult r = cluster_.Cli({"job", "restart", "devcluster/www-data/devel/web",
                                  "--batch-size", "2", "--watch-secs", "1",
                                  "--healthcheck-interval-seconds", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Performing rolling restart of job devcluster/www-data/devel/web "
                          "(instances: [0, 1, 2])"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("Restarting instances: [0, 1]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Restarting instances: [2]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Job devcluster/www-data/devel/web restarted successfully"),
            std::string::npos)
      << r.output;
  const std::map<int32_t, std::string> after = RunningIds();
  ASSERT_EQ(after.size(), 3u) << r.output;
  for (const auto& [instance, id] : after) {
    EXPECT_NE(id, before.at(instance)) << "instance " << instance << " was not restarted";
  }
  // The old tasks ended KILLED, each the ancestor of its replacement.
  int killed = 0;
  for (const auto& t : cluster_.JobTasks("www-data", "devel", "web", false)) {
    if (t.status == api::ScheduleStatus::KILLED) ++killed;
  }
  EXPECT_EQ(killed, 3);
}

TEST_F(RestartTest, OnlyTheNamedInstancesAndAnInactiveOneIsRefused) {
  ASSERT_TRUE(WaitFor([&] { return RunningIds().size() == 3; }, 30'000));
  const std::map<int32_t, std::string> before = RunningIds();
  CommandResult r = cluster_.Cli({"job", "restart", "devcluster/www-data/devel/web/1",
                                  "--watch-secs", "0", "--healthcheck-interval-seconds", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::map<int32_t, std::string> after = RunningIds();
  EXPECT_EQ(after.at(0), before.at(0));
  EXPECT_NE(after.at(1), before.at(1));
  EXPECT_EQ(after.at(2), before.at(2));

  // One batch holds both: the scheduler refuses it whole.
  r = cluster_.Cli({"job", "restart", "devcluster/www-data/devel/web/2,7", "--batch-size", "2"});
  EXPECT_EQ(r.exit_code, 10) << r.output;  // the scheduler refused: an API error
  EXPECT_NE(r.output.find("Not all requested shards are active. Instance(s) 7"), std::string::npos)
      << r.output;
  r = cluster_.Cli({"job", "restart", "devcluster/www-data/devel/web/7", "--strict"});
  EXPECT_EQ(r.exit_code, 6) << r.output;
  EXPECT_EQ(RunningIds().at(2), before.at(2)) << "a refused restart restarts nothing";
}

TEST_F(RestartTest, AnInstanceThatDiesAfterItsRestartStopsTheRestart) {
  ASSERT_TRUE(WaitFor([&] { return RunningIds().size() == 3; }, 30'000));
  WriteFile(marker_, "");
  CommandResult r = cluster_.Cli({"job", "restart", "devcluster/www-data/devel/web",
                                  "--watch-secs", "5", "--healthcheck-interval-seconds", "1"});
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_NE(r.output.find("Instance 0 is unhealthy"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Restart failures threshold reached. Aborting"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("Restarting instances: [1]"), std::string::npos)
      << "no batch after the threshold: " << r.output;
}

}  // namespace
}  // namespace borealis::integration
