// fork + setsid + exec of executors, and identity-checked probes and signals
// (see executor_process.h).
#include "borealis/agent/executor_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "borealis/agent/paths.h"

namespace borealis::agent {
namespace {

// Runs in the forked child: only async-signal-safe calls, then exec. Never returns.
[[noreturn]] void ExecChild(const char* path, char* const argv[], int null_fd, int log_fd,
                            int error_fd) {
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    sigaction(sig, &dfl, nullptr);  // fails harmlessly for reserved real-time signals
  }
  int err = 0;
  if (setsid() < 0 || dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0) {
    err = errno;
  } else {
    // Keep only 0-2 and the error pipe (close-on-exec, so a successful exec closes it).
    if (error_fd > 3) close_range(3, static_cast<unsigned>(error_fd) - 1, 0);
    close_range(static_cast<unsigned>(error_fd) + 1, ~0U, 0);
    execv(path, argv);
    err = errno;
  }
  ssize_t ignored = write(error_fd, &err, sizeof(err));
  (void)ignored;
  _exit(127);
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exit code ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("killed by signal ", WTERMSIG(status));
  return absl::StrCat("wait status ", status);
}

}  // namespace

absl::StatusOr<LaunchedExecutor> LaunchExecutor(const ExecutorCommand& command) {
  std::vector<std::string> args = {command.executor_path, "--task-dir", command.task_dir};
  if (!command.agent_socket.empty()) {
    args.push_back("--agent-socket");
    args.push_back(command.agent_socket);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int log_fd = ::open(command.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::InternalError(
        absl::StrCat("cannot open executor log '", command.log_path, "': ", std::strerror(errno)));
  }
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int pipe_fds[2] = {-1, -1};
  if (null_fd < 0 || ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    return absl::InternalError(
        absl::StrCat("cannot prepare executor launch: ", std::strerror(err)));
  }
  pid_t pid = ::fork();
  if (pid == 0) ExecChild(command.executor_path.c_str(), argv.data(), null_fd, log_fd, pipe_fds[1]);
  int fork_errno = errno;
  ::close(pipe_fds[1]);
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot fork executor: ", std::strerror(fork_errno)));
  }
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(pipe_fds[0], &child_errno, sizeof(child_errno));
  } while (n < 0 && errno == EINTR);
  ::close(pipe_fds[0]);
  if (n > 0) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot execute executor '", command.executor_path, "': ", std::strerror(child_errno)));
  }
  LaunchedExecutor launched;
  launched.pid = pid;
  // The start time is fixed at fork and survives exec; the executor reports the same value.
  if (std::optional<ProcStat> stat = ReadProcStat(pid)) launched.start_ticks = stat->start_ticks;
  return launched;
}

ExecutorProbe ProbeExecutor(int pid, int64_t start_ticks) {
  ExecutorProbe probe;
  if (pid <= 0) return probe;
  std::optional<ProcStat> stat = ReadProcStat(pid);
  if (!stat) {
    // Maybe our child that someone else reaped, or gone long ago.
    return probe;
  }
  if (start_ticks != 0 && stat->start_ticks != start_ticks) return probe;  // pid reused
  int status = 0;
  pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == pid) {
    probe.exit_reason = DescribeWaitStatus(status);
    return probe;
  }
  if (r == 0) {
    probe.alive = true;  // our child, still running
    return probe;
  }
  // Not our child (adopted after an agent restart): a zombie or dying process is gone.
  probe.alive = stat->state != 'Z' && stat->state != 'X';
  return probe;
}

bool SignalExecutor(int pid, int64_t start_ticks, int signal) {
  if (pid <= 0) return false;
  std::optional<ProcStat> stat = ReadProcStat(pid);
  if (!stat || (start_ticks != 0 && stat->start_ticks != start_ticks)) return false;
  return ::kill(pid, signal) == 0;
}

void KillProcessGroups(const std::vector<int>& pgids, const std::map<int, int64_t>& start_ticks) {
  pid_t own = ::getpgrp();
  for (int pgid : pgids) {
    if (pgid <= 1 || pgid == own) continue;
    if (auto known = start_ticks.find(pgid); known != start_ticks.end()) {
      std::optional<ProcStat> leader = ReadProcStat(pgid);
      if (leader && leader->start_ticks != known->second) continue;  // pid reused
    }
    ::kill(-pgid, SIGKILL);
  }
}

}  // namespace borealis::agent
