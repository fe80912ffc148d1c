// Task facts for the observer: files of the task directory and /proc (see observer_tasks.h).
#include "borealis/agent/observer_tasks.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/numbers.h"
#include "borealis/agent/observer_fs.h"
#include "borealis/config/job_spec.h"
#include "borealis/model/schedule_status.h"

namespace borealis::agent {
namespace {

nlohmann::json ReadJson(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return nlohmann::json();
  nlohmann::json doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  return doc.is_discarded() ? nlohmann::json() : doc;
}

template <typename T>
T Field(const nlohmann::json& obj, const char* key, T fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if constexpr (std::is_same_v<T, std::string>) {
    return it->is_string() ? it->template get<std::string>() : fallback;
  } else {
    return it->is_number() ? it->template get<T>() : fallback;
  }
}

bool IsTerminalProcessState(const std::string& state) {
  return state == "SUCCESS" || state == "FAILED" || state == "KILLED";
}

int64_t ToMs(const struct statx_timestamp& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

// A run directory's times: start = its birth time (or, where the filesystem does not keep
// one, its mtime); last = the newest mtime of the files in it. The directory is in the
// sandbox, which the task's user owns, so it is opened within the task directory without
// following a link (observer_fs.h).
std::pair<int64_t, int64_t> RunTimes(int root_fd, const std::string& relative) {
  absl::StatusOr<OpenedPath> dir = OpenContained(root_fd, relative);
  if (!dir.ok() || !dir->is_dir) return {0, 0};
  struct statx stx;
  int64_t start = 0;
  if (::statx(dir->fd.get(), "", AT_EMPTY_PATH, STATX_BTIME | STATX_MTIME, &stx) == 0) {
    start = (stx.stx_mask & STATX_BTIME) ? ToMs(stx.stx_btime) : ToMs(stx.stx_mtime);
  }
  int64_t last = 0;
  if (absl::StatusOr<std::vector<DirEntry>> entries = ListEntries(*dir); entries.ok()) {
    for (const DirEntry& entry : *entries) last = std::max(last, entry.mtime_ms);
  }
  return {start, last};
}

// One line of /proc/<pid>/stat, the fields the observer uses.
struct TreeProc {
  int pid = 0;
  int ppid = 0;
  int pgid = 0;
  int64_t utime = 0, stime = 0, cutime = 0, cstime = 0;  // clock ticks
  int64_t rss_pages = 0;
};

bool ParseProcStat(const std::string& text, TreeProc& out) {
  // "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses.
  size_t close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::vector<std::string_view> fields;
  std::string_view rest = std::string_view(text).substr(close + 1);
  while (!rest.empty()) {
    size_t space = rest.find_first_of(" \n");
    if (space != 0) fields.push_back(rest.substr(0, space));
    if (space == std::string_view::npos) break;
    rest.remove_prefix(space + 1);
  }
  // fields[0] is field 3 (state); field N is fields[N - 3].
  if (fields.size() < 22) return false;
  auto num = [&](int field, int64_t& value) {
    std::string_view f = fields[static_cast<size_t>(field - 3)];
    return std::from_chars(f.data(), f.data() + f.size(), value).ec == std::errc();
  };
  int64_t ppid = 0, pgid = 0;
  return num(4, ppid) && num(5, pgid) && num(14, out.utime) && num(15, out.stime) &&
         num(16, out.cutime) && num(17, out.cstime) && num(24, out.rss_pages) &&
         (out.ppid = static_cast<int>(ppid), out.pgid = static_cast<int>(pgid), true);
}

std::vector<TreeProc> AllProcesses() {
  std::vector<TreeProc> out;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return out;
  while (struct dirent* entry = ::readdir(dir)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid) || pid <= 0) continue;
    absl::StatusOr<std::string> text = ReadFile(std::string("/proc/") + entry->d_name + "/stat");
    TreeProc stat;
    if (!text.ok() || !ParseProcStat(*text, stat)) continue;
    stat.pid = pid;
    out.push_back(stat);
  }
  ::closedir(dir);
  return out;
}

}  // namespace

