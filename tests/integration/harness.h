// Integration-test harness: real borealis daemons as child processes on loopback, in a
// temporary directory, on ephemeral ports (read back from port files). Every process is
// stopped by its own pid; tasks left running by a killed agent are stopped through the
// pids their executors recorded. Waits poll with deadlines, never fixed sleeps.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "borealis/testing/temp_dir.h"
#include "gen-cpp/api_types.h"

namespace borealis::integration {

// The directory holding borealis, borealis-scheduler, borealis-agent, borealis-executor.
std::string BinDir();

// A child process in its own process group, output appended to a log file.
class Process {
 public:
  Process(const std::string& binary, const std::vector<std::string>& args, const std::string& log);
  ~Process();  // SIGKILL if still running
  pid_t pid() const { return pid_; }
  bool Running();
  // Sends `sig` and waits (up to timeout) for the process to exit. Returns its wait status.
  std::optional<int> Signal(int sig, int timeout_ms = 10'000);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// Polls `cond` every 50 ms until it holds or `timeout_ms` passes.
bool WaitFor(const std::function<bool()>& cond, int timeout_ms);

// Checks `cond` every 50 ms for `window_ms`; false as soon as it fails once.
bool StaysTrue(const std::function<bool()>& cond, int window_ms);

// Runs a command to completion; returns exit code and combined output.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {});

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);

class LocalCluster {
 public:
  LocalCluster();
  ~LocalCluster();  // stops everything it started, tasks included

  void StartScheduler();
  // How long the scheduler waits for a silent agent before declaring its tasks LOST
  // (default 3000 ms); takes effect at the next StartScheduler().
  void set_agent_timeout_ms(int ms) { agent_timeout_ms_ = ms; }
  // More scheduler flags for the next StartScheduler() (e.g. a shorter flapping delay).
  void add_scheduler_flags(const std::vector<std::string>& flags) {
    extra_scheduler_flags_.insert(extra_scheduler_flags_.end(), flags.begin(), flags.end());
  }
  void KillScheduler();  // SIGKILL, as a crash
  // Agent i runs as host 127.0.0.(i+2) with its own port range.
  void StartAgent(int i);
  void KillAgent(int i);  // SIGKILL; its executors and tasks keep running
  int scheduler_port() const { return scheduler_port_; }
  // Agent i's HTTP port (its observer, /metrics, /vars), from its port file.
  int AgentHttpPort(int i) const;
  const std::string& dir() const { return dir_.path(); }
  std::string AgentWorkDir(int i) const;
  std::string AgentHost(int i) const;

  // Tasks of a job; when `active_only`, only ACTIVE ones.
  std::vector<api::ScheduledTask> JobTasks(const std::string& role, const std::string& env,
                                           const std::string& name, bool active_only);
  // Runs the borealis CLI with BOREALIS_CLUSTERS pointing at this cluster.
  CommandResult Cli(const std::vector<std::string>& args);
  // The same CLI as aurora_admin.
  CommandResult Admin(const std::vector<std::string>& args);
  // Writes a JSON job file into the cluster dir and returns its path.
  std::string WriteJobFile(const std::string& name, const std::string& json);
  // The status.json an executor wrote for `task_id` on agent `i` (empty if none).
  std::string TaskStatusJson(int agent, const std::string& task_id) const;
  // Pids of the task's processes as its executor recorded them.
  std::vector<pid_t> TaskProcessPids(const std::string& task_id) const;

 private:
  void StopStrayTasks();

  borealis::testing::TempDir dir_;
  std::unique_ptr<Process> scheduler_;
  std::map<int, std::unique_ptr<Process>> agents_;
  int scheduler_port_ = 0;
  int agent_timeout_ms_ = 3000;
  std::vector<std::string> extra_scheduler_flags_;
};

}  // namespace borealis::integration
