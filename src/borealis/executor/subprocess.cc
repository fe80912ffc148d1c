// Process start/stop helpers (see subprocess.h).
#include "borealis/executor/subprocess.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace borealis::executor {
namespace {

constexpr char kBash[] = "/bin/bash";
constexpr char kDefaultPath[] = "/usr/local/bin:/usr/bin:/bin";

absl::Status SpawnError(const std::string& what, int err) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(err)));
}

// Owns posix_spawn's attribute and file-action objects.
class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawnattr_init(&attr_);
    posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attr_);
    posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  int Prepare(const SpawnRequest& r) {
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGCHLD, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) {
      sigaddset(&defaults, sig);
    }
    short flags = POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    int rc = posix_spawnattr_setflags(&attr_, flags);
    if (rc == 0) rc = posix_spawnattr_setsigmask(&attr_, &none);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&attr_, &defaults);
    if (rc == 0) rc = posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0) rc = AddOutput(1, r.stdout_fd, r.stdout_path);
    if (rc == 0) rc = AddOutput(2, r.stderr_fd, r.stderr_path);
    if (rc == 0) rc = posix_spawn_file_actions_addchdir_np(&actions_, r.cwd.c_str());
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions_, 3);
    return rc;
  }

  const posix_spawnattr_t* attr() const { return &attr_; }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }

 private:
  // Child descriptor `target` (1 or 2) from `fd`, else `path`, else left inherited.
  int AddOutput(int target, int fd, const std::string& path) {
    if (fd >= 0) return posix_spawn_file_actions_adddup2(&actions_, fd, target);
    if (path.empty()) return 0;
    return posix_spawn_file_actions_addopen(&actions_, target, path.c_str(),
                                            O_WRONLY | O_CREAT | O_APPEND, 0644);
  }

  posix_spawnattr_t attr_;
  posix_spawn_file_actions_t actions_;
};

}  // namespace

ExecArgs::ExecArgs(const SpawnRequest& request)
    : strings_({"bash", "-c", request.cmdline}), env_(request.env) {
  for (std::string& a : strings_) argv_.push_back(a.data());
  argv_.push_back(nullptr);
  for (std::string& e : env_) envp_.push_back(e.data());
  envp_.push_back(nullptr);
}

std::vector<std::string> ProcessEnvironment(const std::string& sandbox, const std::string& user) {
  std::vector<std::string> env;
  const char* path = std::getenv("PATH");
  env.push_back(absl::StrCat("PATH=", path != nullptr && *path ? path : kDefaultPath));
  if (const char* lang = std::getenv("LANG"); lang != nullptr) {
    env.push_back(absl::StrCat("LANG=", lang));
  }
  env.push_back(absl::StrCat("HOME=", sandbox));
  if (!user.empty()) {
    env.push_back(absl::StrCat("USER=", user));
    env.push_back(absl::StrCat("LOGNAME=", user));
  }
  std::string profile = sandbox + "/.thermos_profile";
  struct stat st{};
  if (::stat(profile.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    env.push_back(absl::StrCat("BASH_ENV=", profile));
  }
  return env;
}

absl::StatusOr<pid_t> Spawn(const SpawnRequest& request) {
  if (request.isolation != nullptr) return SpawnIsolated(request);
  SpawnSetup setup;
  if (int rc = setup.Prepare(request); rc != 0) return SpawnError("posix_spawn setup", rc);
  ExecArgs args(request);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, kBash, setup.actions(), setup.attr(), args.argv(), args.envp());
  if (rc != 0) return SpawnError(absl::StrCat("cannot start ", kBash), rc);
  return pid;
}

void SignalGroup(pid_t pgid, int signal) {
  if (pgid > 1) ::kill(-pgid, signal);
}

bool GroupAlive(pid_t pgid) {
  if (pgid <= 1) return false;
  return ::kill(-pgid, 0) == 0 || errno == EPERM;
}

std::vector<pid_t> ChildPids() {
  std::vector<pid_t> children;
  const pid_t self = ::getpid();
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return children;
  while (dirent* entry = ::readdir(dir)) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
    std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
    std::stringstream buf;
    buf << in.rdbuf();
    std::string stat = buf.str();
    size_t close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) continue;
    std::vector<std::string> fields = absl::StrSplit(stat.substr(close + 2), ' ');
    pid_t ppid = 0;
    if (fields.size() > 1 && absl::SimpleAtoi(fields[1], &ppid) && ppid == self) {
      children.push_back(pid);
    }
  }
  ::closedir(dir);
  return children;
}

ExitStatus FromWaitStatus(int status) {
  ExitStatus exit;
  if (WIFSIGNALED(status)) {
    exit.signaled = true;
    exit.value = WTERMSIG(status);
  } else {
    exit.value = WEXITSTATUS(status);
  }
  return exit;
}

absl::Status MakeDirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("cannot create directory '", path, "': ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace borealis::executor
