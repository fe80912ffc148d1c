// Spawn for an isolated run (see subprocess.h, SpawnRequest::isolation): posix_spawn
// cannot join a cgroup or change user between fork and exec, so this path clones the
// way posix_spawn does: CLONE_VM | CLONE_VFORK on a stack of its own, so no page table
// is copied and torn down again at exec, and this thread waits until the child has
// exec'ed or died. The child shares the executor's memory (and the executor has helper
// threads), so it makes async-signal-safe calls only, and every signal stays blocked
// until it has put all handlers back to default. It does: signals back to default and
// unblocked, a new session, stdin/stdout/stderr as the request says (log files come as
// descriptors the executor opened; a path is opened while still privileged),
// the task's cgroups joined and the user switched (isolation::ApplyInChild), cwd, every
// other descriptor closed on exec, exec.
// A failure before exec reaches the parent through a close-on-exec pipe, so Spawn
// returns only once bash runs or with the reason it could not.
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "borealis/executor/subprocess.h"
#include "borealis/isolation/users.h"

namespace borealis::executor {
namespace {

constexpr char kBash[] = "/bin/bash";
// The child's stack: it runs RunChild's few calls and then execs.
constexpr size_t kChildStackBytes = 64 * 1024;

// Code that runs in the child on its own stack while it shares the executor's memory is
// not instrumented by AddressSanitizer: its shadow bookkeeping for that stack would be
// the executor's and outlive the stack, which is unmapped once the child has exec'ed.
#define BOREALIS_CHILD_CODE __attribute__((no_sanitize("address")))

// What the child reports when it cannot reach exec.
struct ChildError {
  int err = 0;
  char step[64] = {};
};

[[noreturn]] BOREALIS_CHILD_CODE void ChildFail(int pipe_fd, const char* step,
                                                int err) noexcept {
  ChildError e;
  e.err = err;
  size_t n = 0;
  while (step[n] != '\0' && n + 1 < sizeof(e.step)) {
    e.step[n] = step[n];
    ++n;
  }
  ssize_t ignored = ::write(pipe_fd, &e, sizeof(e));
  (void)ignored;
  ::_exit(127);
}

// Child descriptor `target` from `fd`, else `path` (appended), else inherited.
BOREALIS_CHILD_CODE bool SetOutput(int target, int fd, const char* path) noexcept {
  if (fd >= 0) return ::dup2(fd, target) == target;
  if (path == nullptr || *path == '\0') return true;
  int opened = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (opened < 0) return false;
  bool ok = ::dup2(opened, target) == target;  // dup2 clears close-on-exec on target
  ::close(opened);
  return ok;
}

[[noreturn]] BOREALIS_CHILD_CODE void RunChild(const SpawnRequest& r, char* const* argv,
                                               char* const* envp, int pipe_fd) noexcept {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);  // EINVAL ignored
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (::setsid() < 0) ChildFail(pipe_fd, "setsid", errno);
  int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0 || ::dup2(null, 0) != 0) ChildFail(pipe_fd, "opening /dev/null", errno);
  if (!SetOutput(1, r.stdout_fd, r.stdout_path.c_str())) {
    ChildFail(pipe_fd, "opening stdout", errno);
  }
  if (!SetOutput(2, r.stderr_fd, r.stderr_path.c_str())) {
    ChildFail(pipe_fd, "opening stderr", errno);
  }
  const char* step = "";
  if (int err = isolation::ApplyInChild(*r.isolation, &step); err != 0) {
    ChildFail(pipe_fd, step, err);
  }
  if (::chdir(r.cwd.c_str()) != 0) ChildFail(pipe_fd, "entering the sandbox", errno);
  if (::syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = 3; fd < 4096; ++fd) {
      if (fd != pipe_fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
  }
  ::execve(kBash, argv, envp);
  ChildFail(pipe_fd, "exec /bin/bash", errno);
}

// What the cloned child needs; lives on the parent's stack, which the child shares.
struct ChildArgs {
  const SpawnRequest* request;
  char* const* argv;
  char* const* envp;
  int pipe_fd;
};

BOREALIS_CHILD_CODE int ChildMain(void* arg) noexcept {
  const ChildArgs* a = static_cast<const ChildArgs*>(arg);
  RunChild(*a->request, a->argv, a->envp, a->pipe_fd);
}

// Clones the child on its own stack with every signal blocked in this thread (a handler
// of the executor's must never run on the child's side of the shared memory); restores
// the mask afterwards. Returns the pid, or -1 with errno set.
pid_t CloneChild(ChildArgs& args) {
  void* stack = ::mmap(nullptr, kChildStackBytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return -1;
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  char* top = static_cast<char*>(stack) + kChildStackBytes;
  pid_t pid = ::clone(ChildMain, top, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
  int err = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::munmap(stack, kChildStackBytes);  // the child has exec'ed or exited: it is unused
  errno = err;
  return pid;
}

}  // namespace

absl::StatusOr<pid_t> SpawnIsolated(const SpawnRequest& request) {
  ExecArgs args(request);  // built before fork: the child only uses async-signal-safe calls
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("cannot make a pipe: ", std::strerror(errno)));
  }
  ChildArgs child{&request, args.argv(), args.envp(), fds[1]};
  pid_t pid = CloneChild(child);
  if (pid < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return absl::InternalError(absl::StrCat("clone: ", std::strerror(err)));
  }
  ::close(fds[1]);
  ChildError e;
  ssize_t n;
  do {
    n = ::read(fds[0], &e, sizeof(e));
  } while (n < 0 && errno == EINTR);
  ::close(fds[0]);
  if (n <= 0) return pid;  // exec closed the pipe: bash runs
  ::waitpid(pid, nullptr, 0);
  e.step[sizeof(e.step) - 1] = '\0';
  return absl::InternalError(absl::StrCat("cannot start the process: ", e.step, ": ",
                                          std::strerror(e.err)));
}

}  // namespace borealis::executor
