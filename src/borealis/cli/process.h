// Process helpers for `local start/stop`: starting detached daemons, and recognising a
// process by pid without trusting a possibly reused pid (/proc/PID/stat start time and
// /proc/PID/cmdline). Linux only. Functions keep no state; thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "borealis/base/files.h"

namespace borealis::cli {

struct SpawnRequest {
  std::string binary;             // absolute path
  std::vector<std::string> args;  // without argv[0]
  std::string log_file;           // stdout and stderr, appended
};

// Starts `binary` in a new session (setsid) with stdin from /dev/null, stdout and stderr
// appended to the log file, and no other inherited descriptors.
absl::StatusOr<pid_t> SpawnDetached(const SpawnRequest& request);

// For a child of this process: reaps it and describes how it ended ("exited with status
// 1", "killed by signal 9") if it has; nullopt while it runs (or if it is not our child).
std::optional<std::string> ReapIfExited(pid_t pid);

// True when the process exists and is not a zombie.
bool ProcessAlive(pid_t pid);

using base::ProcessStartTicks;  // field 22 of /proc/PID/stat (clock ticks since boot)

// The argv of a process (empty if it is gone).
std::vector<std::string> ProcessCmdline(pid_t pid);

// Absolute path of the running binary (/proc/self/exe); "" if unreadable.
std::string SelfExe();

// Sends `signal` to the process (or, for a negative pid, the process group). ESRCH (gone
// already) is not an error.
absl::Status SendSignal(pid_t pid, int signal);

}  // namespace borealis::cli
