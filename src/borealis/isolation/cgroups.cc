// Control groups per task (see cgroups.h).
#include "borealis/isolation/cgroups.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "borealis/base/status.h"

namespace borealis::isolation {
namespace {

// v1 controllers a task cgroup uses; "memory" and "freezer" must exist.
constexpr const char* kV1Controllers[] = {"memory", "cpu", "pids", "freezer"};
constexpr const char* kV2Controllers[] = {"memory", "cpu", "pids"};

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in.good()) {
    return absl::NotFoundError(absl::StrCat("cannot read '", path, "': ", std::strerror(errno)));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

absl::Status WriteFile(const std::string& path, const std::string& value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("cannot open '", path, "': ", std::strerror(errno)));
  }
  ssize_t n = ::write(fd, value.data(), value.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(value.size())) {
    return absl::InternalError(
        absl::StrCat("cannot write '", value, "' to '", path, "': ", std::strerror(err)));
  }
  return absl::OkStatus();
}

// mkdir -p; an existing directory is fine.
absl::Status MakeDirs(const std::string& path) {
  std::string prefix;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    absl::StrAppend(&prefix, "/", part);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::InternalError(
          absl::StrCat("cannot create cgroup '", prefix, "': ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

void SleepMs(int ms) {
  timespec ts{ms / 1000, static_cast<long>(ms % 1000) * 1'000'000L};
  ::nanosleep(&ts, nullptr);
}

// The directory of `parent` in one hierarchy: from its root when absolute, else below
// the cgroup `own` (the caller's) of that hierarchy.
std::string ParentDir(const std::string& hierarchy, const std::string& own,
                      const std::string& parent) {
  std::string dir = hierarchy;
  if (!parent.empty() && parent.front() != '/') {
    absl::StrAppend(&dir, own == "/" ? "" : own);
  }
  if (!parent.empty()) absl::StrAppend(&dir, parent.front() == '/' ? "" : "/", parent);
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

// v2: makes the controllers a task uses available to the children of every level from
// the root down to `dir` (the task cgroups' parent).
absl::Status EnableV2Controllers(const std::string& root, const std::string& dir,
                                 const std::set<std::string>& available) {
  std::string value;
  for (const char* c : kV2Controllers) {
    if (available.contains(c)) absl::StrAppend(&value, value.empty() ? "" : " ", "+", c);
  }
  if (value.empty()) return absl::OkStatus();
  std::string level = root;
  std::vector<std::string> parts = absl::StrSplit(dir.substr(root.size()), '/', absl::SkipEmpty());
  for (size_t i = 0; i <= parts.size(); ++i) {
    absl::Status s = WriteFile(level + "/cgroup.subtree_control", value);
    if (!s.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          s.message(), " (on cgroup v2 the parent must be outside any cgroup that holds "
                       "processes; give an absolute cgroup parent such as /borealis)"));
    }
    if (i < parts.size()) absl::StrAppend(&level, "/", parts[i]);
  }
  return absl::OkStatus();
}

std::vector<pid_t> ReadPids(const std::string& dir) {
  std::vector<pid_t> pids;
  absl::StatusOr<std::string> text = ReadFile(dir + "/cgroup.procs");
  if (!text.ok()) return pids;
  for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
    pid_t pid = 0;
    if (absl::SimpleAtoi(line, &pid) && pid > 0) pids.push_back(pid);
  }
  return pids;
}

}  // namespace

std::string_view CgroupVersionName(CgroupVersion version) {
  return version == CgroupVersion::kV2 ? "v2" : "v1";
}

absl::StatusOr<CgroupLayout> DetectCgroupLayout(const std::string& root) {
  CgroupLayout layout;
  layout.root = root;
  while (layout.root.size() > 1 && layout.root.back() == '/') layout.root.pop_back();
  if (!IsDir(layout.root)) {
    return absl::FailedPreconditionError(
        absl::StrCat("no cgroup file system at '", layout.root, "'"));
  }
  std::string controllers_file = layout.root + "/cgroup.controllers";
  if (Exists(controllers_file)) {
    layout.version = CgroupVersion::kV2;
    absl::StatusOr<std::string> text = ReadFile(controllers_file);
    if (!text.ok()) return text.status();
    for (absl::string_view c : absl::StrSplit(*text, absl::ByAnyChar(" \n"), absl::SkipEmpty())) {
      layout.v2_controllers.insert(std::string(c));
    }
    if (!layout.v2_controllers.contains("memory")) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cgroup v2 at '", layout.root, "' does not offer the memory controller"));
    }
    return layout;
  }
  layout.version = CgroupVersion::kV1;
  for (const char* c : kV1Controllers) {
    std::string dir = absl::StrCat(layout.root, "/", c);
    if (Exists(dir + "/cgroup.procs")) layout.v1_dirs[c] = dir;
  }
  for (const char* required : {"memory", "freezer"}) {
    if (!layout.v1_dirs.contains(required)) {
      return absl::FailedPreconditionError(absl::StrCat("no cgroup v1 '", required,
                                                        "' hierarchy under '", layout.root,
                                                        "' (and no cgroup v2 there either)"));
    }
  }
  return layout;
}

