// `local stop` and `local status` (see local_cluster.h).
//
// Stopping never trusts a bare pid: daemons must still be the processes local.json
// recorded (IsSameProcess), executors must still have the start time their status.json
// records. Task process groups listed in status.json are killed after the executors had
// their grace period.
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/cli/files.h"
#include "borealis/cli/local_cluster.h"
#include "borealis/cli/process.h"

namespace borealis::cli {
namespace {

constexpr int64_t kPollMs = 100;
constexpr int64_t kDaemonGraceNs = 10'000'000'000;
constexpr int64_t kExecutorGraceNs = 10'000'000'000;

struct ExecutorRecord {
  std::string status_file;
  pid_t pid = 0;
  int64_t start_ticks = 0;
  std::vector<pid_t> pgids;
  bool ended = false;  // the last update is terminal: the executor cleaned up and exited
};

std::optional<ExecutorRecord> ReadExecutorRecord(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return std::nullopt;
  nlohmann::json doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  ExecutorRecord r;
  r.status_file = path;
  try {
    r.pid = doc.value("executor_pid", 0);
    r.start_ticks = doc.value("executor_start_ticks", int64_t{0});
    if (doc.contains("pgids") && doc["pgids"].is_array()) {
      for (const auto& g : doc["pgids"]) {
        if (g.is_number_integer() && g.get<int64_t>() > 1) r.pgids.push_back(g.get<pid_t>());
      }
    }
    if (doc.contains("updates") && doc["updates"].is_array() && !doc["updates"].empty()) {
      const std::string last = doc["updates"].back().value("state", "");
      r.ended = last == "FINISHED" || last == "FAILED" || last == "KILLED" || last == "LOST";
    }
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return r;
}

// DIR/agent-*/sandboxes/*/status.json, sorted.
std::vector<std::string> StatusFiles(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& agent : std::filesystem::directory_iterator(dir, ec)) {
    if (!agent.is_directory(ec) || agent.path().filename().string().rfind("agent-", 0) != 0) {
      continue;
    }
    std::error_code ec2;
    for (const auto& task : std::filesystem::directory_iterator(agent.path() / "sandboxes", ec2)) {
      const auto status = task.path() / "status.json";
      if (std::filesystem::exists(status, ec2)) out.push_back(status.string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool IsExecutor(const ExecutorRecord& r) {
  if (r.pid <= 1 || !ProcessAlive(r.pid)) return false;
  auto ticks = ProcessStartTicks(r.pid);
  return ticks.ok() && *ticks == r.start_ticks;
}

// Waits until none of `alive` is alive or the grace passes.
template <typename Alive>
void WaitGone(CliContext& ctx, int64_t grace_ns, Alive alive) {
  const int64_t deadline = ctx.clock.MonoNowNs() + grace_ns;
  while (alive() && ctx.clock.MonoNowNs() < deadline) ctx.sleep_ms(kPollMs);
}

// Stops the executors and task processes left in the agents' sandboxes; returns how many
// tasks had something to stop.
int StopTasks(CliContext& ctx, const std::string& dir) {
  std::vector<ExecutorRecord> executors;
  std::set<std::string> signalled;  // status files of tasks we had to stop something of
  for (const std::string& path : StatusFiles(dir)) {
    std::optional<ExecutorRecord> r = ReadExecutorRecord(path);
    if (!r.has_value()) continue;
    if (IsExecutor(*r)) {
      (void)SendSignal(r->pid, SIGTERM);
      executors.push_back(*r);
      signalled.insert(path);
    }
  }
  WaitGone(ctx, kExecutorGraceNs, [&] {
    for (const ExecutorRecord& r : executors) {
      if (IsExecutor(r)) return true;
    }
    return false;
  });
  for (const ExecutorRecord& r : executors) {
    if (IsExecutor(r)) (void)SendSignal(r.pid, SIGKILL);
  }
  // Re-read: an executor that stopped cleanly has emptied its pgids. Groups of tasks that
  // ended long ago are left alone (their ids may have been reused since); those of tasks
  // whose executor we stopped or that died mid-run are killed.
  for (const std::string& path : StatusFiles(dir)) {
    std::optional<ExecutorRecord> r = ReadExecutorRecord(path);
    if (!r.has_value() || (r->ended && signalled.count(path) == 0)) continue;
    bool any = false;
    for (pid_t pgid : r->pgids) {
      if (kill(-pgid, 0) == 0) {
        (void)SendSignal(-pgid, SIGKILL);
        any = true;
      }
    }
    if (any) signalled.insert(path);
  }
  return static_cast<int>(signalled.size());
}

absl::StatusOr<LocalState> ReadState(const std::string& dir) {
  const std::string path = dir + "/local.json";
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseLocalState(text, path);
}

}  // namespace

absl::Status LocalStop(CliContext& ctx, const std::string& dir_option) {
  ASSIGN_OR_RETURN(std::string dir, ResolveLocalDir(ctx, dir_option));
  auto state = ReadState(dir);
  if (absl::IsNotFound(state.status())) {
    ctx.out << "No local cluster in " << dir << " (no local.json)" << std::endl;
    return absl::OkStatus();
  }
  if (!state.ok()) return state.status();
  std::vector<LocalDaemon> ours;
  for (const LocalDaemon& a : state->agents) {
    if (IsSameProcess(a)) ours.push_back(a);
  }
  if (IsSameProcess(state->scheduler)) ours.push_back(state->scheduler);
  for (const LocalDaemon& d : ours) (void)SendSignal(d.pid, SIGTERM);
  WaitGone(ctx, kDaemonGraceNs, [&] {
    for (const LocalDaemon& d : ours) {
      if (IsSameProcess(d)) return true;
    }
    return false;
  });
  int killed = 0;
  for (const LocalDaemon& d : ours) {
    if (IsSameProcess(d)) {
      (void)SendSignal(d.pid, SIGKILL);
      ++killed;
    }
  }
  const int tasks = StopTasks(ctx, dir);
  ctx.out << "Stopped local cluster '" << state->cluster << "' in " << dir << ": "
          << ours.size() << " daemon(s)" << (killed > 0 ? absl::StrCat(" (", killed, " killed)") : "")
          << ", " << tasks << " task(s)" << std::endl;
  return absl::OkStatus();
}

absl::Status LocalStatus(CliContext& ctx, const std::string& dir_option) {
  ASSIGN_OR_RETURN(std::string dir, ResolveLocalDir(ctx, dir_option));
  auto state = ReadState(dir);
  if (absl::IsNotFound(state.status())) {
    return absl::NotFoundError(absl::StrCat("no local cluster in ", dir, " (no local.json)"));
  }
  if (!state.ok()) return state.status();
  auto alive = [](const LocalDaemon& d) { return IsSameProcess(d) ? "running" : "stopped"; };
  ctx.out << "Local cluster '" << state->cluster << "' in " << dir << "\n"
          << "  scheduler  pid " << state->scheduler.pid << "  " << alive(state->scheduler)
          << "  port " << state->scheduler.port << "  log " << state->scheduler.log << "\n";
  for (size_t i = 0; i < state->agents.size(); ++i) {
    const LocalDaemon& a = state->agents[i];
    ctx.out << "  agent-" << i << "    pid " << a.pid << "  " << alive(a) << "  " << a.host << ":"
            << a.port << "  work dir " << a.work_dir << "\n";
  }
  ctx.out << "UI: http://127.0.0.1:" << state->scheduler.port << "/" << std::endl;
  return absl::OkStatus();
}

}  // namespace borealis::cli
