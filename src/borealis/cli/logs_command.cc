// `borealis logs` (see task_commands.h): a process's log from each live instance, read
// through the agents' observers (docs/observer.md), with a prefix per line.
#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/base/mutex.h"
#include "borealis/cli/exec_client.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/job_key.h"
#include "borealis/cli/scheduler_client.h"
#include "borealis/cli/task_commands.h"
#include "borealis/config/job_spec.h"
#include "borealis/net/http_client.h"
#include "borealis/net/url.h"

namespace borealis::cli {
namespace {

constexpr int kTimeoutMs = 30'000;
constexpr int64_t kChunk = 1 << 20;  // the observer's largest slice
constexpr int64_t kFollowWaitMs = 5'000;

absl::StatusOr<nlohmann::json> GetJson(const GrantedTask& task, const std::string& target) {
  auto r = net::HttpCall("GET", task.host, task.http_port, target, "", "", kTimeoutMs);
  if (!r.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot reach the agent on ", task.host, ":",
                                               task.http_port, ": ", r.status().message()));
  }
  nlohmann::json doc = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status == 404) {
    return absl::NotFoundError(absl::StrCat(task.host, " (instance ", task.instance,
                                            "): no such log (", target, ")"));
  }
  if (r->status != 200 || doc.is_discarded()) {
    return WithExitCode(absl::InternalError(absl::StrCat(task.host, " answered ", r->status,
                                                         " to ", target)),
                        kExitCommandFailure);
  }
  return doc;
}

// The process whose log is shown by default: the task's first process, in the order of
// its configuration, that is neither ephemeral nor final.
absl::StatusOr<std::string> DefaultProcess(CliContext& ctx, const InstanceSpec& spec) {
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, spec.key.cluster));
  api::TaskQuery query;
  api::JobKey key;
  key.__set_role(spec.key.job.role);
  key.__set_environment(spec.key.job.environment);
  key.__set_name(spec.key.job.name);
  query.__set_jobKeys({key});
  ASSIGN_OR_RETURN(std::vector<api::ScheduledTask> tasks, client.GetTasksStatus(query));
  for (const api::ScheduledTask& t : tasks) {
    auto spec_or = config::ParseExecutorData(t.assignedTask.task.executorConfig.data);
    if (!spec_or.ok()) continue;
    for (const config::ProcessSpec& p : spec_or->processes) {
      if (!p.ephemeral && !p.final) return p.name;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat(spec.key.ToString(), " has no process that is neither ephemeral nor final: "
                                        "name one with --process"));
}

// The run `previous` runs before the process's latest.
absl::StatusOr<int> RunOf(const GrantedTask& task, const std::string& process, int previous) {
  ASSIGN_OR_RETURN(nlohmann::json doc, GetJson(task, "/observer/api/task/" + task.task_id));
  for (const auto& p : doc.value("processes", nlohmann::json::array())) {
    if (p.value("name", "") != process) continue;
    int latest = -1;
    for (const auto& r : p.value("runs", nlohmann::json::array())) latest = std::max(latest, r.value("run", -1));
    if (latest < 0) break;
    if (previous > latest) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--previous ", previous, ": process '", process, "' of instance ", task.instance,
          " has only ", latest + 1, " run(s)"));
    }
    return latest - previous;
  }
  return absl::NotFoundError(absl::StrCat(task.host, " (instance ", task.instance,
                                          "): no process '", process, "' has run yet"));
}

// Prints one instance's log; with `follow`, goes on until `stop`.
absl::Status ShowLog(const GrantedTask& task, const std::string& log_path, bool follow,
                     const std::function<void(const std::string&)>& emit,
                     const std::atomic<bool>& stop) {
  int64_t offset = 0;
  while (!stop) {
    std::string target = absl::StrCat(log_path, "?offset=", offset, "&length=", kChunk);
    if (follow) absl::StrAppend(&target, "&wait_ms=", kFollowWaitMs);
    ASSIGN_OR_RETURN(nlohmann::json doc, GetJson(task, target));
    const int64_t size = doc.value("file_size", int64_t{0});
    if (size < offset) {  // replaced (rotated): from the start again
      offset = 0;
      continue;
    }
    const std::string data = doc.value("data", "");
    if (!data.empty()) emit(data);
    offset = doc.value("offset", offset) + static_cast<int64_t>(data.size());
    if (!follow && offset >= size) return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Logs(CliContext& ctx, const LogsOptions& options) {
  ASSIGN_OR_RETURN(InstanceSpec spec, ParseInstanceSpec(options.instance_spec));
  if (options.previous < 0) return absl::InvalidArgumentError("--previous: must not be negative");
  ASSIGN_OR_RETURN(std::vector<GrantedTask> tasks, RequestGrants(ctx, spec, "locate"));
  if (tasks.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no live instance of ", spec.key.ToString()));
  }
  std::string process = options.process;
  if (process.empty()) {
    ASSIGN_OR_RETURN(process, DefaultProcess(ctx, spec));
  }
  const std::string stream = options.stderr_stream ? "stderr" : "stdout";
  base::Mutex out_mu;
  std::atomic<bool> stop{false};
  std::vector<absl::Status> results(tasks.size());
  auto show = [&](size_t i) {
    const GrantedTask& task = tasks[i];
    auto run = RunOf(task, process, options.previous);
    if (!run.ok()) {
      results[i] = run.status();
      return;
    }
    const std::string path = absl::StrCat("/observer/api/task/", task.task_id, "/logs/",
                                          net::PercentEncode(process), "/", *run, "/", stream);
    const std::string prefix = absl::StrCat(task.host, "/", task.instance, ": ");
    std::string pending;
    auto emit = [&](const std::string& data) {
      pending += data;
      size_t nl;
      base::MutexLock lock(&out_mu);
      while ((nl = pending.find('\n')) != std::string::npos) {
        ctx.out << prefix << pending.substr(0, nl) << "\n";
        pending.erase(0, nl + 1);
      }
      ctx.out << std::flush;
    };
    results[i] = ShowLog(task, path, options.follow, emit, stop);
    if (!pending.empty()) {
      base::MutexLock lock(&out_mu);
      ctx.out << prefix << pending << "\n" << std::flush;
    }
  };
  std::vector<std::thread> threads;
  for (size_t i = 0; i < tasks.size(); ++i) threads.emplace_back(show, i);
  for (auto& t : threads) t.join();
  for (const absl::Status& s : results) RETURN_IF_ERROR(s);
  return absl::OkStatus();
}

}  // namespace borealis::cli
