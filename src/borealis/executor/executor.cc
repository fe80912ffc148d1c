// The executor's event loop: the effects side of ProcessGraph (see executor.h).
#include "borealis/executor/executor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "borealis/base/log.h"
#include "borealis/base/status.h"
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

namespace borealis::executor {
namespace {

// How often the loop looks at process groups while it waits for them to go away,
// and at most how long it sleeps otherwise (a safety net; SIGCHLD normally wakes it).
constexpr int kCleaningPollMs = 200;
constexpr int kIdlePollMs = 10'000;
// The whole shutdown (lifecycle POSTs and waits, TERM and KILL, the finalizing
// processes) is bounded by this (docs/health-checks.md, "Graceful shutdown").
constexpr int64_t kStopTimeoutMs = 120'000;
// A lifecycle POST gives up after this long (or its phase's wait, when shorter).
constexpr int64_t kLifecyclePostTimeoutMs = 5'000;
constexpr char kSnoozeFileName[] = ".healthchecksnooze";

}  // namespace

Executor::Executor(const ExecutorFlags& flags, base::Clock& clock)
    : clock_(clock), notifier_(flags.agent_socket) {
  std::error_code ec;
  auto absolute = std::filesystem::absolute(flags.task_dir, ec);
  task_dir_ = ec ? flags.task_dir : absolute.lexically_normal().string();
  while (task_dir_.size() > 1 && task_dir_.back() == '/') task_dir_.pop_back();
  sandbox_ = absl::StrCat(task_dir_, "/", kSandboxDirName);
}

Executor::~Executor() {
  if (signal_fd_ >= 0) ::close(signal_fd_);
}

int Executor::Run() {
  status_.task_id = std::filesystem::path(task_dir_).filename().string();
  status_.executor_pid = static_cast<int>(::getpid());
  status_.executor_start_ticks = ProcessStartTicks(::getpid()).value_or(0);
  wall_offset_ms_ = clock_.NowMs() - MonoMs();
  if (absl::Status s = SetUpSignals(); !s.ok()) return Fail(std::string(s.message()));
  if (absl::Status s = Prepare(); !s.ok()) return Fail(std::string(s.message()));
  Apply(graph_->Start(MonoMs()));
  if (health_ != nullptr) health_->Start();
  if (!Publish()) return 1;
  while (!graph_->done()) {
    WaitForEvents();
    HandleEvents();
    if (!Publish()) return 1;
  }
  SignalStrays(SIGKILL);  // anything that escaped its process group
  if (isolation_ != nullptr) isolation_->Cleanup();  // and anything left in its cgroup
  DrainLogs();
  pumps_.clear();
  LOG_INFO("task {} ended", task_.task_id);
  return Publish() ? 0 : 1;
}

absl::Status Executor::SetUpSignals() {
  sigset_t mask;
  sigemptyset(&mask);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT}) sigaddset(&mask, sig);
  if (::sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) {
    return absl::InternalError(absl::StrCat("sigprocmask: ", std::strerror(errno)));
  }
  ::signal(SIGPIPE, SIG_IGN);
  signal_fd_ = ::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd_ < 0) {
    return absl::InternalError(absl::StrCat("signalfd: ", std::strerror(errno)));
  }
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    LOG_WARN("cannot become a child subreaper: {}", std::strerror(errno));
  }
  return absl::OkStatus();
}

