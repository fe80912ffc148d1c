// One control group per task (docs/isolation.md): finds the machine's cgroup hierarchies
// (v1: one directory per controller under the root; v2: the root itself holds
// `cgroup.controllers`), creates `<parent>/<task-id>` in each hierarchy the task needs,
// writes its limits (memory without swap, cpu shares/weight and a CFS quota, pids), lets
// a child join it before exec (it writes "0" into the procs files opened here), reads
// the OOM-kill counter, and kills everything in it as one unit (freeze, SIGKILL every
// member, thaw; or `cgroup.kill` on v2), so processes that daemonize die too.
//
// The parent: an absolute path ("/borealis") is taken from each hierarchy's root; a
// relative one ("borealis", the default) from the cgroup the calling process is in, so a
// daemon started inside a delegated or limited cgroup keeps its tasks inside it.
//
// The parsing and planning functions (ParseProcCgroup, DetectCgroupLayout over any root,
// LimitWrites, ParseCounter) are pure or read only under the root they are given, so
// tests run them over a fake tree. TaskCgroup does I/O; one owner thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace borealis::isolation {

inline constexpr char kDefaultCgroupRoot[] = "/sys/fs/cgroup";
inline constexpr char kDefaultCgroupParent[] = "borealis";
// Limits below this are raised to it: bash and its helpers need a few MiB to start.
inline constexpr int64_t kMinMemoryBytes = 8LL << 20;
// Every task's process count is capped (fork bombs) unless it asks otherwise.
inline constexpr int64_t kDefaultPidsMax = 4096;
inline constexpr int64_t kCpuPeriodUs = 100'000;

enum class CgroupVersion { kV1, kV2 };
std::string_view CgroupVersionName(CgroupVersion version);  // "v1", "v2"

// Where the hierarchies are.
struct CgroupLayout {
  CgroupVersion version = CgroupVersion::kV1;
  std::string root;
  // v1: controller -> its hierarchy's directory, for the controllers found among
  // memory, cpu, pids and freezer (memory and freezer are required).
  std::map<std::string, std::string> v1_dirs;
  // v2: the controllers listed in <root>/cgroup.controllers.
  std::set<std::string> v2_controllers;
};

// Looks under `root`: `cgroup.controllers` there means a pure v2 (unified) hierarchy;
// otherwise v1 directories `<root>/<controller>`. FailedPrecondition saying what is
// missing when neither is usable.
absl::StatusOr<CgroupLayout> DetectCgroupLayout(const std::string& root);

// Parses /proc/<pid>/cgroup ("id:controllers:path" lines). Returns controller -> path;
// the v2 line ("0::/path") is under the key "". InvalidArgument naming the bad line.
absl::StatusOr<std::map<std::string, std::string>> ParseProcCgroup(std::string_view text);

// The value of `key` in a "key value" per line file (memory.events, memory.oom_control);
// 0 when absent.
int64_t ParseCounter(std::string_view text, std::string_view key);

struct CgroupLimits {
  int64_t memory_bytes = 0;  // 0: no memory limit
  int64_t cpu_millis = 0;    // 0: no shares/weight and no quota
  int64_t pids_max = kDefaultPidsMax;  // 0: no pids limit
  bool operator==(const CgroupLimits&) const = default;
};

// One write into a task's cgroup: `<controller's dir>/<file>` = `value`. Optional files
// may be missing (swap accounting off, old kernels); a failed write of one is ignored.
struct CgroupWrite {
  std::string controller;
  std::string file;
  std::string value;
  bool optional = false;
  bool operator==(const CgroupWrite&) const = default;
};

