// A .aurora file end to end: `job create` evaluates it with the embedded Python and starts
// the job on a real local cluster; `job diff` then finds no difference, and finds the one
// field a --bind changes.
#include <gtest/gtest.h>

#include "harness.h"

namespace borealis::integration {
namespace {

constexpr char kConfig[] = R"(
# Profiles bound with .bind, as Aurora users write them.
class Profile(Struct):
  greeting = Default(String, 'hello')
  instances = Default(Integer, 2)

echo = Process(
  name = 'echo',
  cmdline = 'echo "{{profile.greeting}} {{mesos.instance}}" > greeting.txt; '
            'while [ ! -e exit_now ]; do sleep 0.1; done')

task = Task(processes = [echo], resources = Resources(cpu = 0.1, ram = 16*MB, disk = 16*MB))

jobs = [
  Service(cluster = 'devcluster', role = 'www-data', environment = 'devel', name = 'greeter',
          instances = '{{profile.instances}}', task = task).bind(profile = Profile())
]
)";

bool AllRunning(const std::vector<api::ScheduledTask>& tasks, size_t n) {
  if (tasks.size() != n) return false;
  for (const auto& t : tasks) {
    if (t.status != api::ScheduleStatus::RUNNING) return false;
  }
  return true;
}

TEST(AuroraTest, CreateFromAuroraFileThenDiff) {
  LocalCluster cluster;
  cluster.StartScheduler();
  cluster.StartAgent(0);
  const std::string file = cluster.dir() + "/greeter.aurora";
  WriteFile(file, kConfig);
  const std::string key = "devcluster/www-data/devel/greeter";

  // A config error reaches nobody: bad binding, non-zero exit, no job.
  CommandResult bad = cluster.Cli({"job", "create", key, file, "--bind", "profile.instances=x"});
  EXPECT_EQ(bad.exit_code, 3) << bad.output;
  EXPECT_NE(bad.output.find(file), std::string::npos) << bad.output;
  EXPECT_TRUE(cluster.JobTasks("www-data", "devel", "greeter", false).empty());

  CommandResult r = cluster.Cli({"job", "create", key, file, "--wait-until", "RUNNING"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(WaitFor(
      [&] { return AllRunning(cluster.JobTasks("www-data", "devel", "greeter", true), 2); },
      30'000));
  for (const auto& t : cluster.JobTasks("www-data", "devel", "greeter", true)) {
    const std::string sandbox =
        cluster.AgentWorkDir(0) + "/sandboxes/" + t.assignedTask.taskId + "/sandbox";
    ASSERT_TRUE(WaitFor([&] { return !ReadFile(sandbox + "/greeting.txt").empty(); }, 10'000));
    EXPECT_EQ(ReadFile(sandbox + "/greeting.txt"),
              "hello " + std::to_string(t.assignedTask.instanceId) + "\n");
  }

  CommandResult same = cluster.Cli({"job", "diff", key, file});
  EXPECT_EQ(same.exit_code, 0) << same.output;
  // The scheduler's diff (getJobUpdateDiff), in Aurora's words.
  EXPECT_NE(same.output.find("This job update will:\nnot change instances: [0-1]\n"),
            std::string::npos)
      << same.output;

  CommandResult changed =
      cluster.Cli({"job", "diff", key, file, "--bind", "profile.greeting=bonjour"});
  EXPECT_EQ(changed.exit_code, 1) << changed.output;
  EXPECT_NE(changed.output.find("update instances: [0-1]\nwith diff:\n"), std::string::npos)
      << changed.output;
  EXPECT_NE(changed.output.find("executorConfig.data.task.processes[0].cmdline"),
            std::string::npos)
      << changed.output;
  EXPECT_NE(changed.output.find("bonjour"), std::string::npos) << changed.output;
  EXPECT_EQ(changed.output.find("instanceCount"), std::string::npos) << changed.output;

  CommandResult killed = cluster.Cli({"job", "killall", key});
  EXPECT_EQ(killed.exit_code, 0) << killed.output;
}

}  // namespace
}  // namespace borealis::integration