absl::StatusOr<std::map<std::string, std::string>> ParseProcCgroup(std::string_view text) {
  std::map<std::string, std::string> out;
  int n = 0;
  const absl::string_view all(text.data(), text.size());
  for (absl::string_view line : absl::StrSplit(all, '\n', absl::SkipEmpty())) {
    ++n;
    std::vector<absl::string_view> fields = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (fields.size() != 3 || fields[2].empty() || fields[2].front() != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("/proc/self/cgroup line ", n, ": expected 'id:controllers:/path', got '",
                       std::string(line), "'"));
    }
    if (fields[1].empty()) {
      out[""] = std::string(fields[2]);
      continue;
    }
    for (absl::string_view c : absl::StrSplit(fields[1], ',')) {
      absl::ConsumePrefix(&c, "name=");
      out[std::string(c)] = std::string(fields[2]);
    }
  }
  return out;
}

int64_t ParseCounter(std::string_view text, std::string_view key) {
  const absl::string_view all(text.data(), text.size());
  const absl::string_view wanted(key.data(), key.size());
  for (absl::string_view line : absl::StrSplit(all, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> kv = absl::StrSplit(line, ' ', absl::SkipEmpty());
    int64_t value = 0;
    if (kv.size() == 2 && kv[0] == wanted && absl::SimpleAtoi(kv[1], &value)) return value;
  }
  return 0;
}

std::vector<CgroupWrite> LimitWrites(CgroupVersion version, const CgroupLimits& limits) {
  std::vector<CgroupWrite> w;
  const bool v1 = version == CgroupVersion::kV1;
  if (limits.memory_bytes > 0) {
    std::string bytes = absl::StrCat(std::max(limits.memory_bytes, kMinMemoryBytes));
    if (v1) {
      w.push_back({"memory", "memory.limit_in_bytes", bytes, false});
      w.push_back({"memory", "memory.memsw.limit_in_bytes", bytes, true});
      w.push_back({"memory", "memory.swappiness", "0", true});
    } else {
      w.push_back({"memory", "memory.max", bytes, false});
      w.push_back({"memory", "memory.swap.max", "0", true});
    }
  }
  if (limits.cpu_millis > 0) {
    int64_t quota = std::max<int64_t>(1000, limits.cpu_millis * kCpuPeriodUs / 1000);
    if (v1) {
      int64_t shares = std::max<int64_t>(2, limits.cpu_millis * 1024 / 1000);
      w.push_back({"cpu", "cpu.shares", absl::StrCat(shares), false});
      w.push_back({"cpu", "cpu.cfs_period_us", absl::StrCat(kCpuPeriodUs), false});
      w.push_back({"cpu", "cpu.cfs_quota_us", absl::StrCat(quota), false});
    } else {
      int64_t weight = std::clamp<int64_t>(limits.cpu_millis / 10, 1, 10000);
      w.push_back({"cpu", "cpu.weight", absl::StrCat(weight), false});
      w.push_back({"cpu", "cpu.max", absl::StrCat(quota, " ", kCpuPeriodUs), false});
    }
  }
  if (limits.pids_max > 0) w.push_back({"pids", "pids.max", absl::StrCat(limits.pids_max), false});
  return w;
}

absl::StatusOr<std::unique_ptr<TaskCgroup>> TaskCgroup::Locate(
    const CgroupLayout& layout, const std::map<std::string, std::string>& self_cgroup,
    const std::string& parent, const std::string& name, bool create) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    return absl::InvalidArgumentError(absl::StrCat("bad cgroup name '", name, "'"));
  }
  std::unique_ptr<TaskCgroup> cg(new TaskCgroup());
  cg->version_ = layout.version;
  auto own = [&self_cgroup](const std::string& key) {
    auto it = self_cgroup.find(key);
    return it == self_cgroup.end() ? std::string("/") : it->second;
  };
  if (layout.version == CgroupVersion::kV2) {
    std::string parent_dir = ParentDir(layout.root, own(""), parent);
    if (create) {
      RETURN_IF_ERROR(MakeDirs(parent_dir));
      RETURN_IF_ERROR(EnableV2Controllers(layout.root, parent_dir, layout.v2_controllers));
    }
    cg->dirs_[""] = parent_dir + "/" + name;
    cg->main_dir_ = cg->dirs_[""];
  } else {
    for (const auto& [controller, hierarchy] : layout.v1_dirs) {
      cg->dirs_[controller] = ParentDir(hierarchy, own(controller), parent) + "/" + name;
    }
    cg->main_dir_ = cg->dirs_.at("memory");
    cg->freezer_dir_ = cg->dirs_.at("freezer");
  }
  for (const auto& [controller, dir] : cg->dirs_) {
    if (!create) {
      if (!IsDir(dir)) return absl::NotFoundError(absl::StrCat("no cgroup '", dir, "'"));
      continue;
    }
    // A sibling task may remove an empty parent concurrently; try again once.
    absl::Status made = MakeDirs(dir);
    if (!made.ok()) made = MakeDirs(dir);
    RETURN_IF_ERROR(made);
  }
  // One join file per distinct directory (co-mounted v1 controllers share one). On v1 it
  // is `tasks`, which moves only the writing thread: the kernel then skips the global
  // threadgroup lock whose first writer after a quiet spell waits out an RCU grace period
  // (~10 ms per launch, measured). The joining child is single-threaded (just forked), so
  // its thread is the whole process. v2 has only cgroup.procs for that.
  const char* join_file = layout.version == CgroupVersion::kV2 ? "/cgroup.procs" : "/tasks";
  std::set<std::string> seen;
  for (const auto& [controller, dir] : cg->dirs_) {
    if (!seen.insert(dir).second) continue;
    std::string procs = dir + join_file;
    int fd = ::open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      return absl::InternalError(
          absl::StrCat("cannot open '", procs, "': ", std::strerror(errno)));
    }
    cg->procs_fds_.push_back(fd);
  }
  return cg;
}

