// The process plan state machine (see process_graph.h).
#include "borealis/executor/process_graph.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace borealis::executor {

std::string_view ProcessStateName(ProcessState state) {
  switch (state) {
    case ProcessState::kWaiting:
      return "WAITING";
    case ProcessState::kRunning:
      return "RUNNING";
    case ProcessState::kSuccess:
      return "SUCCESS";
    case ProcessState::kFailed:
      return "FAILED";
    case ProcessState::kKilled:
      return "KILLED";
  }
  return "UNKNOWN";
}

std::string ExitStatus::Describe() const {
  return signaled ? absl::StrCat("killed by signal ", value) : absl::StrCat("exit code ", value);
}

ProcessGraph::ProcessGraph(config::TaskSpec task, int64_t kill_grace_ms, bool report_running)
    : task_(std::move(task)),
      kill_grace_ms_(std::max<int64_t>(0, kill_grace_ms)),
      reported_running_(!report_running) {
  for (const config::ProcessSpec& spec : task_.processes) {
    order_.push_back(spec.name);
    processes_[spec.name].spec = spec;
  }
  for (const auto& order : task_.order_constraints) {
    for (size_t i = 1; i < order.size(); ++i) deps_[order[i]].insert(order[i - 1]);
  }
}

std::vector<Action> ProcessGraph::Start(int64_t now_ms) {
  std::vector<Action> out;
  if (started_) return out;
  started_ = true;
  Advance(now_ms, out);
  return out;
}

std::vector<Action> ProcessGraph::OnLaunched(const std::string& process, int pid,
                                             int64_t now_ms) {
  std::vector<Action> out;
  auto it = processes_.find(process);
  if (it == processes_.end() || pid <= 0) return out;
  it->second.pid = pid;
  if (!it->second.history.empty() && it->second.history.back().state == ProcessState::kRunning) {
    it->second.history.back().pid = pid;
  }
  live_groups_.insert(pid);
  if (stage_ == TaskStage::kCleaning || stage_ == TaskStage::kDone) {
    // Started as the task was being torn down: stop it right away.
    Action term;
    term.kind = Action::Kind::kSignalGroups;
    term.signal = kill_sent_ ? Action::Signal::kKill : Action::Signal::kTerminate;
    term.pgids = {pid};
    out.push_back(std::move(term));
  } else if (!reported_running_) {
    reported_running_ = true;
    Action report;
    report.kind = Action::Kind::kReport;
    report.status = model::ScheduleStatus::kRunning;
    report.message = "Task running";
    out.push_back(std::move(report));
  }
  Advance(now_ms, out);
  return out;
}

std::vector<Action> ProcessGraph::OnLaunchFailed(const std::string& process,
                                                 const std::string& why, int64_t now_ms) {
  std::vector<Action> out;
  auto it = processes_.find(process);
  if (it == processes_.end() || it->second.state != ProcessState::kRunning) return out;
  EndRun(it->second, ProcessState::kFailed, std::nullopt, now_ms);
  RecordFailedRun(it->second, absl::StrCat("could not start: ", why), now_ms);
  Advance(now_ms, out);
  return out;
}

std::vector<Action> ProcessGraph::OnExited(const std::string& process, ExitStatus exit,
                                           int64_t now_ms) {
  std::vector<Action> out;
  auto it = processes_.find(process);
  if (it == processes_.end() || it->second.state != ProcessState::kRunning) return out;
  ProcessInfo& p = it->second;
  p.last_exit = exit;
  p.last_end_ms = now_ms;
  ProcessState run_state = ProcessState::kKilled;
  if (InCurrentSet(p)) run_state = exit.success() ? ProcessState::kSuccess : ProcessState::kFailed;
  EndRun(p, run_state, exit, now_ms);
  if (!InCurrentSet(p)) {
    p.state = ProcessState::kKilled;
  } else if (!exit.success()) {
    RecordFailedRun(p, exit.Describe(), now_ms);
  } else if (!p.spec.daemon) {
    p.state = ProcessState::kSuccess;
  } else if (p.runs >= kMaxRunsPerProcess) {
    RecordFailedRun(p, absl::StrCat("reached ", kMaxRunsPerProcess, " runs"), now_ms);
  } else {
    p.state = ProcessState::kWaiting;  // daemons run again
  }
  Advance(now_ms, out);
  return out;
}

std::vector<Action> ProcessGraph::OnGroupGone(int pgid, int64_t now_ms) {
  std::vector<Action> out;
  live_groups_.erase(pgid);
  Advance(now_ms, out);
  return out;
}

