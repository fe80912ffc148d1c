// Sandbox garbage collection: the decision and its edge (see sandbox_gc.h).
#include "borealis/agent/sandbox_gc.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "borealis/agent/observer_fs.h"
#include "borealis/base/log.h"

namespace borealis::agent {
namespace {

// The wall time a finished task ended: its last terminal executor update, else the time
// the agent last wrote its record (when the agent settled the task itself).
int64_t FinishedAtMs(const AgentPaths& paths, const std::string& task_id) {
  int64_t finished = 0;
  if (absl::StatusOr<std::string> text = ReadFile(paths.StatusJson(task_id)); text.ok()) {
    nlohmann::json doc = nlohmann::json::parse(*text, nullptr, false);
    if (doc.is_object() && doc.contains("updates") && doc["updates"].is_array()) {
      for (const nlohmann::json& update : doc["updates"]) {
        if (!update.is_object()) continue;
        std::optional<model::ScheduleStatus> state =
            model::ParseStatus(update.value("state", std::string()));
        if (state && model::IsTerminal(*state) && update.contains("timestamp_ms") &&
            update["timestamp_ms"].is_number_integer()) {
          finished = update["timestamp_ms"].get<int64_t>();
        }
      }
    }
  }
  if (finished > 0) return finished;
  struct stat st;
  if (::stat(paths.AgentTaskJson(task_id).c_str(), &st) == 0) {
    return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
  }
  return 0;
}

}  // namespace

bool AboveWatermark(int64_t used_bytes, int64_t capacity_bytes, int percent) {
  if (capacity_bytes <= 0 || percent <= 0) return false;
  // used / capacity > percent / 100, without an integer overflow.
  return static_cast<long double>(used_bytes) * 100 >
         static_cast<long double>(capacity_bytes) * percent;
}

std::vector<GcRemoval> PlanSandboxGc(std::vector<GcCandidate> candidates, const GcPolicy& policy,
                                     const std::optional<DiskState>& disk, int64_t now_ms) {
  std::sort(candidates.begin(), candidates.end(), [](const GcCandidate& a, const GcCandidate& b) {
    return a.finished_ms != b.finished_ms ? a.finished_ms < b.finished_ms : a.task_id < b.task_id;
  });
  std::vector<GcRemoval> removals;
  int64_t freed = 0;
  size_t next = 0;
  for (; next < candidates.size(); ++next) {
    // Without overflow: a finish time before the epoch counts as the epoch, one in the
    // future (a skewed clock) as now.
    int64_t finished = std::max<int64_t>(candidates[next].finished_ms, 0);
    int64_t age = finished > now_ms ? 0 : now_ms - finished;
    if (age < policy.max_age_ms) break;
    removals.push_back({candidates[next].task_id, "age"});
    freed += candidates[next].bytes;
  }
  const int percent = policy.disk_watermark_percent;
  while (disk && next < candidates.size() &&
         AboveWatermark(disk->used_bytes - freed, disk->capacity_bytes, percent)) {
    removals.push_back({candidates[next].task_id, "disk"});
    freed += candidates[next].bytes;
    ++next;
  }
  return removals;
}

bool CollectableTask(const TaskView& view) {
  return view.state && model::IsTerminal(*view.state) && !view.executor_alive &&
         !view.updates_pending;
}

absl::StatusOr<int64_t> ParseGcDuration(std::string_view text) {
  std::string s(text);
  int64_t unit_ms = 1000;
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  std::string suffix = s.substr(digits);
  if (suffix.empty() || suffix == "s") {
    unit_ms = 1000;
  } else if (suffix == "ms") {
    unit_ms = 1;
  } else if (suffix == "m") {
    unit_ms = 60'000;
  } else if (suffix == "h") {
    unit_ms = 3'600'000;
  } else if (suffix == "d") {
    unit_ms = 86'400'000;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("'", s, "': expected a number with ms, s, m, h or d"));
  }
  int64_t value = 0;
  if (digits == 0 || !absl::SimpleAtoi(s.substr(0, digits), &value) ||
      value > INT64_MAX / unit_ms) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", s, "': expected a number with ms, s, m, h or d"));
  }
  return value * unit_ms;
}