absl::StatusOr<std::unique_ptr<TaskCgroup>> TaskCgroup::Create(
    const CgroupLayout& layout, const std::map<std::string, std::string>& self_cgroup,
    const std::string& parent, const std::string& name, const CgroupLimits& limits) {
  ASSIGN_OR_RETURN(std::unique_ptr<TaskCgroup> cg,
                   Locate(layout, self_cgroup, parent, name, /*create=*/true));
  for (const CgroupWrite& w : LimitWrites(layout.version, limits)) {
    std::string key = layout.version == CgroupVersion::kV2 ? "" : w.controller;
    auto it = cg->dirs_.find(key);
    if (it == cg->dirs_.end()) continue;  // that controller is not mounted here
    std::string path = absl::StrCat(it->second, "/", w.file);
    if (w.optional && !Exists(path)) continue;
    absl::Status s = WriteFile(path, w.value);
    if (!s.ok() && !w.optional) return s;
  }
  if (limits.memory_bytes > 0) {
    cg->memory_limit_bytes_ = std::max(limits.memory_bytes, kMinMemoryBytes);
  }
  return cg;
}

absl::StatusOr<std::unique_ptr<TaskCgroup>> TaskCgroup::Open(
    const CgroupLayout& layout, const std::map<std::string, std::string>& self_cgroup,
    const std::string& parent, const std::string& name) {
  return Locate(layout, self_cgroup, parent, name, /*create=*/false);
}

TaskCgroup::~TaskCgroup() {
  for (int fd : procs_fds_) ::close(fd);
}

std::vector<pid_t> TaskCgroup::Pids() const {
  std::set<pid_t> pids;
  for (const auto& [controller, dir] : dirs_) {
    for (pid_t pid : ReadPids(dir)) pids.insert(pid);
  }
  return std::vector<pid_t>(pids.begin(), pids.end());
}

