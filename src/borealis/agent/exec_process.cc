// ExecProcess (see exec_process.h).
#include "borealis/agent/exec_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace borealis::agent {
namespace {

absl::Status Errno(const char* what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

void SetNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// In the child (async-signal-safe calls only): the descriptors, the session, the user,
// the directory, then exec.
[[noreturn]] void ExecChild(const isolation::ChildSetup& setup, const char* cwd, int in_fd,
                            int out_fd, const char* slave, char* const argv[],
                            char* const envp[]) {
  ::setsid();
  if (slave != nullptr) {
    int fd = ::open(slave, O_RDWR);
    if (fd < 0) ::_exit(126);
    ::ioctl(fd, TIOCSCTTY, 0);
    in_fd = out_fd = fd;
  }
  ::dup2(in_fd, 0);
  ::dup2(out_fd, 1);
  ::dup2(out_fd, 2);
  for (int fd = 3; fd < 1024; ++fd) ::close(fd);
  const char* failed = nullptr;
  if (isolation::ApplyInChild(setup, &failed) != 0) {
    static const char kMsg[] = "borealis exec: cannot switch to the task's user\n";
    ssize_t ignored = ::write(2, kMsg, sizeof(kMsg) - 1);
    (void)ignored;
    ::_exit(126);
  }
  if (::chdir(cwd) != 0) {
    static const char kMsg[] = "borealis exec: cannot enter the sandbox\n";
    ssize_t ignored = ::write(2, kMsg, sizeof(kMsg) - 1);
    (void)ignored;
    ::_exit(126);
  }
  ::execve("/bin/bash", argv, envp);
  ::_exit(127);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ExecProcess>> ExecProcess::Spawn(const ExecSpec& spec) {
  std::unique_ptr<ExecProcess> p(new ExecProcess());
  p->pty_ = spec.pty;
  // Everything the child needs is built here: it may only make async-signal-safe calls.
  std::vector<std::string> args = {"bash"};
  if (spec.command.empty()) {
    if (!spec.pty) return absl::InvalidArgumentError("command: empty");
    args.push_back("-l");
  } else {
    args.insert(args.end(), {"-c", spec.command});
  }
  const std::string user = spec.user ? spec.user->name : "";
  std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + spec.home,
                                  "SHELL=/bin/bash", "PWD=" + spec.cwd};
  if (!user.empty()) env.insert(env.end(), {"USER=" + user, "LOGNAME=" + user});
  if (spec.pty) env.push_back("TERM=" + spec.term);
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  int child_in = -1, child_out = -1;
  base::UniqueFd child_in_holder, child_out_holder;
  std::string slave_name;
  if (spec.pty) {
    int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) return Errno("posix_openpt");
    p->out_ = base::UniqueFd(master);
    if (::grantpt(master) != 0 || ::unlockpt(master) != 0) return Errno("grantpt");
    char name[128];
    if (::ptsname_r(master, name, sizeof(name)) != 0) return Errno("ptsname");
    slave_name = name;
    if (spec.user.has_value()) {
      // The terminal belongs to whoever uses it.
      if (::chown(name, spec.user->uid, static_cast<gid_t>(-1)) != 0) return Errno("chown pty");
    }
    winsize ws{};
    ws.ws_row = static_cast<unsigned short>(spec.rows);
    ws.ws_col = static_cast<unsigned short>(spec.cols);
    ::ioctl(master, TIOCSWINSZ, &ws);
  } else {
    int in_pipe[2], out_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0) return Errno("pipe");
    child_in_holder = base::UniqueFd(in_pipe[0]);
    p->in_ = base::UniqueFd(in_pipe[1]);
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) return Errno("pipe");
    p->out_ = base::UniqueFd(out_pipe[0]);
    child_out_holder = base::UniqueFd(out_pipe[1]);
    child_in = child_in_holder.get();
    child_out = child_out_holder.get();
  }
  const char* slave = spec.pty ? slave_name.c_str() : nullptr;
  isolation::ChildSetup setup;  // built here: the child must not allocate
  setup.user = spec.user;
  const pid_t pid = ::fork();
  if (pid < 0) return Errno("fork");
  if (pid == 0) {
    ExecChild(setup, spec.cwd.c_str(), child_in, child_out, slave, argv.data(), envp.data());
  }
  p->pid_ = pid;
  SetNonBlocking(p->out_.get());
  if (p->in_.valid()) SetNonBlocking(p->in_.get());
  return p;
}

ExecProcess::~ExecProcess() {
  if (pid_ > 0 && !status_.has_value()) {
    Kill();
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

void ExecProcess::Resize(int rows, int cols) {
  if (!pty_ || rows <= 0 || cols <= 0) return;
  winsize ws{};
  ws.ws_row = static_cast<unsigned short>(rows);
  ws.ws_col = static_cast<unsigned short>(cols);
  ::ioctl(out_.get(), TIOCSWINSZ, &ws);
}

void ExecProcess::Kill() {
  if (pid_ > 0 && !status_.has_value()) ::kill(-pid_, SIGKILL);
}

std::optional<int> ExecProcess::Poll() {
  if (status_.has_value() || pid_ <= 0) return status_;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  return status_;
}

}  // namespace borealis::agent
