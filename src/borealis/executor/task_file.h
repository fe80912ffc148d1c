// The agent -> executor contract, on disk. The agent creates the task directory
// `<work-dir>/sandboxes/<task-id>/` and writes `task.json` in it:
//
//   {"task_id": str, "instance_id": int, "hostname": str, "agent_id": str, "role": str,
//    "ports": {name: int}, "executor_data": str (the job JSON),
//    "kill_grace_ms": int (optional, default 5000),
//    "isolation": "cgroups" | "none" (optional, default "none": a cgroup per task or not),
//    "cgroup_parent": str (optional, default "borealis"; see isolation/cgroups.h),
//    "run_as_agent_user": bool (optional, default false: the processes run as the Unix
//        user named by "role"; true: as the executor's own user, for development),
//    "disk_check_interval_ms": int (optional, default 10000: sandbox disk usage checks)}
//
// then runs `borealis-executor --task-dir <dir> [--agent-socket <path>]`. The executor
// owns, inside that directory:
//
//   <dir>/sandbox/                      cwd and HOME of every process, owned by the task's user
//   <dir>/sandbox/.logs/<process>/<run>/stdout  (and stderr) of each run, run = 0, 1, ...
//   <dir>/status.json                   see status_file.h; replaced atomically
//
// Pure parsing; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace borealis::executor {

inline constexpr char kTaskFileName[] = "task.json";
inline constexpr char kStatusFileName[] = "status.json";
inline constexpr char kSandboxDirName[] = "sandbox";
inline constexpr char kLogsDirName[] = ".logs";  // in the sandbox
inline constexpr int64_t kDefaultKillGraceMs = 5000;
inline constexpr int64_t kDefaultDiskCheckIntervalMs = 10'000;

struct TaskFile {
  std::string task_id;
  int instance_id = 0;
  std::string hostname;
  std::string agent_id;
  std::string role;
  std::map<std::string, int> ports;
  std::string executor_data;
  int64_t kill_grace_ms = kDefaultKillGraceMs;
  std::string isolation = "none";  // "cgroups" or "none"
  std::string cgroup_parent = "borealis";
  bool run_as_agent_user = false;
  int64_t disk_check_interval_ms = kDefaultDiskCheckIntervalMs;
};

// Parses task.json. Errors name the field: "task.json: field 'ports.http': expected an
// integer port".
absl::StatusOr<TaskFile> ParseTaskFile(std::string_view text);

// The task.json the agent would write for `task` (used by tests and tools).
std::string TaskFileToJson(const TaskFile& task);

}  // namespace borealis::executor