std::string GcTrashDir(const AgentPaths& paths) { return paths.work_dir + "/gc"; }

absl::Status MoveTaskDirToTrash(const AgentPaths& paths, const std::string& task_id) {
  RETURN_IF_ERROR(ValidateTaskId(task_id));
  std::string trash = GcTrashDir(paths);
  RETURN_IF_ERROR(MakeDirs(trash));
  std::string from = paths.TaskDir(task_id);
  // A unique name in case an earlier copy of the same id still waits there.
  std::string to = absl::StrCat(trash, "/", task_id);
  for (int n = 1; ::access(to.c_str(), F_OK) == 0; ++n) {
    to = absl::StrCat(trash, "/", task_id, ".", n);
  }
  if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
    return absl::InternalError(
        absl::StrCat("cannot move '", from, "' to '", to, "': ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<DiskState> FilesystemUsage(const std::string& path) {
  struct statvfs fs;
  if (::statvfs(path.c_str(), &fs) != 0) {
    return absl::InternalError(absl::StrCat("statvfs '", path, "': ", std::strerror(errno)));
  }
  DiskState state;
  int64_t frsize = static_cast<int64_t>(fs.f_frsize);
  state.used_bytes = static_cast<int64_t>(fs.f_blocks - fs.f_bfree) * frsize;
  state.capacity_bytes = state.used_bytes + static_cast<int64_t>(fs.f_bavail) * frsize;
  return state;
}

SandboxGc::SandboxGc(AgentPaths paths, GcPolicy policy, base::Clock& clock, Hooks hooks)
    : paths_(std::move(paths)), policy_(policy), clock_(clock), hooks_(std::move(hooks)) {
  if (!hooks_.disk) {
    hooks_.disk = [dir = paths_.work_dir] { return FilesystemUsage(dir); };
  }
}

GcReport SandboxGc::RunOnce() {
  owner_.Check();
  GcReport report;
  std::optional<DiskState> disk;
  if (policy_.disk_watermark_percent > 0) {
    absl::StatusOr<DiskState> state = hooks_.disk();
    if (state.ok()) {
      disk = *state;
    } else {
      report.errors.push_back(std::string(state.status().message()));
    }
  }
  // Sizes matter only under pressure; walking every finished tree each pass would not be
  // cheap.
  const bool pressure = disk && AboveWatermark(disk->used_bytes, disk->capacity_bytes,
                                               policy_.disk_watermark_percent);
  std::vector<GcCandidate> candidates;
  for (const TaskView& view : hooks_.tasks()) {
    if (!CollectableTask(view)) continue;
    GcCandidate candidate;
    candidate.task_id = view.task_id;
    candidate.finished_ms = FinishedAtMs(paths_, view.task_id);
    if (absl::StatusOr<Fd> root = OpenRoot(paths_.TaskDir(view.task_id)); pressure && root.ok()) {
      candidate.bytes = DiskUsage(root->get());
    }
    candidates.push_back(std::move(candidate));
  }
  for (GcRemoval& removal : PlanSandboxGc(std::move(candidates), policy_, disk, clock_.NowMs())) {
    absl::Status forgotten = hooks_.forget(removal.task_id);
    if (!forgotten.ok()) {
      report.errors.push_back(absl::StrCat("task ", removal.task_id, ": ", forgotten.message()));
      continue;
    }
    LOG_INFO("task {}: sandbox collected ({})", removal.task_id, removal.reason);
    report.removed.push_back(std::move(removal));
  }
  std::string trash = GcTrashDir(paths_);
  if (absl::StatusOr<std::vector<std::string>> names = ListDir(trash); names.ok()) {
    for (const std::string& name : *names) {
      if (absl::Status removed = RemoveTree(trash + "/" + name); !removed.ok()) {
        report.errors.push_back(std::string(removed.message()));
      }
    }
  }
  for (const std::string& error : report.errors) LOG_WARN("sandbox gc: {}", error);
  return report;
}

}  // namespace borealis::agent
