// `job status`, `job list`, `job kill` and `job killall`.
#include "borealis/cli/job_commands.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/task_json.h"
#include "borealis/model/job_key.h"
#include "borealis/model/schedule_status.h"
#include "borealis/wire/convert.h"

namespace borealis::cli {
namespace {

bool IsActiveTask(const api::ScheduledTask& task) {
  auto s = model::StatusFromInt(static_cast<int>(task.status));
  return s.has_value() && model::IsActive(*s);
}

// The jobs a pattern names: itself when exact, else the scheduler's jobs that match.
absl::StatusOr<std::vector<ClusterJobKey>> MatchingJobs(SchedulerClient& client,
                                                        const JobPattern& pattern) {
  std::vector<ClusterJobKey> keys;
  if (pattern.IsExactJob()) {
    keys.push_back(ClusterJobKey{pattern.cluster, {pattern.role, pattern.environment, pattern.name}});
    return keys;
  }
  ASSIGN_OR_RETURN(std::vector<api::JobConfiguration> jobs, client.GetJobs(pattern.LiteralRole()));
  for (const api::JobConfiguration& job : jobs) {
    model::JobKey key = wire::FromThrift(job.key);
    if (pattern.Matches(pattern.cluster, key)) keys.push_back(ClusterJobKey{pattern.cluster, key});
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::string FullPattern(const JobPattern& p) {
  return absl::StrCat(p.cluster, "/", p.role, "/", p.environment, "/", p.name);
}

}  // namespace

absl::StatusOr<SchedulerClient> ClientFor(const CliContext& ctx, const std::string& cluster) {
  // An unknown cluster, or one clusters.json gives no usable scheduler for, is a
  // configuration error, as Aurora's "Unknown cluster" is.
  auto client = [&]() -> absl::StatusOr<SchedulerClient> {
    ASSIGN_OR_RETURN(ClusterConfig config, FindCluster(ctx.clusters, cluster));
    ASSIGN_OR_RETURN(std::string uri, SchedulerUri(config));
    return SchedulerClient::Create(uri);
  }();
  if (!client.ok()) return WithExitCode(client.status(), kExitInvalidConfig);
  return client;
}

void SplitTasks(std::vector<api::ScheduledTask> tasks, std::vector<api::ScheduledTask>* active,
                std::vector<api::ScheduledTask>* inactive) {
  std::sort(tasks.begin(), tasks.end(), [](const api::ScheduledTask& a, const api::ScheduledTask& b) {
    if (a.assignedTask.instanceId != b.assignedTask.instanceId) {
      return a.assignedTask.instanceId < b.assignedTask.instanceId;
    }
    return a.assignedTask.taskId < b.assignedTask.taskId;
  });
  for (api::ScheduledTask& t : tasks) {
    (IsActiveTask(t) ? active : inactive)->push_back(std::move(t));
  }
}

absl::Status JobStatus(CliContext& ctx, const JobStatusOptions& options) {
  ASSIGN_OR_RETURN(JobPattern pattern, ParseJobPattern(options.pattern));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, pattern.cluster));
  ASSIGN_OR_RETURN(std::vector<ClusterJobKey> keys, MatchingJobs(client, pattern));
  nlohmann::json json_out = nlohmann::json::array();
  std::string text_out;
  for (const ClusterJobKey& key : keys) {
    ASSIGN_OR_RETURN(std::vector<api::ScheduledTask> tasks,
                     client.GetTasksWithoutConfigs(JobQuery(key)));
    if (tasks.empty()) continue;
    std::vector<api::ScheduledTask> active, inactive;
    SplitTasks(std::move(tasks), &active, &inactive);
    if (options.write_json) {
      ASSIGN_OR_RETURN(nlohmann::json j, JobStatusJson(key.ToString(), active, inactive));
      json_out.push_back(std::move(j));
      continue;
    }
    std::map<std::string, std::string> reasons;
    const bool any_pending = std::any_of(active.begin(), active.end(), [](const auto& t) {
      return t.status == api::ScheduleStatus::PENDING;
    });
    if (any_pending) {
      ASSIGN_OR_RETURN(reasons, client.GetPendingReasons(JobQuery(key)));
    }
    absl::StrAppend(&text_out, FormatJobStatus(key.ToString(), active, inactive, reasons));
  }
  const bool found = options.write_json ? !json_out.empty() : !text_out.empty();
  if (!found) {
    if (options.write_json) {
      // Scripts get a JSON answer and exit 0, as with Aurora's client.
      ctx.out << nlohmann::json{{"jobspec", FullPattern(pattern)},
                                {"error", "No matching jobs found"}}.dump()
              << std::endl;
      return absl::OkStatus();
    }
    return WithExitCode(
        absl::NotFoundError(absl::StrCat("Found no jobs matching ", FullPattern(pattern))),
        kExitInvalidParameter);
  }
  if (options.write_json) {
    ctx.out << json_out.dump(2) << std::endl;
  } else {
    ctx.out << text_out << std::flush;
  }
  return absl::OkStatus();
}

absl::Status JobList(CliContext& ctx, const JobListOptions& options) {
  ASSIGN_OR_RETURN(JobPattern pattern, ParseJobPattern(options.pattern));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, pattern.cluster));
  // An exact key is still looked up: list prints only jobs the scheduler knows.
  ASSIGN_OR_RETURN(std::vector<api::JobConfiguration> jobs, client.GetJobs(pattern.LiteralRole()));
  std::vector<std::string> keys;
  for (const api::JobConfiguration& job : jobs) {
    model::JobKey key = wire::FromThrift(job.key);
    if (pattern.Matches(pattern.cluster, key)) {
      keys.push_back(ClusterJobKey{pattern.cluster, key}.ToString());
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  if (options.write_json) {
    ctx.out << nlohmann::json(keys).dump(2) << std::endl;
  } else {
    for (const std::string& k : keys) ctx.out << k << "\n";
    ctx.out << std::flush;
  }
  return absl::OkStatus();
}

absl::Status JobKill(CliContext& ctx, const JobKillOptions& options) {
  InstanceSpec spec;
  if (options.all) {
    ASSIGN_OR_RETURN(spec.key, ParseJobKey(options.spec));
  } else {
    ASSIGN_OR_RETURN(spec, ParseInstanceSpec(options.spec));
  }
  if (options.wait_timeout_secs <= 0) {
    return absl::InvalidArgumentError("--wait-timeout must be a positive number of seconds");
  }
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, spec.key.cluster));
  const std::set<int32_t> instances = spec.instances.value_or(std::set<int32_t>{});
  ASSIGN_OR_RETURN(api::Response response,
                   client.KillTasks(wire::ToThrift(spec.key.job), instances, options.message));
  (void)response;
  if (!options.no_wait) {
    std::optional<std::set<int32_t>> wait_for;
    if (spec.instances.has_value()) {
      // Only the named instances that exist: ids with no task never become terminal.
      ASSIGN_OR_RETURN(std::vector<api::ScheduledTask> tasks,
                       client.GetTasksWithoutConfigs(JobQuery(spec.key)));
      wait_for.emplace();
      for (const api::ScheduledTask& t : tasks) {
        if (spec.instances->count(t.assignedTask.instanceId) > 0) {
          wait_for->insert(t.assignedTask.instanceId);
        }
      }
    }
    RETURN_IF_ERROR(WaitForJob(ctx, client, spec.key, WaitTarget::kFinished, wait_for,
                               options.wait_timeout_secs));
  }
  ctx.out << (options.all ? "Job killall succeeded" : "Job kill succeeded") << std::endl;
  return absl::OkStatus();
}

