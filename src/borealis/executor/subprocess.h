// Starting and stopping the processes of a task (AURORA.md §2.7): each run is
// `/bin/bash -c <cmdline>` in a new session (so its own process group, pgid = pid),
// cwd = sandbox, stdin /dev/null, stdout/stderr appended to its log files, with a
// cleared environment: HOME (the sandbox), USER/LOGNAME, PATH and LANG (inherited),
// BASH_ENV when `<sandbox>/.thermos_profile` exists. Started with posix_spawn, so the
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

namespace borealis::executor {

struct SpawnRequest {
  std::string cmdline;
  std::string cwd;
  std::string stdout_path;
  std::string stderr_path;
  std::vector<std::string> env;  // "NAME=value"
};

// The environment a process of this task gets (see above). `user` names USER and
// LOGNAME; the inherited PATH and LANG come from this process's environment.
std::vector<std::string> ProcessEnvironment(const std::string& sandbox, const std::string& user);

// The name of the effective user, or "" when it has none.
std::string EffectiveUserName();

// Starts the process; returns its pid (= its pgid).
absl::StatusOr<pid_t> Spawn(const SpawnRequest& request);

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
