// The process plan of one task (docs/aurora-compatibility.md) as a pure state machine: it is
// fed events (process launched, exited, its process group gone, kill requested, time
// passed) with the current monotonic time, and answers with Actions for the executor
// to carry out (launch a process run, signal process groups, report a task status).
// It never touches a process, a file or a clock, so tests drive it with ManualClock.
//
// Stages: ACTIVE runs the regular processes honouring order constraints (a process
// starts once every process it depends on has succeeded), reruns failures up to
// max_failures (0: forever; a run is gated by min_duration after the previous one
// ends), reruns daemons after success, caps concurrency and total runs (100). The task
// is complete when every non-ephemeral regular process succeeded or failed; it fails
// as soon as task.max_failures processes failed (0: never), or when nothing can run
// any more. CLEANING sends SIGTERM to every live process group and SIGKILL after the
// kill grace (capped by the finalization_wait budget, which starts as CLEANING is first
// entered). FINALIZING then runs the `final` processes by the same rules (in their
// order) within that budget; what is still running when it is spent is killed and the
// finalizers not yet started are skipped; then CLEANING repeats. The terminal status
// (FINISHED, FAILED, KILLED) is reported once no process group is left.
//
// A kill takes the same path (docs/health-checks.md): from ACTIVE, CLEANING (TERM now,
// KILL after the grace), then FINALIZING, then KILLED. The kill comes with a deadline of
// its own (the executor's bound on a whole shutdown): the budget ends by then at the
// latest, whatever finalization_wait says. A kill after ACTIVE (the task already ended on
// its own and is cleaning up or finalizing) keeps that outcome and only brings the
// deadline in.
//
// Health checks and graceful shutdown (the executor drives them): with
// report_running=false the graph does not report RUNNING itself (the executor does,
// once the task is healthy). OnDrain stops launching runs while the processes are
// asked to shut down over HTTP; once nothing runs the task goes on to CLEANING and
// FINALIZING and ends as the kill says. A kill may carry a failure (a health check
// failed): then the task ends FAILED with that message instead of KILLED.
//
// Each process keeps the record of every run (its state, pid, exit and times), capped
// like the runs themselves; the executor publishes it in status.json.
//
// Invariants: process names are unique and order constraints acyclic (the config
// reader checks both). Not thread-safe; one owner calls it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "borealis/config/job_spec.h"
#include "borealis/model/schedule_status.h"

namespace borealis::executor {

// Thermos process states (the ones this executor uses).
enum class ProcessState { kWaiting, kRunning, kSuccess, kFailed, kKilled };
std::string_view ProcessStateName(ProcessState state);

enum class TaskStage { kActive, kCleaning, kFinalizing, kDone };

// How a run ended: an exit code, or the signal that killed it.
struct ExitStatus {
  bool signaled = false;
  int value = 0;  // exit code, or signal number when signaled
  bool success() const { return !signaled && value == 0; }
  // Shell convention: 128 + signal for a killed process.
  int code() const { return signaled ? 128 + value : value; }
  std::string Describe() const;  // "exit code 3", "killed by signal 9"
};

// One run of a process, as the graph saw it. Times are the graph's monotonic ms.
struct RunRecord {
  int run = 0;                                   // 0, 1, ...
  ProcessState state = ProcessState::kRunning;   // RUNNING, then SUCCESS, FAILED or KILLED
  int pid = 0;                                   // 0 until forked (or when the fork failed)
  std::optional<ExitStatus> exit;                // none while running or when never started
  int64_t start_ms = 0;
  int64_t stop_ms = 0;  // 0 while running
};

struct ProcessInfo {
  config::ProcessSpec spec;
  ProcessState state = ProcessState::kWaiting;
  int runs = 0;      // runs started
  int failures = 0;  // runs that failed
  int pid = 0;       // of the current or latest run, 0 before the first fork
  std::optional<ExitStatus> last_exit;
  int64_t last_end_ms = 0;
  // Every run so far, by run number; at most kMaxRunsPerProcess entries.
  std::vector<RunRecord> history;
};

struct Action {
  enum class Kind { kLaunch, kSignalGroups, kReport };
  enum class Signal { kTerminate, kKill };
  Kind kind = Kind::kLaunch;
  // kLaunch: the process and its run number (0, 1, ...).
  std::string process;
  int run = 0;
  // kSignalGroups: the process groups to signal.
  Signal signal = Signal::kTerminate;
  std::vector<int> pgids;
  // kReport: a task status to record.
  model::ScheduleStatus status = model::ScheduleStatus::kRunning;
  std::string message;
};

class ProcessGraph {
 public:
  // Runs are capped at this many per process (successes and failures together).
  static constexpr int kMaxRunsPerProcess = 100;