ObservedTask LoadObservedTask(const AgentPaths& paths, const TaskView& view) {
  ObservedTask task;
  task.task_id = view.task_id;
  task.state = view.state ? std::string(model::StatusName(*view.state)) : "ASSIGNED";
  task.active = !(view.state && model::IsTerminal(*view.state));
  task.executor_pid = view.executor_pid;
  task.executor_alive = view.executor_alive;

  nlohmann::json task_file = ReadJson(paths.TaskJson(view.task_id));
  task.instance = Field<int>(task_file, "instance_id", 0);
  task.role = Field<std::string>(task_file, "role", "");
  if (task_file.is_object() && task_file.contains("ports") && task_file["ports"].is_object()) {
    for (const auto& [name, port] : task_file["ports"].items()) {
      if (port.is_number_integer()) task.ports[name] = port.get<int>();
    }
  }
  std::string executor_data = Field<std::string>(task_file, "executor_data", "");
  nlohmann::json job = nlohmann::json::parse(executor_data, nullptr, false);
  if (!job.is_discarded()) {
    task.role = Field<std::string>(job, "role", task.role);
    task.environment = Field<std::string>(job, "environment", "");
    task.job_name = Field<std::string>(job, "name", "");
  }
  if (absl::StatusOr<config::TaskSpec> spec = config::ParseExecutorData(executor_data); spec.ok()) {
    task.cpu = spec->cpu;
    task.ram_bytes = spec->ram_bytes;
    task.disk_bytes = spec->disk_bytes;
    task.gpu = spec->gpu;
  }

  nlohmann::json status = ReadJson(paths.StatusJson(view.task_id));
  if (status.is_object() && status.contains("updates") && status["updates"].is_array()) {
    for (const nlohmann::json& update : status["updates"]) {
      int64_t ts = Field<int64_t>(update, "timestamp_ms", 0);
      if (task.start_ms == 0) task.start_ms = ts;
      task.last_message = Field<std::string>(update, "message", "");
      std::optional<model::ScheduleStatus> state =
          model::ParseStatus(Field<std::string>(update, "state", ""));
      if (state && model::IsTerminal(*state)) task.finish_ms = ts;
    }
  }
  if (task.active) task.finish_ms = 0;
  if (status.is_object() && status.contains("pgids") && status["pgids"].is_array()) {
    for (const nlohmann::json& pgid : status["pgids"]) {
      if (pgid.is_number_integer()) task.pgids.push_back(pgid.get<int>());
    }
  }
  if (status.is_object() && status.contains("processes") && status["processes"].is_object()) {
    for (const auto& [name, record] : status["processes"].items()) {
      ObservedProcess process;
      process.name = name;
      process.state = Field<std::string>(record, "state", "");
      process.runs = Field<int>(record, "runs", 0);
      task.processes.push_back(std::move(process));
    }
  }
  return task;
}

