// Every example in examples/ on a real local cluster, through the CLI with the .aurora file
// as a user would run it: each job is created (cron: scheduled and started), reaches the
// state the example promises, and each process wrote what it should to its log in the
// sandbox (.logs/<process>/<run>/stdout); services are then killed, and the final
// processes of the one that has them ran. The jobs of all examples run at once on one
// cluster, so the whole test takes about as long as the slowest example.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "harness.h"

namespace borealis::integration {
namespace {

constexpr int kAgents = 2;
constexpr char kPrefix[] = "devcluster/www-data/devel/";

std::string Example(const std::string& file) {
  return std::string(BOREALIS_SOURCE_DIR) + "/examples/" + file;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class ExamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.StartScheduler();
    for (int i = 0; i < kAgents; ++i) cluster_.StartAgent(i);
  }

  // The sandbox of a task, on whichever agent runs it.
  std::string Sandbox(const api::ScheduledTask& task) const {
    for (int i = 0; i < kAgents; ++i) {
      if (cluster_.AgentHost(i) == task.assignedTask.slaveHost) {
        return cluster_.AgentWorkDir(i) + "/sandboxes/" + task.assignedTask.taskId + "/sandbox";
      }
    }
    return "";
  }

  // What run `run` of `process` wrote to its standard output.
  std::string Stdout(const api::ScheduledTask& task, const std::string& process, int run = 0) {
    return ReadFile(Sandbox(task) + "/.logs/" + process + "/" + std::to_string(run) + "/stdout");
  }

  // Waits until `stdout` of the process holds `text` (the log may lag the state).
  void ExpectStdout(const api::ScheduledTask& task, const std::string& process,
                    const std::string& text, int run = 0) {
    const bool found =
        WaitFor([&] { return Contains(Stdout(task, process, run), text); }, 10'000);
    EXPECT_TRUE(found) << task.assignedTask.taskId << " " << process << "/" << run
                       << ": expected '" << text << "' in:\n"
                       << Stdout(task, process, run) << "\nstderr:\n"
                       << ReadFile(Sandbox(task) + "/.logs/" + process + "/" +
                                   std::to_string(run) + "/stderr");
  }

  // Waits until `n` tasks of the job are in `status`; returns them by instance.
  std::vector<api::ScheduledTask> WaitForTasks(const std::string& name, api::ScheduleStatus::type status,
                                               size_t n, int timeout_ms = 30'000) {
    std::vector<api::ScheduledTask> matching;
    auto reached = [&] {
      matching.clear();
      for (auto& t : cluster_.JobTasks("www-data", "devel", name, false)) {
        if (t.status == status) matching.push_back(t);
      }
      return matching.size() >= n;
    };
    if (!WaitFor(reached, timeout_ms)) {
      std::string seen;
      for (const auto& t : cluster_.JobTasks("www-data", "devel", name, false)) {
        seen += t.assignedTask.taskId + " " + std::to_string(static_cast<int>(t.status)) + "\n";
      }
      ADD_FAILURE() << name << ": " << matching.size() << " of " << n << " tasks reached status "
                    << static_cast<int>(status) << "; tasks:\n" << seen;
      return {};
    }
    std::sort(matching.begin(), matching.end(), [](const auto& a, const auto& b) {
      return a.assignedTask.instanceId < b.assignedTask.instanceId;
    });
    return matching;
  }

  void Create(const std::string& name, const std::string& file,
              const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"job", "create", kPrefix + name, Example(file)};
    args.insert(args.end(), extra.begin(), extra.end());
    CommandResult r = cluster_.Cli(args);
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.output;
    EXPECT_TRUE(Contains(r.output, "Job create succeeded: job url=")) << r.output;
  }

  void KillAll(const std::string& name) {
    CommandResult r = cluster_.Cli({"job", "killall", kPrefix + name});
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.output;
    EXPECT_TRUE(Contains(r.output, "Job killall succeeded")) << r.output;
  }