// Reads task.json and the task, creates the sandbox, binds the templates.
absl::Status Executor::Prepare() {
  std::string path = absl::StrCat(task_dir_, "/", kTaskFileName);
  std::ifstream in(path);
  if (!in.good()) {
    return absl::NotFoundError(absl::StrCat("cannot read ", kTaskFileName, " in '", task_dir_,
                                            "': ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  auto task = ParseTaskFile(text.str());
  if (!task.ok()) return task.status();
  task_ = *std::move(task);
  status_.task_id = task_.task_id;
  Record(model::ScheduleStatus::kStarting, "Initializing sandbox");
  if (!Publish()) return absl::InternalError("cannot write status.json");

  auto spec = config::ParseExecutorData(task_.executor_data);
  if (!spec.ok()) return spec.status();
  RETURN_IF_ERROR(MakeDirs(sandbox_));
  config::RuntimeContext context;
  context.instance = task_.instance_id;
  context.hostname = task_.hostname;
  context.task_id = task_.task_id;
  context.ports = task_.ports;
  for (const config::ProcessSpec& p : spec->processes) {
    auto cmdline = config::ResolveRuntimeTemplates(p.cmdline, context);
    if (!cmdline.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("process '", p.name, "': ", cmdline.status().message()));
    }
    cmdlines_[p.name] = *std::move(cmdline);
  }
  RETURN_IF_ERROR(PrepareChecks(context));
  ASSIGN_OR_RETURN(log_configs_, ReadLogConfigs(task_.executor_data));
  RETURN_IF_ERROR(PrepareIsolation(*spec));
  graph_ = std::make_unique<ProcessGraph>(*std::move(spec), task_.kill_grace_ms,
                                          /*report_running=*/health_ == nullptr);
  LOG_INFO("task {}: {} process(es), sandbox {}", task_.task_id, cmdlines_.size(), sandbox_);
  return absl::OkStatus();
}

// Reads the health check and lifecycle settings; makes the monitor when one applies.
absl::Status Executor::PrepareChecks(const config::RuntimeContext& context) {
  ASSIGN_OR_RETURN(checks_, ReadTaskChecks(task_.executor_data, task_.ports));
  HealthCheckSpec& h = checks_.health;
  if (h.kind == CheckerKind::kShell) {
    auto command = config::ResolveRuntimeTemplates(h.shell_command, context);
    if (!command.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("health check shell_command: ", command.status().message()));
    }
    h.shell_command = *std::move(command);
  }
  if (h.kind == CheckerKind::kNone) return absl::OkStatus();
  HealthPolicy policy;
  policy.initial_interval_ms = h.initial_interval_ms;
  policy.interval_ms = h.interval_ms;
  policy.max_consecutive_failures = h.max_consecutive_failures;
  policy.min_consecutive_successes = h.min_consecutive_successes;
  health_ = std::make_unique<HealthMonitor>(policy, clock_);
  return absl::OkStatus();
}

// Records FAILED for a task that could not be set up.
int Executor::Fail(const std::string& why) {
  LOG_ERROR("task {} failed: {}", status_.task_id, why);
  Record(model::ScheduleStatus::kFailed, why);
  Publish();
  return 1;
}

void Executor::Record(model::ScheduleStatus state, const std::string& message) {
  StatusUpdate u;
  u.seq = static_cast<int64_t>(status_.updates.size()) + 1;
  u.state = std::string(model::StatusName(state));
  u.message = message;
  u.timestamp_ms = clock_.NowMs();
  LOG_INFO("task {} -> {}: {}", status_.task_id, u.state, message);
  status_.updates.push_back(std::move(u));
}

// Writes status.json when it changed and pokes the agent. False: write failed.
bool Executor::Publish() {
  if (graph_ != nullptr) {
    status_.processes.clear();
    for (const auto& [name, p] : graph_->processes()) {
      ProcessRecord& record = status_.processes[name];
      record = {std::string(ProcessStateName(p.state)), p.runs, p.pid,
                p.last_exit ? p.last_exit->code() : -1, {}};
      for (const RunRecord& r : p.history) {
        bool running = r.state == ProcessState::kRunning;
        record.history.push_back({r.run, std::string(ProcessStateName(r.state)), r.pid,
                                  r.exit ? r.exit->code() : -1, r.start_ms + wall_offset_ms_,
                                  running ? 0 : r.stop_ms + wall_offset_ms_});
      }
    }
    status_.pgids.assign(graph_->live_groups().begin(), graph_->live_groups().end());
    status_.group_start_ticks.clear();
    for (int pgid : status_.pgids) {
      auto ticks = group_ticks_.find(pgid);
      if (ticks != group_ticks_.end()) status_.group_start_ticks[pgid] = ticks->second;
    }
  }
  std::string json = StatusToJson(status_);
  if (json == last_written_) return true;
  // Not fsynced (status_file.h): nobody reads it after a power loss that the executor
  // would not survive either.
  absl::Status s = WriteFileAtomically(absl::StrCat(task_dir_, "/", kStatusFileName), json,
                                       base::Durability::kProcessCrash);
  if (!s.ok()) {
    LOG_ERROR("cannot write status: {}", std::string(s.message()));
    return false;
  }
  last_written_ = std::move(json);
  if (absl::Status n = notifier_.Notify(status_.task_id); !n.ok()) {
    LOG_WARN("cannot notify the agent: {}", std::string(n.message()));
  }
  return true;
}

void Executor::WaitForEvents() {
  int cap = graph_->stage() == TaskStage::kCleaning ? kCleaningPollMs : kIdlePollMs;
  std::optional<int64_t> next = graph_->NextDeadlineMs();
  auto consider = [&next](int64_t t) { next = next ? std::min(*next, t) : t; };
  if (health_ != nullptr) {
    if (auto check = health_->NextCheckMs()) consider(*check);
  }
  if (shell_check_pid_ > 0) consider(shell_check_deadline_ms_);
  if (isolation_ != nullptr) {
    if (auto check = isolation_->NextCheckMs()) consider(*check);
  }
  if (shutdown_ == Shutdown::kGraceful || shutdown_ == Shutdown::kHard) {
    consider(shutdown_phase_end_ms_);
  }
  int timeout = cap;
  if (next) timeout = static_cast<int>(std::clamp<int64_t>(*next - MonoMs(), 0, cap));
  std::vector<pollfd> fds = {{signal_fd_, POLLIN, 0}};
  for (const BackgroundCall* call : {&health_call_, &graceful_call_, &abort_call_}) {
    if (call->busy() && call->fd() >= 0) fds.push_back({call->fd(), POLLIN, 0});
  }
  for (const auto& pump : pumps_) fds.push_back({pump->fd(), POLLIN, 0});
  int rc = ::poll(fds.data(), fds.size(), timeout);
  if (rc < 0 && errno != EINTR) LOG_WARN("poll: {}", std::strerror(errno));
}

void Executor::HandleEvents() {
  signalfd_siginfo info;
  while (::read(signal_fd_, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
    if ((info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) && !kill_requested_) {
      kill_requested_ = true;
      LOG_INFO("task {}: kill requested (signal {})", task_.task_id, info.ssi_signo);
      BeginShutdown("");
    }
  }
  DrainLogs();
  ReapChildren();
  if (auto failure = isolation_->Check(MonoMs()); failure && !graph_->done()) {
    FailTask(*failure);  // over its memory or disk
  }
  for (int pgid : std::vector<int>(graph_->live_groups().begin(), graph_->live_groups().end())) {
    if (!GroupAlive(pgid)) Apply(graph_->OnGroupGone(pgid, MonoMs()));
  }
  HandleHealth();
  AdvanceShutdown();
  Apply(graph_->OnTick(MonoMs()));
}

// Health checks (docs/health-checks.md): collects a finished probe, times out a shell check,
// starts the next probe when due. Checking stops once the task is being shut down.
void Executor::HandleHealth() {
  if (health_ == nullptr) return;
  if (auto result = health_call_.Take()) {
    OnHealthResult(result->ok(), std::string(result->message()));
  }
  if (shell_check_pid_ > 0 && MonoMs() >= shell_check_deadline_ms_) {
    SignalGroup(shell_check_pid_, SIGKILL);  // reaped later as an unknown child
    shell_check_pid_ = 0;
    OnHealthResult(false, absl::StrCat("shell health check timed out after ",
                                       checks_.health.timeout_ms, " ms"));
  }
  if (graph_->stage() != TaskStage::kActive || graph_->draining()) {
    health_->Stop();
    return;
  }
  if (health_->CheckDue()) StartHealthCheck();
}

void Executor::StartHealthCheck() {
  struct stat st;
  if (::stat(absl::StrCat(sandbox_, "/", kSnoozeFileName).c_str(), &st) == 0) {
    OnHealthChange(health_->OnSnoozed());
    return;
  }
  health_->OnCheckStarted();
  const HealthCheckSpec& h = checks_.health;
  base::Clock& clock = clock_;
  switch (h.kind) {
    case CheckerKind::kHttp:
      health_call_.Start([h, &clock]() -> absl::Status {
        absl::StatusOr<HttpReply> reply =
            HttpCall("GET", h.port, h.endpoint, h.timeout_ms, clock);
        if (!reply.ok()) return reply.status();
        return CheckHttpResponse(*reply, h.expected_response, h.expected_response_code);
      });
      break;
    case CheckerKind::kTcp:
      health_call_.Start([h, &clock] { return TcpProbe(h.port, h.timeout_ms, clock); });
      break;
    case CheckerKind::kShell:
      StartShellCheck();
      break;
    case CheckerKind::kNone:
      break;
  }
}

void Executor::StartShellCheck() {
  SpawnRequest request;
  request.cmdline = checks_.health.shell_command;
  request.cwd = sandbox_;
  request.stdout_path = "/dev/null";
  request.stderr_path = "/dev/null";
  request.env = ProcessEnvironment(sandbox_, isolation_->user_name());
  request.isolation = isolation_->child_setup();
  absl::StatusOr<pid_t> pid = Spawn(request);
  if (!pid.ok()) {
    OnHealthResult(false, absl::StrCat("cannot start the shell health check: ",
                                       pid.status().message()));
    return;
  }
  shell_check_pid_ = *pid;
  shell_check_deadline_ms_ = MonoMs() + checks_.health.timeout_ms;
}

void Executor::OnHealthResult(bool healthy, const std::string& reason) {
  if (!healthy) LOG_WARN("task {}: health check failed: {}", task_.task_id, reason);
  OnHealthChange(health_->OnCheckResult(healthy, reason));
}

void Executor::OnHealthChange(HealthMonitor::Change change) {
  if (change == HealthMonitor::Change::kBecameHealthy && graph_->stage() == TaskStage::kActive &&
      !graph_->draining()) {
    Record(model::ScheduleStatus::kRunning, "Task is healthy");
  } else if (change == HealthMonitor::Change::kBecameUnhealthy) {
    BeginShutdown(absl::StrCat("Failed health check! ", health_->failure_reason()));
  }
}

// Kill (failure empty) or health kill: with a lifecycle, POST the graceful endpoint
// and wait, POST the shutdown endpoint and wait; then the graph cleans up (TERM, KILL)
// and finalizes, all within kStopTimeoutMs of now.
void Executor::BeginShutdown(const std::string& failure) {
  if (shutdown_ != Shutdown::kNone || graph_->done()) return;
  if (health_ != nullptr) health_->Stop();
  kill_failure_ = failure;
  int64_t now = MonoMs();
  if (!kill_deadline_ms_) kill_deadline_ms_ = now + kStopTimeoutMs;
  shutdown_deadline_ms_ = now + std::max<int64_t>(0, kStopTimeoutMs - task_.kill_grace_ms);
  const LifecycleSpec& l = checks_.lifecycle;
  if (!l.enabled || graph_->stage() != TaskStage::kActive || graph_->live_groups().empty()) {
    Terminate();
    return;
  }
  LOG_INFO("task {}: graceful shutdown through port {}", task_.task_id, l.port);
  shutdown_ = Shutdown::kGraceful;
  shutdown_phase_end_ms_ = std::min(now + l.graceful_shutdown_wait_ms, shutdown_deadline_ms_);
  Post(graceful_call_, l.graceful_shutdown_endpoint, l.graceful_shutdown_wait_ms);
  Apply(graph_->OnDrain(now, failure, kill_deadline_ms_));
}

void Executor::Post(BackgroundCall& call, const std::string& endpoint, int64_t wait_ms) {
  int port = checks_.lifecycle.port;
  int64_t timeout = std::clamp<int64_t>(wait_ms, 100, kLifecyclePostTimeoutMs);
  base::Clock& clock = clock_;
  call.Start([port, endpoint, timeout, &clock]() -> absl::Status {
    absl::StatusOr<HttpReply> reply = HttpCall("POST", port, endpoint, timeout, clock);
    if (!reply.ok()) return reply.status();
    return absl::OkStatus();
  });
}

void Executor::AdvanceShutdown() {
  for (BackgroundCall* call : {&graceful_call_, &abort_call_}) {
    if (auto result = call->Take(); result && !result->ok()) {
      LOG_WARN("task {}: lifecycle POST: {}", task_.task_id, std::string(result->message()));
    }
  }
  if (shutdown_ != Shutdown::kGraceful && shutdown_ != Shutdown::kHard) return;
  if (graph_->done() || MonoMs() < shutdown_phase_end_ms_) return;
  const LifecycleSpec& l = checks_.lifecycle;
  if (shutdown_ == Shutdown::kGraceful) {
    shutdown_ = Shutdown::kHard;
    shutdown_phase_end_ms_ = std::min(MonoMs() + l.shutdown_wait_ms, shutdown_deadline_ms_);
    Post(abort_call_, l.shutdown_endpoint, l.shutdown_wait_ms);
  } else {
    Terminate();
  }
}

// The user, the cgroup and the watched limits (task_isolation.h).
absl::Status Executor::PrepareIsolation(const config::TaskSpec& spec) {
  IsolationRequest r;
  r.task_id = task_.task_id;
  r.role = task_.role;
  r.sandbox = sandbox_;
  r.run_as_agent_user = task_.run_as_agent_user;
  r.cgroups = task_.isolation == "cgroups";
  r.cgroup_parent = task_.cgroup_parent;
  r.cpu_millis = static_cast<int64_t>(spec.cpu * 1000 + 0.5);
  r.ram_bytes = spec.ram_bytes;
  r.disk_bytes = spec.disk_bytes;
  r.check_interval_ms = task_.disk_check_interval_ms;
  ASSIGN_OR_RETURN(isolation_, TaskIsolation::Prepare(r));
  LOG_INFO("task {}: isolation: {}", task_.task_id, isolation_->Describe());
  return absl::OkStatus();
}

// A limit was exceeded: end the task FAILED with `reason` (no graceful shutdown; the
// finalizing processes still run).
void Executor::FailTask(const std::string& reason) {
  LOG_WARN("task {}: {}", task_.task_id, reason);
  if (health_ != nullptr) health_->Stop();
  kill_failure_ = reason;
  if (!kill_deadline_ms_) kill_deadline_ms_ = MonoMs() + kStopTimeoutMs;
  Terminate();
}

void Executor::Terminate() {
  shutdown_ = Shutdown::kTerminating;
  Apply(graph_->OnKillRequested(MonoMs(), kill_failure_, kill_deadline_ms_));
}

void Executor::ReapChildren() {
  int wstatus = 0;
  pid_t pid;
  while ((pid = ::waitpid(-1, &wstatus, WNOHANG)) > 0) {
    if (pid == shell_check_pid_) {
      shell_check_pid_ = 0;
      ExitStatus exit = FromWaitStatus(wstatus);
      OnHealthResult(exit.success(), absl::StrCat("shell health check: ", exit.Describe()));
      continue;
    }
    auto it = running_.find(pid);
    if (it == running_.end()) continue;  // an adopted orphan or a timed-out check
    std::string process = it->second;
    running_.erase(it);
    ExitStatus exit = FromWaitStatus(wstatus);
    LOG_INFO("process {} (pid {}) ended: {}", process, pid, exit.Describe());
    if (exit.signaled) {  // killed by the kernel for memory? Then the task fails.
      if (auto failure = isolation_->CheckMemory()) FailTask(*failure);
    }
    Apply(graph_->OnExited(process, exit, MonoMs()));
  }
}

void Executor::Apply(const std::vector<Action>& actions) {
  for (const Action& a : actions) {
    switch (a.kind) {
      case Action::Kind::kLaunch:
        Launch(a.process, a.run);
        break;
      case Action::Kind::kSignalGroups: {
        int sig = a.signal == Action::Signal::kKill ? SIGKILL : SIGTERM;
        for (int pgid : a.pgids) SignalGroup(pgid, sig);
        SignalStrays(sig);
        isolation_->Signal(sig);  // members of the cgroup that left their groups
        break;
      }
      case Action::Kind::kReport:
        Record(a.status, a.message);
        break;
    }
  }
}

void Executor::Launch(const std::string& process, int run) {
  // <sandbox>/.logs/<process>/<run>, opened level by level without following a link:
  // the task's user owns the sandbox (log_files.h).
  const std::string dir_path = absl::StrCat(sandbox_, "/", kLogsDirName, "/", process, "/", run);
  absl::StatusOr<DirFd> dir = OpenRunLogDir(sandbox_, process, run);
  SpawnRequest request;
  request.cmdline = cmdlines_.at(process);
  request.cwd = sandbox_;
  // Decided now, not once for the task: an earlier process may have written the
  // .thermos_profile that this one is to source.
  request.env = ProcessEnvironment(sandbox_, isolation_->user_name());
  request.isolation = isolation_->child_setup();
  absl::Status made = dir.status();
  auto config = log_configs_.find(process);
  const LogConfig logger = config == log_configs_.end() ? LogConfig() : config->second;
  if (made.ok()) made = RouteOutput(logger, *dir, dir_path, "stdout", STDOUT_FILENO, request);
  if (made.ok()) made = RouteOutput(logger, *dir, dir_path, "stderr", STDERR_FILENO, request);
  absl::StatusOr<pid_t> pid = made.ok() ? Spawn(request) : absl::StatusOr<pid_t>(made);
  for (int fd : {request.stdout_fd, request.stderr_fd}) {
    if (fd >= 0) ::close(fd);  // the child has its copy; EOF once the run's tree is gone
  }
  if (pid.ok()) group_ticks_[*pid] = ProcessStartTicks(*pid).value_or(0);
  if (!pid.ok()) {
    LOG_ERROR("process {} run {}: {}", process, run, std::string(pid.status().message()));
    Apply(graph_->OnLaunchFailed(process, std::string(pid.status().message()), MonoMs()));
    return;
  }
  running_[*pid] = process;
  LOG_INFO("process {} run {} started as pid {}", process, run, *pid);
  Apply(graph_->OnLaunched(process, *pid, MonoMs()));
}

// Points one output stream of a run where its logger says (log_writer.h): a log file
// in `dir` that the executor opens (log_files.h) and hands over, /dev/null, the
// executor's own descriptor (inherited), or a pipe that a LogPump copies to a rotating
// file and/or the console.
absl::Status Executor::RouteOutput(const LogConfig& logger, const DirFd& dir,
                                   const std::string& dir_path, const char* name,
                                   int console_fd, SpawnRequest& request) {
  std::string& path = console_fd == STDOUT_FILENO ? request.stdout_path : request.stderr_path;
  int& fd = console_fd == STDOUT_FILENO ? request.stdout_fd : request.stderr_fd;
  if (!logger.needs_pump()) {
    if (logger.to_file()) {
      ASSIGN_OR_RETURN(fd, OpenLogFile(dir, name, absl::StrCat(dir_path, "/", name)));
    } else if (logger.destination == LogConfig::Destination::kNone) {
      path = "/dev/null";
    }  // console: left empty, so the child inherits the executor's descriptor
    return absl::OkStatus();
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("cannot make a pipe for ", name, ": ",
                                            std::strerror(errno)));
  }
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  std::unique_ptr<RotatingLog> file;
  if (logger.to_file()) {
    absl::StatusOr<DirFd> own = dir.Dup();
    if (!own.ok()) {
      ::close(fds[0]);
      ::close(fds[1]);
      return own.status();
    }
    file = std::make_unique<RotatingLog>(*std::move(own), dir_path, name, logger);
  }
  pumps_.push_back(
      std::make_unique<LogPump>(fds[0], std::move(file), logger.to_console() ? console_fd : -1));
  fd = fds[1];
  return absl::OkStatus();
}

// Copies what the runs wrote into their pipes; forgets pipes whose writers are gone.
void Executor::DrainLogs() {
  std::erase_if(pumps_, [](const std::unique_ptr<LogPump>& pump) { return !pump->Drain(); });
}

// Orphans reparented to us (a process that left its group, e.g. a daemonizing
// double fork): signal their groups too, so nothing of the task outlives it.
void Executor::SignalStrays(int sig) {
  const pid_t own_group = ::getpgrp();
  for (pid_t child : ChildPids()) {
    if (running_.count(child) != 0) continue;
    pid_t pgid = ::getpgid(child);
    if (pgid > 1 && pgid != own_group) SignalGroup(pgid, sig);
    ::kill(child, sig);
  }
}

int RunExecutor(const ExecutorFlags& flags, base::Clock& clock) {
  Executor executor(flags, clock);
  return executor.Run();
}

}  // namespace borealis::executor
