// Cron jobs with real daemons (issue 13, item 6): a template scheduled with `cron schedule`
// has no tasks until `cron start` runs it; a second start while it runs follows its
// collision policy (KILL_EXISTING: the old tasks are killed and a new run starts;
// CANCEL_NEW: nothing new starts); `cron show` prints the schedule; the template survives a
// kill -9 of the scheduler; `cron deschedule` removes it and leaves its tasks running.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "harness.h"

namespace borealis::integration {
namespace {

// Fires at 03:00 on January 1st: not during the test.
std::string CronJson(const std::string& name, const std::string& policy) {
  return R"({
  "name": ")" + name + R"(", "role": "www-data", "environment": "devel", "cluster": "devcluster",
  "instances": 2, "service": false, "max_task_failures": -1,
  "cron_schedule": "0 3 1 1 *", "cron_collision_policy": ")" + policy + R"(",
  "task": {
    "name": "sleeper",
    "processes": [{"name": "sleep", "cmdline": "sleep 1000"}],
    "resources": {"cpu": 0.05, "ram": 8388608, "disk": 8388608}
  }
})";
}

class CronTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.set_agent_timeout_ms(30'000);  // the agent outlives a scheduler restart
    cluster_.add_scheduler_flags(
        {"--cron-start-initial-backoff-ms", "200", "--cron-start-max-backoff-ms", "1000"});
    cluster_.StartScheduler();
    cluster_.StartAgent(0);
  }

  std::set<std::string> RunningIds(const std::string& name) {
    std::set<std::string> ids;
    for (const auto& t : cluster_.JobTasks("www-data", "devel", name, true)) {
      if (t.status == api::ScheduleStatus::RUNNING) ids.insert(t.assignedTask.taskId);
    }
    return ids;
  }
  std::set<std::string> ActiveIds(const std::string& name) {
    std::set<std::string> ids;
    for (const auto& t : cluster_.JobTasks("www-data", "devel", name, true)) {
      ids.insert(t.assignedTask.taskId);
    }
    return ids;
  }
  void Schedule(const std::string& name, const std::string& policy) {
    CommandResult r = cluster_.Cli({"cron", "schedule", "devcluster/www-data/devel/" + name,
                                    cluster_.WriteJobFile(name + ".json", CronJson(name, policy)),
                                    "--read-json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("Cron job scheduled, status can be viewed at http://"),
              std::string::npos)
        << r.output;
  }
  // `cron start`, then waits for both instances of a run to be RUNNING; returns their ids.
  std::set<std::string> StartAndWait(const std::string& name) {
    CommandResult r = cluster_.Cli({"cron", "start", "devcluster/www-data/devel/" + name});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::set<std::string> ids;
    EXPECT_TRUE(WaitFor([&] { return (ids = RunningIds(name)).size() == 2; }, 30'000))
        << cluster_.Cli({"job", "status", "devcluster/www-data/devel/" + name}).output;
    return ids;
  }

  LocalCluster cluster_;
};

TEST_F(CronTest, StartedByHandRunsAndFollowsItsCollisionPolicy) {
  Schedule("killer", "KILL_EXISTING");
  EXPECT_TRUE(cluster_.JobTasks("www-data", "devel", "killer", false).empty());
  CommandResult show = cluster_.Cli({"cron", "show", "devcluster/www-data/devel/killer"});
  EXPECT_EQ(show.exit_code, 0) << show.output;
  EXPECT_EQ(show.output, "devcluster/www-data/devel/killer\t 0 3 1 1 *\n");

  // KILL_EXISTING: the running tasks are killed, then a new run starts.
  const std::set<std::string> first = StartAndWait("killer");
  std::set<std::string> second;
  CommandResult r = cluster_.Cli({"cron", "start", "devcluster/www-data/devel/killer"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(WaitFor(
      [&] {
        second = RunningIds("killer");
        if (second.size() != 2) return false;
        for (const std::string& id : second) {
          if (first.count(id) > 0) return false;
        }
        return true;
      },
      30'000))
      << cluster_.Cli({"job", "status", "devcluster/www-data/devel/killer"}).output;
  for (const auto& t : cluster_.JobTasks("www-data", "devel", "killer", false)) {
    if (first.count(t.assignedTask.taskId) > 0) {
      EXPECT_EQ(t.status, api::ScheduleStatus::KILLED) << t.assignedTask.taskId;
      ASSERT_FALSE(t.taskEvents.empty());
    }
  }

  // CANCEL_NEW: a start while the run is active starts nothing.
  Schedule("skipper", "CANCEL_NEW");
  const std::set<std::string> running = StartAndWait("skipper");
  r = cluster_.Cli({"cron", "start", "devcluster/www-data/devel/skipper"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(StaysTrue([&] { return ActiveIds("skipper") == running; }, 2'000));
}

TEST_F(CronTest, TheTemplateSurvivesAKilledSchedulerAndDescheduleLeavesItsTasks) {
  Schedule("nightly", "KILL_EXISTING");
  const std::set<std::string> ids = StartAndWait("nightly");

  cluster_.KillScheduler();
  cluster_.StartScheduler();
  CommandResult show = cluster_.Cli({"cron", "show", "devcluster/www-data/devel/nightly"});
  EXPECT_EQ(show.exit_code, 0) << show.output;
  EXPECT_EQ(show.output, "devcluster/www-data/devel/nightly\t 0 3 1 1 *\n");

  // `job create` refuses a cron config before asking the scheduler.
  CommandResult create = cluster_.Cli(
      {"job", "create", "devcluster/www-data/devel/nightly",
       cluster_.WriteJobFile("again.json", CronJson("nightly", "KILL_EXISTING")), "--read-json"});
  EXPECT_EQ(create.exit_code, 4) << create.output;
  EXPECT_NE(create.output.find("Cron jobs may only be scheduled with"), std::string::npos)
      << create.output;

  CommandResult r = cluster_.Cli({"cron", "deschedule", "devcluster/www-data/devel/nightly"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Cron descheduling succeeded."), std::string::npos) << r.output;
  show = cluster_.Cli({"cron", "show", "devcluster/www-data/devel/nightly"});
  EXPECT_EQ(show.exit_code, 6) << show.output;
  EXPECT_NE(show.output.find("No cron entry found for job devcluster/www-data/devel/nightly"),
            std::string::npos)
      << show.output;
  EXPECT_EQ(ActiveIds("nightly"), ids);  // the run goes on
  r = cluster_.Cli({"cron", "start", "devcluster/www-data/devel/nightly"});
  EXPECT_NE(r.exit_code, 0) << r.output;
}

}  // namespace
}  // namespace borealis::integration
