// Small effectful primitives every daemon and the CLI share: replacing a file atomically
// and reading a process's state and start time from /proc (to tell a live process from a
// reused pid). Thread-safe; callers serialise writes to one path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace borealis::base {

// What a write must survive.
enum class Durability {
  // A crash of any process, the writer's included: the file holds the old or the new
  // content. Not a power loss or kernel crash, after which the file may hold the old
  // content or, on some file systems, nothing. No fsync: for files whose readers do not
  // outlive a power loss either, such as a task's files while its executor runs.
  kProcessCrash,
  // Also a power loss: the file is fsynced before the rename and its directory after.
  kPowerLoss,
};

// Writes `content` to a temporary file beside `path` (named with this process's pid) and
// renames it over `path`: a reader sees the old or the new content, never a mix. With
// kPowerLoss the file and then the directory are fsynced as well. The temporary file is
// removed on failure. Errors name the file and the step.
absl::Status WriteFileAtomically(const std::string& path, std::string_view content,
                                 Durability durability = Durability::kPowerLoss);

struct ProcStat {
  char state = '?';          // R, S, D, Z, X, ...
  int64_t start_ticks = 0;   // field 22: start time in clock ticks after boot
};

// Reads /proc/<pid>/stat; nullopt when there is no such process (or pid <= 0).
std::optional<ProcStat> ReadProcStat(int pid);

// ReadProcStat's start time; NOT_FOUND naming the pid when there is no such process.
absl::StatusOr<int64_t> ProcessStartTicks(int pid);

}  // namespace borealis::base
