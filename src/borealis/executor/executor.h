// The per-task executor: Executor reads `<task-dir>/task.json` (task_file.h), runs the
// task's processes with the ProcessGraph state machine, and reports through status.json
// and the agent's datagram socket (status_file.h) until the task reaches FINISHED,
// FAILED or KILLED (docs/architecture/agent-and-executor.md).
//
// What it provides:
//  - the effects side of ProcessGraph: it launches the runs the graph asks for, signals
//    the process groups it names, and feeds back exits, vanished groups and time;
//  - kills: SIGTERM (or SIGINT) kills the task. When the job's lifecycle applies, it
//    POSTs its graceful_shutdown_endpoint, waits, POSTs its shutdown_endpoint, waits (no
//    new runs meanwhile); then TERM to every live process group, KILL after
//    kill_grace_ms, then the `final` processes run within finalization_wait, and the
//    task ends KILLED "Killed by request"; the whole shutdown ends within 120 s of the
//    signal (docs/health-checks.md);
//  - health checks (health_config.h): the task reports RUNNING only once healthy; an
//    unhealthy task is shut down the same way and ends FAILED "Failed health check!
//    <reason>". HTTP and TCP probes run on helper threads (health_probe.h), shell checks
//    as child processes; the counting is HealthMonitor's;
//  - isolation (task_isolation.h): runs join the task's cgroup and become the role's
//    user before exec; a task over its memory or disk ends FAILED with the reason;
//  - output: each process's logger (log_writer.h) decides where its output goes; only
//    `rotate` and `both` make the loop read a pipe per run stream. Log files live in the
//    sandbox (`.logs/<process>/<run>/`) and are opened by the executor without following
//    links (log_files.h), then handed to the run.
//
// Invariants: decisions live in ProcessGraph, effects here; every change the agent must
// see is in status.json (rewritten atomically) before the agent is poked; nothing of the
// task outlives Run(): the executor makes itself a child subreaper, so orphans of the
// task's processes are reparented to it and are reaped and killed at the end.
//
// Thread contract: one thread. Run() is a poll loop on a signalfd (SIGCHLD, SIGTERM and
// SIGINT are blocked and read from it), the probes' eventfds and the log pipes, with
// timeouts from the graph's next deadline; no busy waiting. The only other threads are
// the BackgroundCalls' probes, which touch nothing of the Executor's. Time comes from
// the Clock it is given. One Executor per process (it owns the signal mask).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "borealis/base/clock.h"
#include "borealis/config/job_spec.h"
#include "borealis/config/template.h"
#include "borealis/executor/health_config.h"
#include "borealis/executor/health_monitor.h"
#include "borealis/executor/health_probe.h"
#include "borealis/executor/log_files.h"
#include "borealis/executor/log_writer.h"
#include "borealis/executor/process_graph.h"
#include "borealis/executor/status_file.h"
#include "borealis/executor/subprocess.h"
#include "borealis/executor/task_file.h"
#include "borealis/executor/task_isolation.h"
#include "borealis/model/schedule_status.h"

namespace borealis::executor {

struct ExecutorFlags {
  std::string task_dir;      // <work-dir>/sandboxes/<task-id>
  std::string agent_socket;  // unix datagram socket of the agent; empty: none
};

class Executor {
 public:
  Executor(const ExecutorFlags& flags, base::Clock& clock);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Runs the task to its end. Returns the exit code for main(): 0 once a terminal
  // status was recorded for a task that ran, 1 when the task could not be set up (a
  // FAILED update says why) or status.json could not be written. Call once.
  int Run();

 private:
  // Where the graceful shutdown sequence (docs/health-checks.md) stands.
  enum class Shutdown { kNone, kGraceful, kHard, kTerminating };

  int64_t MonoMs() const { return clock_.MonoNowNs() / 1'000'000; }

  // Setup (executor.cc).
  absl::Status SetUpSignals();
  absl::Status Prepare();
  absl::Status PrepareChecks(const config::RuntimeContext& context);
  absl::Status PrepareIsolation(const config::TaskSpec& spec);
  int Fail(const std::string& why);

  // Reporting.
  void Record(model::ScheduleStatus state, const std::string& message);
  bool Publish();

  // The loop.
  void WaitForEvents();
  void HandleEvents();
  void ReapChildren();
  void Apply(const std::vector<Action>& actions);
  void Launch(const std::string& process, int run);
  absl::Status RouteOutput(const LogConfig& logger, const DirFd& dir,
                           const std::string& dir_path, const char* name, int console_fd,
                           SpawnRequest& request);
  void DrainLogs();
  void SignalStrays(int sig);

  // Health checks and shutdown.
  void HandleHealth();
  void StartHealthCheck();
  void StartShellCheck();
  void OnHealthResult(bool healthy, const std::string& reason);
  void OnHealthChange(HealthMonitor::Change change);
  void BeginShutdown(const std::string& failure);
  void Post(BackgroundCall& call, const std::string& endpoint, int64_t wait_ms);
  void AdvanceShutdown();
  void FailTask(const std::string& reason);
  void Terminate();

  base::Clock& clock_;
  // Wall clock minus monotonic ms, taken once at start: run times in status.json are the
  // graph's monotonic times shifted by it, so they stay ordered if the wall clock steps.
  int64_t wall_offset_ms_ = 0;
  AgentNotifier notifier_;
  std::string task_dir_;
  std::string sandbox_;
  TaskFile task_;
  std::map<std::string, std::string> cmdlines_;  // process -> resolved cmdline
  std::unique_ptr<ProcessGraph> graph_;
  std::unique_ptr<TaskIsolation> isolation_;  // set once Prepare() got that far
  std::map<pid_t, std::string> running_;  // pid of a live run -> process
  std::map<int, int64_t> group_ticks_;    // pgid of a run -> its leader's start ticks
  std::map<std::string, LogConfig> log_configs_;  // process -> its logger
  std::vector<std::unique_ptr<LogPump>> pumps_;   // pipes of runs that need copying
  StatusDocument status_;
  std::string last_written_;
  int signal_fd_ = -1;
  bool kill_requested_ = false;

  TaskChecks checks_;
  std::unique_ptr<HealthMonitor> health_;  // null: no health check applies
  pid_t shell_check_pid_ = 0;              // a running shell health check
  int64_t shell_check_deadline_ms_ = 0;
  Shutdown shutdown_ = Shutdown::kNone;
  int64_t shutdown_phase_end_ms_ = 0;
  int64_t shutdown_deadline_ms_ = 0;  // the lifecycle phases end by then at the latest
  std::string kill_failure_;          // empty: KILLED; else FAILED with this message
  // Set by the first kill, health kill or limit failure: everything, finalizing
  // processes included, is over by then (monotonic ms).
  std::optional<int64_t> kill_deadline_ms_;
  // Declared last: destroyed (threads joined) before what their work might touch.
  BackgroundCall health_call_;
  BackgroundCall graceful_call_;
  BackgroundCall abort_call_;
};

// Runs the task in `flags.task_dir` to its end with an Executor; returns Run()'s code.
int RunExecutor(const ExecutorFlags& flags, base::Clock& clock);

}  // namespace borealis::executor
