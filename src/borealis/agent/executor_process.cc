// posix_spawn (new session) of executors, and identity-checked probes and signals
// (see executor_process.h).
#include "borealis/agent/executor_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
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

// Owns posix_spawn's attribute and file-action objects.
class SpawnAttributes {
 public:
  SpawnAttributes() {
    posix_spawnattr_init(&attr_);
    posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnAttributes() {
    posix_spawnattr_destroy(&attr_);
    posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;

  // A new session, every signal back to its default action (ignored ones too), an empty
  // mask; stdin from null_fd, stdout and stderr to log_fd, every other descriptor closed.
  int Prepare(int null_fd, int log_fd) {
    sigset_t none;
    sigemptyset(&none);
    sigset_t all;
    sigfillset(&all);
    short flags = POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    int rc = posix_spawnattr_setflags(&attr_, flags);
    if (rc == 0) rc = posix_spawnattr_setsigmask(&attr_, &none);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&attr_, &all);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions_, null_fd, 0);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions_, log_fd, 1);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions_, log_fd, 2);
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions_, 3);
    return rc;
  }

  const posix_spawnattr_t* attr() const { return &attr_; }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }

 private:
  posix_spawnattr_t attr_;
  posix_spawn_file_actions_t actions_;
};

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
  if (null_fd < 0) {
    int err = errno;
    ::close(log_fd);
    return absl::InternalError(
        absl::StrCat("cannot prepare executor launch: ", std::strerror(err)));
  }
  // posix_spawn, not fork: the child shares the agent's memory until it execs (glibc
  // clones with CLONE_VM | CLONE_VFORK), so no page table of this large, multi-threaded
  // process is copied and torn down again per launch, and the agent's threads take no
  // copy-on-write faults afterwards. It returns once the exec succeeded or with its error.
  SpawnAttributes spawn;
  pid_t pid = 0;
  int rc = spawn.Prepare(null_fd, log_fd);
  if (rc == 0) {
    rc = ::posix_spawn(&pid, command.executor_path.c_str(), spawn.actions(), spawn.attr(),
                       argv.data(), environ);
  }
  ::close(log_fd);
  ::close(null_fd);
  if (rc != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot execute executor '", command.executor_path, "': ", std::strerror(rc)));
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