int64_t TaskCgroup::OomKills() const {
  const std::string file =
      version_ == CgroupVersion::kV2 ? "/memory.events" : "/memory.oom_control";
  absl::StatusOr<std::string> text = ReadFile(main_dir_ + file);
  return text.ok() ? ParseCounter(*text, "oom_kill") : 0;
}

void TaskCgroup::Signal(int signal) const {
  for (pid_t pid : Pids()) ::kill(pid, signal);
}

absl::Status TaskCgroup::Freeze(bool frozen) {
  if (version_ == CgroupVersion::kV2) {
    std::string dir = dirs_.at("");
    RETURN_IF_ERROR(WriteFile(dir + "/cgroup.freeze", frozen ? "1" : "0"));
    if (!frozen) return absl::OkStatus();
    for (int i = 0; i < 1000; ++i) {
      absl::StatusOr<std::string> events = ReadFile(dir + "/cgroup.events");
      if (!events.ok() || ParseCounter(*events, "frozen") == 1) return absl::OkStatus();
      SleepMs(1);
    }
    return absl::DeadlineExceededError(absl::StrCat("cgroup '", dir, "' did not freeze"));
  }
  RETURN_IF_ERROR(WriteFile(freezer_dir_ + "/freezer.state", frozen ? "FROZEN" : "THAWED"));
  if (!frozen) return absl::OkStatus();
  for (int i = 0; i < 1000; ++i) {
    absl::StatusOr<std::string> state = ReadFile(freezer_dir_ + "/freezer.state");
    if (!state.ok() || absl::StripAsciiWhitespace(*state) == "FROZEN") return absl::OkStatus();
    // A FREEZING cgroup may need the request again for members forked meanwhile.
    (void)WriteFile(freezer_dir_ + "/freezer.state", "FROZEN");
    SleepMs(1);
  }
  return absl::DeadlineExceededError(absl::StrCat("cgroup '", freezer_dir_, "' did not freeze"));
}

absl::Status TaskCgroup::KillAll() {
  if (destroyed_) return absl::OkStatus();
  if (version_ == CgroupVersion::kV2) {
    std::string kill_file = dirs_.at("") + "/cgroup.kill";
    if (Exists(kill_file)) return WriteFile(kill_file, "1");
  }
  if (Pids().empty()) return absl::OkStatus();
  absl::Status frozen = Freeze(true);
  Signal(SIGKILL);  // frozen or not: a kill is better than none
  absl::Status thawed = Freeze(false);
  if (!frozen.ok()) return frozen;
  return thawed;
}

absl::Status TaskCgroup::Destroy() {
  if (destroyed_) return absl::OkStatus();
  absl::Status status = absl::OkStatus();
  for (int attempt = 0; attempt < 200; ++attempt) {
    if (Pids().empty()) break;
    if (attempt % 20 == 0) {
      absl::Status killed = KillAll();
      if (!killed.ok()) status = killed;
    }
    SleepMs(10);
  }
  for (int fd : procs_fds_) ::close(fd);
  procs_fds_.clear();
  std::set<std::string> removed;
  for (const auto& [controller, dir] : dirs_) {
    if (!removed.insert(dir).second) continue;
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) {
      status = absl::InternalError(
          absl::StrCat("cannot remove cgroup '", dir, "': ", std::strerror(errno)));
      continue;
    }
    // Remove the parent too once no task uses it (ENOTEMPTY/EBUSY: others do).
    std::string parent = dir.substr(0, dir.rfind('/'));
    ::rmdir(parent.c_str());
  }
  destroyed_ = status.ok();
  return status;
}

absl::Status RemoveLeftoverTaskCgroup(const std::string& parent, const std::string& name) {
  if (::geteuid() != 0) return absl::OkStatus();
  absl::StatusOr<CgroupLayout> layout = DetectCgroupLayout(kDefaultCgroupRoot);
  if (!layout.ok()) return absl::OkStatus();
  absl::StatusOr<std::string> text = ReadFile("/proc/self/cgroup");
  if (!text.ok()) return text.status();
  ASSIGN_OR_RETURN(auto self, ParseProcCgroup(*text));
  absl::StatusOr<std::unique_ptr<TaskCgroup>> cg = TaskCgroup::Open(*layout, self, parent, name);
  if (absl::IsNotFound(cg.status())) return absl::OkStatus();
  if (!cg.ok()) return cg.status();
  return (*cg)->Destroy();
}

}  // namespace borealis::isolation