void ProcessGraph::SetKillOutcome(const std::string& failure) {
  outcome_ = failure.empty() ? Outcome::kKilled : Outcome::kFailed;
  outcome_message_ = failure.empty() ? std::string("Killed by request") : failure;
}

// Brings the finalization budget (and a pending SIGKILL) in to `deadline_ms`.
void ProcessGraph::SetKillDeadline(std::optional<int64_t> deadline_ms) {
  if (!deadline_ms) return;
  kill_deadline_ms_ = kill_deadline_ms_ ? std::min(*kill_deadline_ms_, *deadline_ms) : *deadline_ms;
  if (budget_end_ms_) budget_end_ms_ = std::min(*budget_end_ms_, *kill_deadline_ms_);
  if (stage_ == TaskStage::kCleaning) kill_at_ms_ = std::min(kill_at_ms_, *kill_deadline_ms_);
}

std::vector<Action> ProcessGraph::OnDrain(int64_t now_ms, const std::string& failure,
                                          std::optional<int64_t> deadline_ms) {
  std::vector<Action> out;
  if (stage_ != TaskStage::kActive || draining_) return out;
  draining_ = true;
  SetKillOutcome(failure);
  SetKillDeadline(deadline_ms);
  Advance(now_ms, out);
  return out;
}

std::vector<Action> ProcessGraph::OnKillRequested(int64_t now_ms, const std::string& failure,
                                                  std::optional<int64_t> deadline_ms) {
  std::vector<Action> out;
  switch (stage_) {
    case TaskStage::kDone:
      return out;
    case TaskStage::kActive:
      if (!draining_) SetKillOutcome(failure);
      SetKillDeadline(deadline_ms);
      BeginCleaning(now_ms, now_ms + kill_grace_ms_, /*then_finalize=*/true, out);
      break;
    case TaskStage::kFinalizing:
      SetKillDeadline(deadline_ms);  // the finalizers go on until then at the latest
      break;
    case TaskStage::kCleaning:
      kill_at_ms_ = std::min(kill_at_ms_, now_ms + kill_grace_ms_);
      SetKillDeadline(deadline_ms);
      break;
  }
  Advance(now_ms, out);
  return out;
}

std::vector<Action> ProcessGraph::OnTick(int64_t now_ms) {
  std::vector<Action> out;
  Advance(now_ms, out);
  return out;
}

std::optional<int64_t> ProcessGraph::NextDeadlineMs() const {
  std::optional<int64_t> next;
  auto consider = [&next](int64_t t) { next = next ? std::min(*next, t) : t; };
  if (stage_ == TaskStage::kCleaning) {
    if (!kill_sent_ && !live_groups_.empty()) consider(kill_at_ms_);
    return next;
  }
  if (stage_ == TaskStage::kFinalizing && budget_end_ms_) consider(*budget_end_ms_);
  if (stage_ == TaskStage::kActive || stage_ == TaskStage::kFinalizing) {
    for (const auto& [name, p] : processes_) {
      if (p.state != ProcessState::kWaiting || !InCurrentSet(p) || !DepsSucceeded(name)) continue;
      if (auto gate = GateMs(p)) consider(*gate);
    }
  }
  return next;
}

void ProcessGraph::Advance(int64_t now_ms, std::vector<Action>& out) {
  if (!started_) return;
  // Each step either settles (false) or moves to another stage (true, look again).
  for (int guard = 0; guard < 8; ++guard) {
    bool moved = false;
    switch (stage_) {
      case TaskStage::kActive:
        moved = AdvanceActive(now_ms, out);
        break;
      case TaskStage::kCleaning:
        moved = AdvanceCleaning(now_ms, out);
        break;
      case TaskStage::kFinalizing:
        moved = AdvanceFinalizing(now_ms, out);
        break;
      case TaskStage::kDone:
        return;
    }
    if (!moved) return;
  }
}