// The writes that impose `limits`, in order. Pure.
//   v1: memory.limit_in_bytes, memory.memsw.limit_in_bytes (same value: no swap),
//       memory.swappiness 0; cpu.shares 1024*cpus (at least 2), cpu.cfs_period_us,
//       cpu.cfs_quota_us; pids.max.
//   v2: memory.max, memory.swap.max 0; cpu.weight 100*cpus (1..10000), cpu.max
//       "<quota> <period>"; pids.max.
std::vector<CgroupWrite> LimitWrites(CgroupVersion version, const CgroupLimits& limits);

// The cgroup of one task, in every hierarchy it uses.
class TaskCgroup {
 public:

  // Creates `<parent>/<name>` (parents too) in each hierarchy, writes the limits, opens
  // the procs files for ApplyInChild. `self_cgroup` is ParseProcCgroup of the calling
  // process (for a relative parent). A cgroup left over by an earlier run of the same
  // task is reused.
  static absl::StatusOr<std::unique_ptr<TaskCgroup>> Create(
      const CgroupLayout& layout, const std::map<std::string, std::string>& self_cgroup,
      const std::string& parent, const std::string& name, const CgroupLimits& limits);
  // The existing cgroup `<parent>/<name>` (left by an executor that died), to Destroy()
  // it. NotFound when there is none.
  static absl::StatusOr<std::unique_ptr<TaskCgroup>> Open(
      const CgroupLayout& layout, const std::map<std::string, std::string>& self_cgroup,
      const std::string& parent, const std::string& name);
  ~TaskCgroup();  // closes the files; the cgroup stays until Destroy()
  TaskCgroup(const TaskCgroup&) = delete;
  TaskCgroup& operator=(const TaskCgroup&) = delete;

  // The join file of every hierarchy (v2: cgroup.procs; v1: tasks, see Locate), open
  // for writing (O_CLOEXEC): a forked, single-threaded child writes "0" to each to join
  // before exec.
  const std::vector<int>& procs_fds() const { return procs_fds_; }
  // Where it lives (the memory hierarchy's directory, or the v2 one), for messages.
  const std::string& path() const { return main_dir_; }
  // controller ("" on v2) -> its directory.
  const std::map<std::string, std::string>& dirs() const { return dirs_; }
  CgroupVersion version() const { return version_; }
  int64_t memory_limit_bytes() const { return memory_limit_bytes_; }

  // The processes in it now.
  std::vector<pid_t> Pids() const;
  // How many times the kernel's OOM killer acted in it (0 when it cannot tell).
  int64_t OomKills() const;
  // Sends `signal` to every member (no freezing; for SIGTERM).
  void Signal(int signal) const;
  // SIGKILLs every member as one unit: cgroup.kill (v2), or freeze, kill, thaw (v1
  // freezer / v2 cgroup.freeze). Members forked meanwhile cannot escape.
  absl::Status KillAll();
  // KillAll, waits (bounded, about 2 s) for the members to go, removes the directories.
  absl::Status Destroy();

 private:
  TaskCgroup() = default;
  // The directories of `<parent>/<name>`, created when `create` (else they must exist),
  // and the procs files opened.
  static absl::StatusOr<std::unique_ptr<TaskCgroup>> Locate(
      const CgroupLayout& layout, const std::map<std::string, std::string>& self_cgroup,
      const std::string& parent, const std::string& name, bool create);
  absl::Status Freeze(bool frozen);

  CgroupVersion version_ = CgroupVersion::kV1;
  std::map<std::string, std::string> dirs_;  // controller ("" for v2) -> directory
  std::string main_dir_;
  std::string freezer_dir_;  // v1 freezer hierarchy's directory; "" on v2
  std::vector<int> procs_fds_;
  int64_t memory_limit_bytes_ = 0;
  bool destroyed_ = false;
};

// Kills whatever is left in task `name`'s cgroup under `parent` (this process's own
// cgroups, the default root) and removes it; OK when there is none or cgroups are not
// usable here. For the agent, after an executor died without cleaning up.
absl::Status RemoveLeftoverTaskCgroup(const std::string& parent, const std::string& name);

}  // namespace borealis::isolation
