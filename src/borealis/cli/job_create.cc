// `job create` and the waiting it shares with `job kill`.
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "borealis/base/status.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/files.h"
#include "borealis/cli/job_commands.h"
#include "borealis/config/conversion.h"
#include "borealis/model/schedule_status.h"
#include "borealis/wire/convert.h"

namespace borealis::cli {
namespace {

constexpr int64_t kPollIntervalMs = 500;

std::string SpecKey(const config::JobSpec& job) {
  return absl::StrCat(job.cluster, "/", job.role, "/", job.environment, "/", job.name);
}

std::string Candidates(const std::vector<config::JobSpec>& jobs) {
  std::vector<std::string> keys;
  for (const config::JobSpec& j : jobs) keys.push_back(SpecKey(j));
  return keys.empty() ? "the file defines no jobs" : "jobs in the file: " + absl::StrJoin(keys, ", ");
}

absl::Status ConfigError(std::string message) {
  return WithExitCode(absl::InvalidArgumentError(std::move(message)), kExitInvalidConfig);
}

std::string CurrentUser() {
  if (struct passwd* pw = getpwuid(geteuid()); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  const char* user = std::getenv("USER");
  return user != nullptr ? user : "";
}

std::optional<model::ScheduleStatus> StatusOf(const api::ScheduledTask& task) {
  return model::StatusFromInt(static_cast<int>(task.status));
}

int64_t LastEventMs(const api::ScheduledTask& task) {
  return task.taskEvents.empty() ? 0 : task.taskEvents.back().timestamp;
}

std::string StatusText(const api::ScheduledTask& task) {
  auto s = StatusOf(task);
  return s.has_value() ? std::string(model::StatusName(*s))
                       : absl::StrCat("status ", static_cast<int>(task.status));
}

// The task that stands for an instance: its active task, else its latest terminal one.
const api::ScheduledTask* Representative(const std::vector<const api::ScheduledTask*>& tasks) {
  const api::ScheduledTask* best = nullptr;
  for (const api::ScheduledTask* t : tasks) {
    auto s = StatusOf(*t);
    if (s.has_value() && model::IsActive(*s)) return t;
    if (best == nullptr || LastEventMs(*t) > LastEventMs(*best) ||
        (LastEventMs(*t) == LastEventMs(*best) && t->assignedTask.taskId > best->assignedTask.taskId)) {
      best = t;
    }
  }
  return best;
}

absl::StatusOr<api::JobConfiguration> LoadJob(const JobCreateOptions& options,
                                              const ClusterJobKey& key) {
  if (!options.read_json) {
    return ConfigError(absl::StrCat(options.config_file,
                                    ": .aurora configuration files are not supported yet; "
                                    "pass --read-json with a JSON job file"));
  }
  auto text = ReadFile(options.config_file);
  if (!text.ok()) return ConfigError(std::string(text.status().message()));
  auto jobs = config::ParseJobsJson(*text, options.config_file);
  if (!jobs.ok()) return ConfigError(std::string(jobs.status().message()));
  ASSIGN_OR_RETURN(size_t index, SelectJob(*jobs, key, options.config_file));
  const config::JobSpec& spec = (*jobs)[index];
  if (!spec.cron_schedule.empty()) {
    return ConfigError(absl::StrCat("job ", key.ToString(), " in ", options.config_file,
                                    " has a cron_schedule; cron jobs are scheduled with "
                                    "'cron schedule', not 'job create'"));
  }
  auto model_job = config::ToJobConfiguration(spec, CurrentUser());
  if (!model_job.ok()) {
    return ConfigError(absl::StrCat(options.config_file, ": ", model_job.status().message()));
  }
  return wire::ToThrift(*model_job);
}

}  // namespace

absl::StatusOr<size_t> SelectJob(const std::vector<config::JobSpec>& jobs,
                                 const ClusterJobKey& key, const std::string& file) {
  std::vector<size_t> by_name;
  std::vector<size_t> exact;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i].name != key.job.name) continue;
    by_name.push_back(i);
    if (jobs[i].role == key.job.role && jobs[i].environment == key.job.environment &&
        jobs[i].cluster == key.cluster) {
      exact.push_back(i);
    }
  }
  if (exact.size() == 1) return exact[0];
  if (exact.size() > 1) {
    return ConfigError(absl::StrCat(file, ": ", exact.size(), " jobs are ", key.ToString(),
                                    "; a job key must name exactly one job"));
  }
  if (by_name.empty()) {
    return ConfigError(absl::StrCat(file, ": no job named '", key.job.name, "'; ",
                                    Candidates(jobs)));
  }
  if (by_name.size() == 1) {
    const config::JobSpec& j = jobs[by_name[0]];
    return ConfigError(absl::StrCat("job key ", key.ToString(), " does not match job '", j.name,
                                    "' in ", file, ", which is ", SpecKey(j),
                                    " (cluster, role and environment must match)"));
  }
  return ConfigError(absl::StrCat(file, ": no job '", key.job.name, "' is ", key.ToString(),
                                  "; ", Candidates(jobs)));
}

absl::StatusOr<WaitTarget> ParseWaitTarget(const std::string& text) {
  const std::string upper = absl::AsciiStrToUpper(text);
  if (upper == "PENDING") return WaitTarget::kPending;
  if (upper == "RUNNING") return WaitTarget::kRunning;
  if (upper == "FINISHED") return WaitTarget::kFinished;
  return absl::InvalidArgumentError(
      absl::StrCat("--wait-until '", text, "' must be PENDING, RUNNING or FINISHED"));
}