absl::Status JobAdd(CliContext& ctx, const JobAddOptions& options) {
  ASSIGN_OR_RETURN(InstanceSpec spec, ParseInstanceSpec(options.spec));
  if (!spec.instances.has_value() || spec.instances->size() != 1) {
    return WithExitCode(absl::InvalidArgumentError(absl::StrCat(
                            "'", options.spec,
                            "': name exactly one instance to copy, as CLUSTER/ROLE/ENV/NAME/INSTANCE")),
                        kExitInvalidParameter);
  }
  if (options.count < 1) {
    return WithExitCode(absl::InvalidArgumentError(absl::StrCat(
                            "COUNT must be at least 1, got ", options.count)),
                        kExitInvalidParameter);
  }
  ASSIGN_OR_RETURN(WaitTarget target, ParseWaitTarget(options.wait_until));
  if (options.wait_timeout_secs <= 0) {
    return absl::InvalidArgumentError("--wait-timeout must be a positive number of seconds");
  }
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, spec.key.cluster));
  // To wait, learn which ids the new instances get: the scheduler numbers them after the
  // highest active one, which only a read before the add can tell.
  int32_t highest = -1;
  if (target != WaitTarget::kPending) {
    ASSIGN_OR_RETURN(std::vector<api::ScheduledTask> before,
                     client.GetTasksWithoutConfigs(JobQuery(spec.key)));
    for (const api::ScheduledTask& t : before) {
      auto status = model::StatusFromInt(static_cast<int>(t.status));
      if (status && model::IsActive(*status)) {
        highest = std::max(highest, t.assignedTask.instanceId);
      }
    }
  }
  api::InstanceKey key;
  key.jobKey = wire::ToThrift(spec.key.job);
  key.instanceId = *spec.instances->begin();
  ASSIGN_OR_RETURN(api::Response response, client.AddInstances(key, options.count));
  (void)response;
  ctx.out << "Job add succeeded: " << options.count << " instance(s) of " << spec.key.ToString()
          << " copying instance " << key.instanceId << std::endl;
  if (target == WaitTarget::kPending) return absl::OkStatus();
  std::set<int32_t> added;
  for (int32_t i = 1; i <= options.count; ++i) added.insert(highest + i);
  RETURN_IF_ERROR(WaitForJob(ctx, client, spec.key, target, added, options.wait_timeout_secs));
  ctx.out << "Instances " << highest + 1 << "-" << highest + options.count << " of "
          << spec.key.ToString() << " are " << (target == WaitTarget::kRunning ? "RUNNING" : "FINISHED")
          << std::endl;
  return absl::OkStatus();
}

}  // namespace borealis::cli
