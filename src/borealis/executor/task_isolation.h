// The isolation of one task as the executor applies it (docs/isolation.md):
//
//  - user: the processes run as the Unix user named by the task's role (its sandbox is
//    chown'd to that user), or as the executor's own user with run_as_agent_user. A
//    role with no such user fails the task ("user 'X' does not exist on this agent"),
//    and so does a switch the executor cannot make (it is not root);
//  - cgroup (isolation "cgroups"): one per task with the task's ram, cpus and a pids
//    cap; every run and shell health check joins it before exec. When cgroups cannot
//    be used (not root, not mounted) the executor logs one line and runs without;
//  - limits watched: an OOM kill in the cgroup fails the task "memory limit exceeded
//    (N MiB)"; the sandbox's disk usage, walked a bounded amount per check, fails it
//    "disk limit exceeded: used X MiB of Y MiB" once over the task's disk;
//  - killing: TERM goes to every member of the cgroup as well as the process groups;
//    KILL freezes the cgroup and kills every member, so daemonized processes die too;
//    Cleanup() does that once more and removes the cgroup.
//
// Owned by the executor's loop thread: Check, CheckMemory, Signal and Cleanup abort when
// called from another thread than the first that called one (base::ThreadOwner).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "borealis/base/thread_owner.h"
#include "borealis/isolation/cgroups.h"
#include "borealis/isolation/disk_usage.h"
#include "borealis/isolation/users.h"

namespace borealis::executor {

struct IsolationRequest {
  std::string task_id;
  std::string role;  // the Unix user to run as
  std::string sandbox;
  bool run_as_agent_user = false;
  bool cgroups = false;
  std::string cgroup_parent = isolation::kDefaultCgroupParent;
  std::string cgroup_root = isolation::kDefaultCgroupRoot;
  int64_t cpu_millis = 0;
  int64_t ram_bytes = 0;
  int64_t disk_bytes = 0;  // 0: not watched
  int64_t check_interval_ms = 10'000;
};

class TaskIsolation {
 public:
  // Resolves the user, gives it the sandbox, creates the cgroup. Errors are the task's
  // FAILED message.
  static absl::StatusOr<std::unique_ptr<TaskIsolation>> Prepare(const IsolationRequest& request);
  ~TaskIsolation();  // Cleanup()

  // For SpawnRequest::isolation: null when a run needs nothing (no cgroup, same user).
  const isolation::ChildSetup* child_setup() const;
  // USER and LOGNAME of the processes.
  const std::string& user_name() const { return user_name_; }
  // "cgroups v1 (<path>)" or "none", for logs.
  std::string Describe() const;

  // When Check() next has something to do (a monotonic time in ms), if ever.
  std::optional<int64_t> NextCheckMs() const;
  // Runs what is due at `now_ms`: the OOM counter and a bounded slice of the disk walk.
  // Returns the failure message once a limit was exceeded (once).
  std::optional<std::string> Check(int64_t now_ms);
  // The OOM counter only (after a run was killed).
  std::optional<std::string> CheckMemory();

  // TERM or KILL every member of the cgroup (no-op without one).
  void Signal(int signal);
  // Kills what is left in the cgroup and removes it. Idempotent.
  void Cleanup();

 private:
  TaskIsolation() = default;

  std::string user_name_;
  isolation::ChildSetup setup_;
  bool needs_setup_ = false;
  std::unique_ptr<isolation::TaskCgroup> cgroup_;
  std::unique_ptr<isolation::DiskUsageWalker> disk_;
  int64_t disk_limit_bytes_ = 0;
  int64_t interval_ms_ = 10'000;
  int64_t next_check_ms_ = 0;  // 0: right away
  bool walking_ = false;       // a disk pass is under way (continue soon)
  bool failed_ = false;
  base::ThreadOwner owner_{"TaskIsolation"};
};

}  // namespace borealis::executor
