// posix_spawn-based daemon start and /proc readers (see process.h).
#include "borealis/cli/process.h"

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
#include "borealis/cli/files.h"

extern char** environ;

namespace borealis::cli {
absl::StatusOr<pid_t> SpawnDetached(const SpawnRequest& request) {
  std::vector<std::string> argv_storage = {request.binary};
  argv_storage.insert(argv_storage.end(), request.args.begin(), request.args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, request.log_file.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  sigset_t empty_mask, defaults;
  sigemptyset(&empty_mask);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &empty_mask);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, request.binary.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return absl::InternalError(
        absl::StrCat("cannot start ", request.binary, ": ", std::strerror(rc)));
  }
  return pid;
}

std::optional<std::string> ReapIfExited(pid_t pid) {
  int status = 0;
  const pid_t r = waitpid(pid, &status, WNOHANG);
  if (r != pid) return std::nullopt;
  if (WIFEXITED(status)) return absl::StrCat("exited with status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("was killed by signal ", WTERMSIG(status));
  return std::string("ended");
}

bool ProcessAlive(pid_t pid) {
  std::optional<base::ProcStat> stat = base::ReadProcStat(pid);
  return stat && stat->state != 'Z' && stat->state != 'X';
}

std::vector<std::string> ProcessCmdline(pid_t pid) {
  if (pid <= 0) return {};
  auto text = ReadFile(absl::StrCat("/proc/", pid, "/cmdline"));
  if (!text.ok() || text->empty()) return {};
  std::string body = *text;
  if (body.back() == '\0') body.pop_back();
  return absl::StrSplit(body, '\0');
}

std::string SelfExe() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

absl::Status SendSignal(pid_t pid, int signal) {
  if (pid == 0 || pid == -1) {
    return absl::InvalidArgumentError(absl::StrCat("refusing to signal pid ", pid));
  }
  if (kill(pid, signal) != 0 && errno != ESRCH) {
    return absl::InternalError(
        absl::StrCat("cannot signal ", pid, " with ", signal, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace borealis::cli
