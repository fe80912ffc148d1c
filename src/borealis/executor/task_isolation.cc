// A task's isolation as the executor applies it (see task_isolation.h).
#include "borealis/executor/task_isolation.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "borealis/base/log.h"

namespace borealis::executor {
namespace {

// Entries of the sandbox visited per check, and the pause between slices of one pass.
constexpr int kDiskEntriesPerSlice = 4096;
constexpr int64_t kDiskSlicePauseMs = 20;

// Tenths of MiB, rounded up (so a usage just over the limit never reads as equal).
std::string Mib(int64_t bytes) {
  int64_t tenths = (bytes * 10 + (1 << 20) - 1) >> 20;
  return absl::StrFormat("%d.%d MiB", tenths / 10, tenths % 10);
}

absl::StatusOr<std::map<std::string, std::string>> SelfCgroup() {
  std::ifstream in("/proc/self/cgroup");
  std::stringstream text;
  text << in.rdbuf();
  return isolation::ParseProcCgroup(text.str());
}

absl::StatusOr<std::unique_ptr<isolation::TaskCgroup>> MakeCgroup(const IsolationRequest& r) {
  if (::geteuid() != 0) {
    return absl::FailedPreconditionError("the executor is not running as root");
  }
  absl::StatusOr<isolation::CgroupLayout> layout = isolation::DetectCgroupLayout(r.cgroup_root);
  if (!layout.ok()) return layout.status();
  absl::StatusOr<std::map<std::string, std::string>> self = SelfCgroup();
  if (!self.ok()) return self.status();
  isolation::CgroupLimits limits;
  limits.memory_bytes = r.ram_bytes;
  limits.cpu_millis = r.cpu_millis;
  return isolation::TaskCgroup::Create(*layout, *self, r.cgroup_parent, r.task_id, limits);
}

}  // namespace

absl::StatusOr<std::unique_ptr<TaskIsolation>> TaskIsolation::Prepare(const IsolationRequest& r) {
  std::unique_ptr<TaskIsolation> iso(new TaskIsolation());
  iso->interval_ms_ = std::max<int64_t>(1, r.check_interval_ms);
  absl::StatusOr<isolation::UserIdentity> me = isolation::CurrentUser();
  if (r.run_as_agent_user) {
    iso->user_name_ = me.ok() ? me->name : r.role;
  } else {
    absl::StatusOr<isolation::UserIdentity> user = isolation::LookupUser(r.role);
    if (!user.ok()) return user.status();
    iso->user_name_ = user->name;
    if (!me.ok() || me->uid != user->uid) {
      if (::geteuid() != 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            "cannot run as user '", r.role, "': the executor runs as '",
            me.ok() ? me->name : std::string("?"),
            "', not root (start the agent with --run-as-agent-user for development)"));
      }
      absl::Status owned = isolation::ChownTo(r.sandbox, *user);
      if (!owned.ok()) return owned;
      iso->setup_.user = *std::move(user);
    }
  }
  if (r.cgroups) {
    absl::StatusOr<std::unique_ptr<isolation::TaskCgroup>> cgroup = MakeCgroup(r);
    if (cgroup.ok()) {
      iso->cgroup_ = *std::move(cgroup);
      iso->setup_.cgroup_procs_fds = iso->cgroup_->procs_fds();
    } else {
      LOG_WARN("task {}: running without cgroups (no memory, cpu or pids limits): {}",
               r.task_id, std::string(cgroup.status().message()));
    }
  }
  iso->needs_setup_ = iso->cgroup_ != nullptr || iso->setup_.user.has_value();
  if (r.disk_bytes > 0) {
    iso->disk_ = std::make_unique<isolation::DiskUsageWalker>(r.sandbox);
    iso->disk_limit_bytes_ = r.disk_bytes;
  }
  return iso;
}

TaskIsolation::~TaskIsolation() { Cleanup(); }

const isolation::ChildSetup* TaskIsolation::child_setup() const {
  return needs_setup_ ? &setup_ : nullptr;
}

std::string TaskIsolation::Describe() const {
  std::string user = setup_.user ? absl::StrCat("user ", user_name_) : "the executor's user";
  if (cgroup_ == nullptr) return absl::StrCat("no cgroup, ", user);
  return absl::StrCat("cgroup ", std::string(isolation::CgroupVersionName(cgroup_->version())), " ",
                      cgroup_->path(), ", ", user);
}

std::optional<int64_t> TaskIsolation::NextCheckMs() const {
  if (failed_ || (cgroup_ == nullptr && disk_ == nullptr)) return std::nullopt;
  return next_check_ms_;
}

std::optional<std::string> TaskIsolation::CheckMemory() {
  owner_.Check();
  if (failed_ || cgroup_ == nullptr || cgroup_->memory_limit_bytes() == 0) return std::nullopt;
  if (cgroup_->OomKills() == 0) return std::nullopt;
  failed_ = true;
  return absl::StrCat("memory limit exceeded (", cgroup_->memory_limit_bytes() >> 20, " MiB)");
}

std::optional<std::string> TaskIsolation::Check(int64_t now_ms) {
  owner_.Check();
  if (failed_ || now_ms < next_check_ms_) return std::nullopt;
  if (std::optional<std::string> memory = CheckMemory()) return memory;
  if (disk_ == nullptr) {
    next_check_ms_ = now_ms + interval_ms_;
    return std::nullopt;
  }
  std::optional<int64_t> used = disk_->Step(kDiskEntriesPerSlice);
  if (!used) {
    next_check_ms_ = now_ms + kDiskSlicePauseMs;
    return std::nullopt;
  }
  next_check_ms_ = now_ms + interval_ms_;
  if (*used <= disk_limit_bytes_) return std::nullopt;
  failed_ = true;
  return absl::StrCat("disk limit exceeded: used ", Mib(*used), " of ", Mib(disk_limit_bytes_));
}

void TaskIsolation::Signal(int signal) {
  owner_.Check();
  if (cgroup_ == nullptr) return;
  if (signal != SIGKILL) {
    cgroup_->Signal(signal);
    return;
  }
  if (absl::Status s = cgroup_->KillAll(); !s.ok()) {
    LOG_WARN("cannot kill the task's cgroup: {}", std::string(s.message()));
  }
}

void TaskIsolation::Cleanup() {
  owner_.Check();
  if (cgroup_ == nullptr) return;
  if (absl::Status s = cgroup_->Destroy(); !s.ok()) {
    LOG_WARN("cannot remove the task's cgroup: {}", std::string(s.message()));
  }
  cgroup_.reset();
  setup_.cgroup_procs_fds.clear();
  needs_setup_ = setup_.user.has_value();
}

}  // namespace borealis::executor