void LoadRunHistory(const AgentPaths& paths, ObservedTask& task) {
  nlohmann::json status = ReadJson(paths.StatusJson(task.task_id));
  // Log directories, relative to the task directory (the executor's layout, task_file.h).
  const std::string logs = "sandbox/.logs/";
  absl::StatusOr<Fd> root = OpenRoot(paths.TaskDir(task.task_id));
  for (ObservedProcess& process : task.processes) {
    process.history.clear();
    nlohmann::json record;
    if (status.is_object() && status.contains("processes") && status["processes"].is_object()) {
      record = status["processes"].value(process.name, nlohmann::json());
    }
    // The executor's record of every run (absent in an older executor's status.json).
    std::map<int, ObservedRun> recorded;
    if (record.is_object() && record.contains("history") && record["history"].is_array()) {
      for (const nlohmann::json& entry : record["history"]) {
        ObservedRun observed;
        observed.run = Field<int>(entry, "run", -1);
        if (observed.run < 0 || recorded.contains(observed.run)) continue;
        observed.state = Field<std::string>(entry, "state", "");
        observed.pid = Field<int>(entry, "pid", 0);
        observed.exit_code = Field<int>(entry, "exit_code", -1);
        observed.start_ms = Field<int64_t>(entry, "start_ms", 0);
        observed.stop_ms = Field<int64_t>(entry, "stop_ms", 0);
        recorded[observed.run] = std::move(observed);
      }
    }
    // Runs are numbered from 0; the log directories say which exist.
    std::set<int> runs;
    for (const auto& [run, observed] : recorded) runs.insert(run);
    // Contained: a process name that is not one plain component, or a symlink planted
    // anywhere on the way, lists nothing.
    absl::StatusOr<OpenedPath> dir =
        root.ok() ? OpenContained(root->get(), logs + process.name) : root.status();
    absl::StatusOr<std::vector<DirEntry>> entries =
        dir.ok() && dir->is_dir ? ListEntries(*dir) : std::vector<DirEntry>();
    if (entries.ok()) {
      for (const DirEntry& entry : *entries) {
        int run = 0;
        if (entry.type == EntryType::kDirectory && absl::SimpleAtoi(entry.name, &run) &&
            run >= 0) {
          runs.insert(run);
        }
      }
    }
    if (process.runs > 0) runs.insert(process.runs - 1);
    int latest = runs.empty() ? -1 : *runs.rbegin();
    for (int run : runs) {
      if (auto it = recorded.find(run); it != recorded.end()) {
        process.history.push_back(it->second);
        continue;
      }
      // Not in the history: the latest run from the process's fields, earlier ones ENDED
      // with the times of their log files.
      ObservedRun observed;
      observed.run = run;
      auto [start, last] = root.ok() ? RunTimes(root->get(), logs + process.name + "/" +
                                                                std::to_string(run))
                                     : std::pair<int64_t, int64_t>(0, 0);
      observed.start_ms = start;
      if (run == latest) {
        observed.state = process.state;
        observed.pid = Field<int>(record, "pid", 0);
        observed.exit_code = Field<int>(record, "exit_code", -1);
        if (IsTerminalProcessState(process.state)) observed.stop_ms = last;
      } else {
        observed.state = "ENDED";
        observed.stop_ms = last;
      }
      process.history.push_back(observed);
    }
  }
}

TaskUsage MeasureUsage(const AgentPaths& paths, const ObservedTask& task) {
  TaskUsage usage;
  std::vector<TreeProc> all = AllProcesses();
  std::map<int, std::vector<const TreeProc*>> children;
  const TreeProc* executor = nullptr;
  for (const TreeProc& p : all) {
    children[p.ppid].push_back(&p);
    if (task.executor_alive && p.pid == task.executor_pid) executor = &p;
  }
  std::set<int> members;
  std::vector<int> stack;
  if (executor != nullptr) stack.push_back(executor->pid);
  while (!stack.empty()) {
    int pid = stack.back();
    stack.pop_back();
    for (const TreeProc* child : children[pid]) {
      if (members.insert(child->pid).second) stack.push_back(child->pid);
    }
  }
  std::set<int> pgids(task.pgids.begin(), task.pgids.end());
  const int64_t page = ::sysconf(_SC_PAGESIZE);
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  int64_t cpu_ticks = 0;
  for (const TreeProc& p : all) {
    bool member = members.contains(p.pid) || (pgids.contains(p.pgid) && p.pgid > 1);
    if (!member || (executor != nullptr && p.pid == executor->pid)) continue;
    usage.processes++;
    usage.rss_bytes += p.rss_pages * page;
    cpu_ticks += p.utime + p.stime + p.cutime + p.cstime;
  }
  // The executor reaps the task's processes: their time is in its children's counters.
  if (executor != nullptr) cpu_ticks += executor->cutime + executor->cstime;
  usage.cpu_seconds = ticks > 0 ? static_cast<double>(cpu_ticks) / ticks : 0;
  if (absl::StatusOr<Fd> root = OpenRoot(paths.TaskDir(task.task_id)); root.ok()) {
    usage.disk_bytes = DiskUsage(root->get());
  }
  return usage;
}

}  // namespace borealis::agent