bool ProcessGraph::AdvanceActive(int64_t now_ms, std::vector<Action>& out) {
  int64_t natural_kill_at = now_ms + kill_grace_ms_;
  if (draining_) {
    // Being shut down: nothing new starts, the outcome is already decided.
    if (AnyRunning(false) || AnyRunning(true) || !live_groups_.empty()) return false;
    BeginCleaning(now_ms, natural_kill_at, /*then_finalize=*/true, out);
    return true;
  }
  if (task_.max_failures > 0 && failed_processes_ >= task_.max_failures) {
    outcome_ = Outcome::kFailed;
    outcome_message_ = last_failure_;
    BeginCleaning(now_ms, natural_kill_at, /*then_finalize=*/true, out);
    return true;
  }
  bool complete = true;
  for (const auto& [name, p] : processes_) {
    if (p.spec.final || p.spec.ephemeral) continue;
    if (p.state != ProcessState::kSuccess && p.state != ProcessState::kFailed) complete = false;
  }
  if (complete) {
    bool healthy = task_.max_failures == 0 || failed_processes_ < task_.max_failures;
    outcome_ = healthy ? Outcome::kFinished : Outcome::kFailed;
    outcome_message_ = healthy ? "Task finished" : last_failure_;
    BeginCleaning(now_ms, natural_kill_at, /*then_finalize=*/true, out);
    return true;
  }
  LaunchReady(/*final_set=*/false, now_ms, out);
  // Deadlocked when no unfinished non-ephemeral process can make progress any more
  // (ephemeral sidecars running forever do not keep a broken task alive).
  std::map<std::string, bool> memo;
  bool progress = false;
  for (const auto& [name, p] : processes_) {
    if (p.spec.final || p.spec.ephemeral) continue;
    progress = progress || p.state == ProcessState::kRunning ||
               (p.state == ProcessState::kWaiting && CanStillRun(name, memo));
  }
  if (!progress) {
    outcome_ = Outcome::kFailed;
    outcome_message_ = last_failure_.empty()
                           ? std::string("Task deadlocked: no process can run")
                           : absl::StrCat(last_failure_, "; the processes after it cannot run");
    BeginCleaning(now_ms, natural_kill_at, /*then_finalize=*/true, out);
    return true;
  }
  return false;
}

bool ProcessGraph::AdvanceCleaning(int64_t now_ms, std::vector<Action>& out) {
  if (!kill_sent_ && now_ms >= kill_at_ms_ && !live_groups_.empty()) {
    kill_sent_ = true;
    Action kill;
    kill.kind = Action::Kind::kSignalGroups;
    kill.signal = Action::Signal::kKill;
    kill.pgids.assign(live_groups_.begin(), live_groups_.end());
    out.push_back(std::move(kill));
  }
  bool running = AnyRunning(false) || AnyRunning(true);
  if (running || !live_groups_.empty()) return false;
  bool has_final = std::any_of(processes_.begin(), processes_.end(),
                               [](const auto& entry) { return entry.second.spec.final; });
  if (then_finalize_ && has_final) {
    then_finalize_ = false;
    stage_ = TaskStage::kFinalizing;
    return true;
  }
  stage_ = TaskStage::kDone;
  Action report;
  report.kind = Action::Kind::kReport;
  switch (outcome_) {
    case Outcome::kFinished:
      report.status = model::ScheduleStatus::kFinished;
      break;
    case Outcome::kKilled:
      report.status = model::ScheduleStatus::kKilled;
      break;
    case Outcome::kNone:
    case Outcome::kFailed:
      report.status = model::ScheduleStatus::kFailed;
      break;
  }
  report.message = outcome_message_;
  out.push_back(std::move(report));
  return true;
}

bool ProcessGraph::AdvanceFinalizing(int64_t now_ms, std::vector<Action>& out) {
  int64_t budget_end = budget_end_ms_.value_or(now_ms);
  if (now_ms >= budget_end) {
    BeginCleaning(now_ms, now_ms, /*then_finalize=*/false, out);
    return true;
  }
  bool complete = true;
  for (const auto& [name, p] : processes_) {
    if (!p.spec.final) continue;
    if (p.state != ProcessState::kSuccess && p.state != ProcessState::kFailed) complete = false;
  }
  if (!complete) LaunchReady(/*final_set=*/true, now_ms, out);
  if (complete || (!AnyRunning(true) && !AnyViable(true))) {
    BeginCleaning(now_ms, std::min(now_ms + kill_grace_ms_, budget_end),
                  /*then_finalize=*/false, out);
    return true;
  }
  return false;
}

void ProcessGraph::BeginCleaning(int64_t now_ms, int64_t kill_at_ms, bool then_finalize,
                                 std::vector<Action>& out) {
  if (!budget_end_ms_) {
    budget_end_ms_ = now_ms + int64_t{task_.finalization_wait_secs} * 1000;
    if (kill_deadline_ms_) budget_end_ms_ = std::min(*budget_end_ms_, *kill_deadline_ms_);
  }
  if (then_finalize) kill_at_ms = std::min(kill_at_ms, *budget_end_ms_);
  if (kill_deadline_ms_) kill_at_ms = std::min(kill_at_ms, *kill_deadline_ms_);
  stage_ = TaskStage::kCleaning;
  then_finalize_ = then_finalize;
  kill_at_ms_ = kill_at_ms;
  kill_sent_ = false;
  if (!live_groups_.empty()) {
    Action term;
    term.kind = Action::Kind::kSignalGroups;
    term.signal = Action::Signal::kTerminate;
    term.pgids.assign(live_groups_.begin(), live_groups_.end());
    out.push_back(std::move(term));
  }
}