WaitState EvaluateWait(WaitTarget target, const std::set<int32_t>& instances,
                       const std::vector<api::ScheduledTask>& tasks, const std::string& job) {
  std::map<int32_t, std::vector<const api::ScheduledTask*>> by_instance;
  for (const api::ScheduledTask& t : tasks) {
    if (instances.count(t.assignedTask.instanceId) > 0) {
      by_instance[t.assignedTask.instanceId].push_back(&t);
    }
  }
  WaitState state;
  std::map<std::string, int> counts;
  bool all_reached = true;
  bool all_settled = true;  // nothing still on its way to the target
  const api::ScheduledTask* ended_badly = nullptr;
  for (int32_t instance : instances) {
    auto it = by_instance.find(instance);
    if (it == by_instance.end()) {
      all_reached = all_settled = false;
      ++counts["no task"];
      continue;
    }
    bool has_running = false;
    for (const api::ScheduledTask* t : it->second) {
      has_running |= t->status == api::ScheduleStatus::RUNNING;
    }
    const api::ScheduledTask* rep = Representative(it->second);
    ++counts[StatusText(*rep)];
    auto status = StatusOf(*rep);
    const bool active = status.has_value() && model::IsActive(*status);
    switch (target) {
      case WaitTarget::kPending:
        break;
      case WaitTarget::kRunning:
        if (has_running) break;
        if (active) {
          all_reached = all_settled = false;
        } else if (rep->status != api::ScheduleStatus::FINISHED) {
          all_reached = false;
          if (ended_badly == nullptr) ended_badly = rep;
        }
        break;
      case WaitTarget::kFinished:
        if (active) all_reached = all_settled = false;
        break;
    }
  }
  std::vector<std::string> parts;
  for (const auto& [name, n] : counts) parts.push_back(absl::StrCat(n, " ", name));
  state.summary = absl::StrJoin(parts, ", ");
  if (all_reached) {
    state.done = true;
  } else if (all_settled && ended_badly != nullptr) {
    std::string message = absl::StrCat("instance ", ended_badly->assignedTask.instanceId, " of ",
                                       job, " ended ", StatusText(*ended_badly));
    if (!ended_badly->taskEvents.empty() && ended_badly->taskEvents.back().__isset.message) {
      absl::StrAppend(&message, ": ", ended_badly->taskEvents.back().message);
    }
    state.failure = WithExitCode(absl::FailedPreconditionError(message), kExitCommandFailure);
  }
  return state;
}

api::TaskQuery JobQuery(const ClusterJobKey& key) {
  api::TaskQuery query;
  query.__set_role(key.job.role);
  query.__set_environment(key.job.environment);
  query.__set_jobName(key.job.name);
  return query;
}

absl::Status WaitForJob(CliContext& ctx, SchedulerClient& client, const ClusterJobKey& key,
                        WaitTarget target, std::optional<std::set<int32_t>> instances,
                        int timeout_secs) {
  const int64_t deadline_ns = ctx.clock.MonoNowNs() + int64_t{timeout_secs} * 1'000'000'000;
  const char* target_name = target == WaitTarget::kPending   ? "PENDING"
                            : target == WaitTarget::kRunning ? "RUNNING"
                                                             : "FINISHED";
  while (true) {
    ASSIGN_OR_RETURN(std::vector<api::ScheduledTask> tasks,
                     client.GetTasksWithoutConfigs(JobQuery(key)));
    if (!instances.has_value()) {
      instances.emplace();
      for (const api::ScheduledTask& t : tasks) instances->insert(t.assignedTask.instanceId);
    }
    WaitState state = EvaluateWait(target, *instances, tasks, key.ToString());
    if (state.done) return absl::OkStatus();
    if (!state.failure.ok()) return state.failure;
    if (ctx.clock.MonoNowNs() >= deadline_ns) {
      return WithExitCode(
          absl::DeadlineExceededError(absl::StrCat("timed out after ", timeout_secs,
                                                   " s waiting for ", key.ToString(), " to be ",
                                                   target_name, " (now: ", state.summary, ")")),
          kExitTimeout);
    }
    ctx.sleep_ms(kPollIntervalMs);
  }
}

absl::Status JobCreate(CliContext& ctx, const JobCreateOptions& options) {
  ASSIGN_OR_RETURN(ClusterJobKey key, ParseJobKey(options.job_key));
  ASSIGN_OR_RETURN(WaitTarget target, ParseWaitTarget(options.wait_until));
  if (options.wait_timeout_secs <= 0) {
    return absl::InvalidArgumentError("--wait-timeout must be a positive number of seconds");
  }
  ASSIGN_OR_RETURN(api::JobConfiguration job, LoadJob(options, key));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, key.cluster));
  ASSIGN_OR_RETURN(api::Response response, client.CreateJob(job));
  (void)response;
  const std::string url = absl::StrCat(client.uri(), "/scheduler/", key.job.role, "/",
                                       key.job.environment, "/", key.job.name);
  ctx.out << "Job create succeeded: job url=" << url << std::endl;
  if (target == WaitTarget::kPending) return absl::OkStatus();
  std::set<int32_t> instances;
  for (int32_t i = 0; i < job.instanceCount; ++i) instances.insert(i);
  RETURN_IF_ERROR(WaitForJob(ctx, client, key, target, instances, options.wait_timeout_secs));
  ctx.out << "Job " << key.ToString() << " is "
          << (target == WaitTarget::kRunning ? "RUNNING" : "FINISHED") << std::endl;
  return absl::OkStatus();
}

}  // namespace borealis::cli
