// `job create` and the waiting it shares with `job kill`.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "borealis/base/status.h"
#include "borealis/cli/change_waiter.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/job_config.h"
#include "borealis/cli/job_commands.h"
#include "borealis/cli/job_open.h"
#include "borealis/cli/job_plan.h"
#include "borealis/model/job_configuration.h"
#include "borealis/model/schedule_status.h"
#include "borealis/wire/convert.h"

namespace borealis::cli {
namespace {

constexpr int64_t kPollIntervalMs = 500;

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
  ConfigFileOptions file{options.config_file, options.read_json, options.binds};
  ASSIGN_OR_RETURN(config::JobSpec spec, LoadConfigJob(file, key));
  if (!spec.cron_schedule.empty()) {
    return WithExitCode(absl::FailedPreconditionError(
                            "Cron jobs may only be scheduled with \"borealis cron schedule\" "
                            "command"),
                        kExitCommandFailure);
  }
  ASSIGN_OR_RETURN(model::JobConfiguration model_job, ToModelJob(spec, options.config_file));
  return wire::ToThrift(model_job);
}

}  // namespace

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
  ChangeWaiter waiter(ctx, client, key.job, "task", kPollIntervalMs);  // before the first look
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
    waiter.Wait((deadline_ns - ctx.clock.MonoNowNs()) / 1'000'000);
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
  if (!options.check_token.empty()) client.set_check_token(options.check_token);
  if (absl::StatusOr<api::Response> created = client.CreateJob(job); !created.ok()) {
    return CheckTokenFailure(created.status());
  }
  const std::string url =
      absl::StrCat(LinkBaseFor(ctx, key.cluster, client.uri()), "/scheduler/", key.job.role, "/",
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
