// Garbage collection of finished tasks' directories.
//
// A task directory may be collected once the task is finished for good: its terminal
// state was reported to the scheduler and acknowledged (no update of it is pending), and
// its executor is gone. Such directories are deleted when they are older than
// GcPolicy::max_age_ms (counted from the task's terminal update), and earlier, oldest
// first, while the work dir's filesystem is fuller than disk_watermark_percent.
//
// PlanSandboxGc is the decision: a pure function of the candidates, the policy, the disk
// state and the time. SandboxGc::RunOnce is the edge: it gathers candidates (their age
// from status.json, their size from the disk), asks the agent to forget each chosen task
// and move its directory to <work-dir>/gc/ (a rename, so the control loop never waits on
// a big delete), then empties <work-dir>/gc/. A crash in between leaves either a task the
// next pass collects again or a leftover under gc/ that the next pass removes.
// Thread contract: PlanSandboxGc is pure; a SandboxGc runs on one thread (the daemon's
// GC thread; RunOnce aborts when called from another, base::ThreadOwner); its hooks must be
// safe to call from that thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "borealis/agent/agent_core.h"
#include "borealis/agent/paths.h"
#include "borealis/base/clock.h"
#include "borealis/base/status.h"
#include "borealis/base/thread_owner.h"

namespace borealis::agent {

struct GcPolicy {
  int64_t max_age_ms = 2 * 24 * 3600 * 1000LL;  // --sandbox-gc-age, default 2 days
  int disk_watermark_percent = 90;              // --sandbox-gc-disk-watermark; 0: off
  int64_t interval_ms = 60'000;                 // --sandbox-gc-interval
};

// A finished task that may be collected.
struct GcCandidate {
  std::string task_id;
  int64_t finished_ms = 0;  // wall time of its terminal update
  int64_t bytes = 0;        // disk its directory holds
};

// The work dir's filesystem, as df counts it: capacity = used + available to users.
struct DiskState {
  int64_t used_bytes = 0;
  int64_t capacity_bytes = 0;
};

struct GcRemoval {
  std::string task_id;
  std::string reason;  // "age" or "disk"
};

// Which directories to delete, oldest first (ties by task id): every candidate older than
// max_age_ms, then, while the disk (less what is already chosen) is above the watermark,
// the oldest remaining ones.
std::vector<GcRemoval> PlanSandboxGc(std::vector<GcCandidate> candidates, const GcPolicy& policy,
                                     const std::optional<DiskState>& disk, int64_t now_ms);

// Whether a filesystem with this much used is above `percent` full (never when percent is 0).
bool AboveWatermark(int64_t used_bytes, int64_t capacity_bytes, int percent);

// A task the agent has finished with for good (see above).
bool CollectableTask(const TaskView& view);

// "2d", "36h", "90m", "45s", "500ms" or a bare number of seconds, as milliseconds.
absl::StatusOr<int64_t> ParseGcDuration(std::string_view text);

// Where collected directories wait for deletion.
std::string GcTrashDir(const AgentPaths& paths);

// Moves a task directory under GcTrashDir (a rename within the work dir).
absl::Status MoveTaskDirToTrash(const AgentPaths& paths, const std::string& task_id);

struct GcReport {
  std::vector<GcRemoval> removed;
  std::vector<std::string> errors;
};

class SandboxGc {
 public:
  struct Hooks {
    // The agent's tasks now.
    std::function<std::vector<TaskView>()> tasks;
    // Makes the agent forget the task and moves its directory to the trash; refuses
    // (error) a task that is no longer collectable.
    std::function<absl::Status(const std::string& task_id)> forget;
    // The work dir's filesystem now (statvfs by default).
    std::function<absl::StatusOr<DiskState>()> disk;
  };

  SandboxGc(AgentPaths paths, GcPolicy policy, base::Clock& clock, Hooks hooks);

  // One pass: plan, forget and move, then empty the trash.
  GcReport RunOnce();

 private:
  AgentPaths paths_;
  GcPolicy policy_;
  base::Clock& clock_;
  Hooks hooks_;
  base::ThreadOwner owner_{"SandboxGc"};
};

// statvfs of `path`.
absl::StatusOr<DiskState> FilesystemUsage(const std::string& path);

}  // namespace borealis::agent