void ProcessGraph::LaunchReady(bool final_set, int64_t now_ms, std::vector<Action>& out) {
  for (const std::string& name : order_) {
    ProcessInfo& p = processes_.at(name);
    if (p.spec.final != final_set || p.state != ProcessState::kWaiting) continue;
    if (!DepsSucceeded(name)) continue;
    if (auto gate = GateMs(p); gate && now_ms < *gate) continue;
    if (task_.max_concurrency > 0 && RunningCount() >= task_.max_concurrency) return;
    p.state = ProcessState::kRunning;
    p.pid = 0;
    Action launch;
    launch.kind = Action::Kind::kLaunch;
    launch.process = name;
    launch.run = p.runs++;
    RunRecord record;
    record.run = launch.run;
    record.start_ms = now_ms;
    p.history.push_back(record);
    out.push_back(std::move(launch));
  }
}

// Closes the latest run's record (a run's own outcome: a daemon's clean exit at the run
// cap is a SUCCESS run even though the process then fails).
void ProcessGraph::EndRun(ProcessInfo& p, ProcessState state, std::optional<ExitStatus> exit,
                          int64_t now_ms) {
  if (p.history.empty() || p.history.back().state != ProcessState::kRunning) return;
  RunRecord& record = p.history.back();
  record.state = state;
  record.exit = exit;
  record.stop_ms = now_ms;
}

void ProcessGraph::RecordFailedRun(ProcessInfo& p, const std::string& why, int64_t now_ms) {
  ++p.failures;
  p.last_end_ms = now_ms;
  bool retry = (p.spec.max_failures == 0 || p.failures < p.spec.max_failures) &&
               p.runs < kMaxRunsPerProcess;
  if (retry) {
    p.state = ProcessState::kWaiting;
  } else if (p.spec.ephemeral) {
    p.state = ProcessState::kSuccess;  // an ephemeral process never fails the task
  } else {
    p.state = ProcessState::kFailed;
    if (!p.spec.final) ++failed_processes_;
    last_failure_ = absl::StrCat("Process '", p.spec.name, "' failed (", why, ") after ", p.runs,
                                 " attempt(s)");
  }
}

bool ProcessGraph::InCurrentSet(const ProcessInfo& p) const {
  return (stage_ == TaskStage::kActive && !p.spec.final) ||
         (stage_ == TaskStage::kFinalizing && p.spec.final);
}

bool ProcessGraph::DepsSucceeded(const std::string& name) const {
  auto it = deps_.find(name);
  if (it == deps_.end()) return true;
  return std::all_of(it->second.begin(), it->second.end(), [this](const std::string& d) {
    return processes_.at(d).state == ProcessState::kSuccess;
  });
}

// A waiting process can still run if each predecessor succeeded or can still succeed.
bool ProcessGraph::CanStillRun(const std::string& name, std::map<std::string, bool>& memo) const {
  if (auto it = memo.find(name); it != memo.end()) return it->second;
  const ProcessInfo& p = processes_.at(name);
  bool ok = p.state == ProcessState::kSuccess || p.state == ProcessState::kRunning ||
            p.state == ProcessState::kWaiting;
  if (ok && p.state != ProcessState::kSuccess) {
    if (auto it = deps_.find(name); it != deps_.end()) {
      for (const std::string& d : it->second) ok = ok && CanStillRun(d, memo);
    }
  }
  memo[name] = ok;
  return ok;
}

bool ProcessGraph::AnyRunning(bool final_set) const {
  return std::any_of(processes_.begin(), processes_.end(), [final_set](const auto& entry) {
    return entry.second.spec.final == final_set && entry.second.state == ProcessState::kRunning;
  });
}

bool ProcessGraph::AnyViable(bool final_set) const {
  std::map<std::string, bool> memo;
  for (const auto& [name, p] : processes_) {
    if (p.spec.final == final_set && p.state == ProcessState::kWaiting && CanStillRun(name, memo)) {
      return true;
    }
  }
  return false;
}

int ProcessGraph::RunningCount() const {
  return static_cast<int>(std::count_if(processes_.begin(), processes_.end(), [](const auto& e) {
    return e.second.state == ProcessState::kRunning;
  }));
}

std::optional<int64_t> ProcessGraph::GateMs(const ProcessInfo& p) const {
  if (p.runs == 0) return std::nullopt;
  return p.last_end_ms + int64_t{p.spec.min_duration_secs} * 1000;
}

}  // namespace borealis::executor
