// Starting and stopping the processes of a task (docs/aurora-compatibility.md): each run is
// `/bin/bash -c <cmdline>` in a new session (so its own process group, pgid = pid),
// cwd = sandbox, stdin /dev/null, stdout/stderr to its log files or a pipe, with a
// cleared environment: HOME (the sandbox), USER/LOGNAME, PATH and LANG (inherited),
// BASH_ENV when `<sandbox>/.thermos_profile` exists as the run starts (an earlier
// process may write it, so the executor asks again for every run). Started with posix_spawn, so the
// child is in its own group before Spawn returns (a kill cannot race the setsid), and
// with every signal unblocked and reset to default.
//
// Thin wrappers over system calls; safe from one thread at a time.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "borealis/executor/process_graph.h"
#include "borealis/isolation/users.h"

namespace borealis::executor {

struct SpawnRequest {
  std::string cmdline;
  std::string cwd;
  // Each of stdout and stderr goes to `*_fd` when it is >= 0 (e.g. a pipe's write end;
  // the caller keeps and closes it), else is appended to `*_path` when that is not
  // empty, else is this process's own descriptor, inherited (the `console` logger).
  std::string stdout_path;
  std::string stderr_path;
  int stdout_fd = -1;
  int stderr_fd = -1;
  std::vector<std::string> env;  // "NAME=value"
  // When set (a task cgroup to join or a user to become), the run is started by
  // SpawnIsolated instead of posix_spawn; the setup must outlive the call.
  const isolation::ChildSetup* isolation = nullptr;
};

// The environment a process run of this task gets (see above), as of now: call it as
// each run starts. `user` names USER and LOGNAME; the inherited PATH and LANG come from
// this process's environment.
std::vector<std::string> ProcessEnvironment(const std::string& sandbox, const std::string& user);

// `bash -c CMDLINE` and the request's environment as exec wants them (null-terminated
// arrays); owns the strings they point into. Not copyable: the pointers are into itself.
class ExecArgs {
 public:
  explicit ExecArgs(const SpawnRequest& request);
  ExecArgs(const ExecArgs&) = delete;
  ExecArgs& operator=(const ExecArgs&) = delete;
  char* const* argv() const { return argv_.data(); }
  char* const* envp() const { return envp_.data(); }

 private:
  std::vector<std::string> strings_;
  std::vector<std::string> env_;
  std::vector<char*> argv_;
  std::vector<char*> envp_;
};

// Starts the process; returns its pid (= its pgid).
absl::StatusOr<pid_t> Spawn(const SpawnRequest& request);

// Spawn's path for a request with `isolation` (spawn_isolated.cc): fork, then in the
// child the same setup as posix_spawn's plus joining the cgroups and switching user
// before exec; returns once bash runs, or the step that failed ("setuid: ...").
absl::StatusOr<pid_t> SpawnIsolated(const SpawnRequest& request);

// kill(-pgid, signal); a group that is already gone is not an error.
void SignalGroup(pid_t pgid, int signal);

// True while any process is left in the group (EPERM counts as alive).
bool GroupAlive(pid_t pgid);

// Children of this process (with PR_SET_CHILD_SUBREAPER: also the orphans of the
// task's processes that were reparented here), read from /proc.
std::vector<pid_t> ChildPids();

// Decodes a waitpid status.
ExitStatus FromWaitStatus(int status);

// Creates a directory and its parents (mode 0755); existing ones are fine.
absl::Status MakeDirs(const std::string& path);

}  // namespace borealis::executor