  LocalCluster cluster_;
};

TEST_F(ExamplesTest, EveryExampleRunsAsItsCommentsSay) {
  // Start everything first; the checks below then wait on jobs that run side by side.
  Create("hello_templates", "templates.aurora");
  Create("build_then_test", "combine_concat.aurora");
  Create("app_with_sidecar", "combine_concat.aurora");
  Create("thermos_profile", "thermos_profile.aurora");
  Create("finalize_on_completion", "final_processes.aurora");
  Create("finalize_on_kill", "final_processes.aurora");
  Create("daemon", "daemon.aurora");
  Create("ephemeral", "ephemeral.aurora");
  Create("ordering", "ordering.aurora");
  Create("health_checked", "health_check.aurora");
  Create("rolling", "update.aurora");
  Create("hello_world", "hello_world.json", {"--read-json"});
  const std::string cron_key = std::string(kPrefix) + "nightly_report";
  CommandResult scheduled = cluster_.Cli({"cron", "schedule", cron_key, Example("cron.aurora")});
  ASSERT_EQ(scheduled.exit_code, 0) << scheduled.output;
  EXPECT_TRUE(Contains(scheduled.output, "Cron job scheduled, status can be viewed at "))
      << scheduled.output;
  CommandResult show = cluster_.Cli({"cron", "show", cron_key});
  EXPECT_EQ(show.exit_code, 0) << show.output;
  EXPECT_EQ(show.output, cron_key + "\t 30 2 * * *\n");
  CommandResult started = cluster_.Cli({"cron", "start", cron_key});
  EXPECT_EQ(started.exit_code, 0) << started.output;
  // `job create` refuses a cron job, as the example's comment says.
  CommandResult refused = cluster_.Cli({"job", "create", cron_key, Example("cron.aurora")});
  EXPECT_EQ(refused.exit_code, 4) << refused.output;

  // templates.aurora: the bound struct, the process's name and the instance.
  auto hello = WaitForTasks("hello_templates", api::ScheduleStatus::FINISHED, 2);
  for (const auto& t : hello) {
    const std::string i = std::to_string(t.assignedTask.instanceId);
    ExpectStdout(t, "greet", "Hello, world, from process greet of instance " + i + "\n");
    ExpectStdout(t, "greet", "task id " + t.assignedTask.taskId + "\n");
  }

  // combine_concat.aurora: app_with_sidecar (combine) ran both tasks' processes;
  // build_then_test (concat) is in the table below: `check` ran after all of `prepare`.
  for (const auto& t : WaitForTasks("app_with_sidecar", api::ScheduleStatus::FINISHED, 1)) {
    ExpectStdout(t, "app", "request 1\nrequest 2\nrequest 3\n");
    ExpectStdout(t, "metrics", "metrics for " + t.assignedTask.slaveHost + "\n");
  }

  // The batch jobs of one instance: each process's output once the task FINISHED.
  struct Output {
    const char* process;
    const char* text;
  };
  struct BatchCase {
    const char* job;
    std::vector<Output> outputs;
  };
  const std::vector<BatchCase> batch = {
      {"build_then_test",
       {{"fetch", "fetched\n"}, {"build", "built\n"}, {"check", "testing SOURCE V1\n"}}},
      // read_env sees what setup_env wrote to .thermos_profile.
      {"thermos_profile",
       {{"setup_env", "profile written\n"},
        {"read_env", "version=1.4.2\nhome is the sandbox: yes\n"}}},
      // cleanup ran after work, and removed its files.
      {"finalize_on_completion", {{"work", "worked\n"}, {"cleanup", "cleaned up after work\n"}}},
      // The task finished with its computation; the watcher had run beside it.
      {"ephemeral", {{"compute", "step 5\ndone\n"}, {"watcher", "watching\n"}}},
      // The chain in its order; `unrelated` did not wait for it.
      {"ordering",
       {{"download", "download ran\n"},
        {"install", "order: download unpack install \n"},
        {"unrelated", "ran without waiting\n"}}},
      // cron.aurora: the run `cron start` asked for.
      {"nightly_report", {{"report", "report for devel by process report\n"}}},
  };
  for (const BatchCase& c : batch) {
    for (const auto& t : WaitForTasks(c.job, api::ScheduleStatus::FINISHED, 1)) {
      for (const Output& o : c.outputs) ExpectStdout(t, o.process, o.text);
    }
  }
  CommandResult descheduled = cluster_.Cli({"cron", "deschedule", cron_key});
  EXPECT_EQ(descheduled.exit_code, 0) << descheduled.output;
  EXPECT_EQ(cluster_.Cli({"cron", "show", cron_key}).exit_code, 6);

  // daemon.aurora: the failed first run was retried, the successful ones restarted, each
  // run with its own logs.
  for (const auto& t : WaitForTasks("daemon", api::ScheduleStatus::RUNNING, 1)) {
    ExpectStdout(t, "ticker", "tick 0: failing\n", 0);
    ExpectStdout(t, "ticker", "tick 1\n", 1);
    ExpectStdout(t, "ticker", "tick 2\n", 2);
  }
  KillAll("daemon");

  // health_check.aurora: RUNNING once /health answered; its ports are the task's; a kill
  // asks it to quit through /quitquitquit first.
  for (const auto& t : WaitForTasks("health_checked", api::ScheduleStatus::RUNNING, 1)) {
    const auto& ports = t.assignedTask.assignedPorts;
    ASSERT_TRUE(ports.count("http") && ports.count("health"));
    ExpectStdout(t, "server",
                 "serving on port " + std::to_string(ports.at("http")) + ", health on port " +
                     std::to_string(ports.at("health")) + "\n");
    KillAll("health_checked");
    ExpectStdout(t, "server", "graceful shutdown requested\n");
  }
  WaitForTasks("health_checked", api::ScheduleStatus::KILLED, 1);

  // final_processes.aurora, on kill: both final processes ran, in their order.
  for (const auto& t : WaitForTasks("finalize_on_kill", api::ScheduleStatus::RUNNING, 1)) {
    ExpectStdout(t, "serve", "registered\n");
    // Final processes wait for the kill: none has started while the task runs.
    EXPECT_FALSE(std::filesystem::exists(Sandbox(t) + "/.logs/deregister"));
    KillAll("finalize_on_kill");
    ExpectStdout(t, "deregister", "deregistered instance 0\n");
    ExpectStdout(t, "flush", "flushed\n");
  }
  WaitForTasks("finalize_on_kill", api::ScheduleStatus::KILLED, 1);

  // hello_world.json: a service in the JSON form, each instance saying where it runs.
  for (const auto& t : WaitForTasks("hello_world", api::ScheduleStatus::RUNNING, 2)) {
    ExpectStdout(t, "hello",
                 "Hello world from " + t.assignedTask.slaveHost + "/" +
                     std::to_string(t.assignedTask.instanceId) + "\n");
  }
  KillAll("hello_world");

  // update.aurora: version 1, then an update to version 2 instance by instance.
  for (const auto& t : WaitForTasks("rolling", api::ScheduleStatus::RUNNING, 2)) {
    ExpectStdout(t, "serve",
                 "instance " + std::to_string(t.assignedTask.instanceId) + " runs version 1\n");
  }
  CommandResult update = cluster_.Cli({"update", "start", std::string(kPrefix) + "rolling",
                                       Example("update.aurora"), "--bind", "release.version=2",
                                       "--wait"});
  EXPECT_EQ(update.exit_code, 0) << update.output;
  EXPECT_TRUE(Contains(update.output, "Current state ROLLED_FORWARD")) << update.output;
  auto updated = cluster_.JobTasks("www-data", "devel", "rolling", true);
  EXPECT_EQ(updated.size(), 2u);
  for (const auto& t : updated) {
    ExpectStdout(t, "serve",
                 "instance " + std::to_string(t.assignedTask.instanceId) + " runs version 2\n");
  }
  KillAll("rolling");
}

}  // namespace
}  // namespace borealis::integration