  ProcessGraph(config::TaskSpec task, int64_t kill_grace_ms, bool report_running = true);

  // Starts the ACTIVE stage.
  std::vector<Action> Start(int64_t now_ms);
  // The executor forked run `process` as `pid`, which leads its own process group.
  std::vector<Action> OnLaunched(const std::string& process, int pid, int64_t now_ms);
  // The executor could not start the run (counts as a failed run).
  std::vector<Action> OnLaunchFailed(const std::string& process, const std::string& why,
                                     int64_t now_ms);
  // The run's main process ended (its group may live on).
  std::vector<Action> OnExited(const std::string& process, ExitStatus exit, int64_t now_ms);
  // No process is left in group `pgid`.
  std::vector<Action> OnGroupGone(int pgid, int64_t now_ms);
  // Kill the task (SIGTERM to the executor): CLEANING, FINALIZING, then KILLED "Killed
  // by request", or FAILED with `failure` when that is not empty. Everything, finalizers
  // included, is over by `deadline_ms` when one is given.
  std::vector<Action> OnKillRequested(int64_t now_ms, const std::string& failure = "",
                                      std::optional<int64_t> deadline_ms = std::nullopt);
  // Start no more runs; once no process runs, finalize and end the task as
  // OnKillRequested with `failure` would. Only in the ACTIVE stage. A later
  // OnKillRequested terminates the rest.
  std::vector<Action> OnDrain(int64_t now_ms, const std::string& failure = "",
                              std::optional<int64_t> deadline_ms = std::nullopt);
  // Time passed; acts on min_duration gates and deadlines.
  std::vector<Action> OnTick(int64_t now_ms);

  // When OnTick next has something to do, if ever.
  std::optional<int64_t> NextDeadlineMs() const;

  TaskStage stage() const { return stage_; }
  bool done() const { return stage_ == TaskStage::kDone; }
  bool draining() const { return draining_; }
  const std::map<std::string, ProcessInfo>& processes() const { return processes_; }
  const std::set<int>& live_groups() const { return live_groups_; }

 private:
  enum class Outcome { kNone, kFinished, kFailed, kKilled };

  void Advance(int64_t now_ms, std::vector<Action>& out);
  void SetKillOutcome(const std::string& failure);
  void SetKillDeadline(std::optional<int64_t> deadline_ms);
  bool AdvanceActive(int64_t now_ms, std::vector<Action>& out);
  bool AdvanceCleaning(int64_t now_ms, std::vector<Action>& out);
  bool AdvanceFinalizing(int64_t now_ms, std::vector<Action>& out);
  void BeginCleaning(int64_t now_ms, int64_t kill_at_ms, bool then_finalize,
                     std::vector<Action>& out);
  void LaunchReady(bool final_set, int64_t now_ms, std::vector<Action>& out);
  void RecordFailedRun(ProcessInfo& p, const std::string& why, int64_t now_ms);
  static void EndRun(ProcessInfo& p, ProcessState state, std::optional<ExitStatus> exit,
                     int64_t now_ms);
  bool InCurrentSet(const ProcessInfo& p) const;
  bool DepsSucceeded(const std::string& name) const;
  bool CanStillRun(const std::string& name, std::map<std::string, bool>& memo) const;
  bool AnyRunning(bool final_set) const;
  bool AnyViable(bool final_set) const;
  int RunningCount() const;
  std::optional<int64_t> GateMs(const ProcessInfo& p) const;

  config::TaskSpec task_;
  int64_t kill_grace_ms_;
  std::vector<std::string> order_;  // process names in task order
  std::map<std::string, ProcessInfo> processes_;
  std::map<std::string, std::set<std::string>> deps_;  // process -> its predecessors
  std::set<int> live_groups_;

  TaskStage stage_ = TaskStage::kActive;
  bool started_ = false;
  bool reported_running_ = false;
  bool draining_ = false;
  Outcome outcome_ = Outcome::kNone;
  std::string outcome_message_;
  std::string last_failure_;  // message for the latest process that failed for good
  int failed_processes_ = 0;
  bool then_finalize_ = false;
  std::optional<int64_t> budget_end_ms_;  // finalization_wait budget
  std::optional<int64_t> kill_deadline_ms_;  // a kill's own bound on the budget
  int64_t kill_at_ms_ = 0;
  bool kill_sent_ = false;
};

}  // namespace borealis::executor
