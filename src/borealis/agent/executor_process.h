// Starting, probing and signalling executor processes: the agent's process edge.
//
// An executor runs in its own session (posix_spawn with POSIX_SPAWN_SETSID), so it
// survives the agent.
// Its identity is (pid, start ticks): the start time in clock ticks after boot, field 22
// of /proc/<pid>/stat. Every probe and signal checks both, so a reused pid is never
// mistaken for the executor.
// Thread contract: free functions, callable from any thread. LaunchExecutor uses
// posix_spawn, which never runs code of ours in the child.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "borealis/base/files.h"
#include "borealis/base/status.h"

namespace borealis::agent {

struct ExecutorCommand {
  std::string executor_path;
  std::string task_dir;
  std::string agent_socket;  // empty: no --agent-socket
  std::string log_path;      // stdout and stderr, appended
};

struct LaunchedExecutor {
  int pid = 0;
  int64_t start_ticks = 0;
};

// Spawns `executor_path --task-dir DIR [--agent-socket SOCK]` in a new session,
// stdin /dev/null, stdout+stderr appended to log_path, no other fds, default signal
// dispositions and an empty signal mask; returns once the exec succeeded. Fails (and
// leaves no child) when the log cannot be opened or the exec fails; the message names
// the path and the reason.
absl::StatusOr<LaunchedExecutor> LaunchExecutor(const ExecutorCommand& command);

using base::ProcStat;      // /proc/<pid>/stat: state and start ticks
using base::ReadProcStat;  // nullopt when there is no such process

struct ExecutorProbe {
  bool alive = false;
  std::string exit_reason;  // when gone and known: "exit code 1", "killed by signal 9"
};
// Whether the executor (pid, start_ticks) still runs. Reaps it when it is a child of this
// process. start_ticks 0 skips the identity check.
ExecutorProbe ProbeExecutor(int pid, int64_t start_ticks);

// Sends `signal` to the executor if (pid, start_ticks) is still it. False when it is gone.
bool SignalExecutor(int pid, int64_t start_ticks, int signal);

// SIGKILLs each process group, skipping groups <= 1 and this process's own group. When
// `start_ticks` knows a group, its leader's pid is checked first: a live process with
// that pid but another start time means the group ended and the pid was reused (a pid
// is never reused while its group has members), so that group is left alone.
void KillProcessGroups(const std::vector<int>& pgids,
                       const std::map<int, int64_t>& start_ticks = {});

}  // namespace borealis::agent
