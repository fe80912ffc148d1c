// `job restart` (see job_restart.h): batches, the watcher, the failure threshold.
#include "borealis/cli/job_restart.h"

#include <algorithm>
#include <deque>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "borealis/base/status.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/job_commands.h"
#include "borealis/cli/job_config.h"
#include "borealis/cli/job_key.h"
#include "borealis/model/schedule_status.h"
#include "borealis/wire/convert.h"

namespace borealis::cli {

std::string PyList(const std::vector<int32_t>& ids) {
  return absl::StrCat("[", absl::StrJoin(ids, ", "), "]");
}

void BatchWatch::Observe(int64_t now_ms, const std::vector<api::ScheduledTask>& running,
                         std::vector<std::string>* log) {
  std::map<int32_t, const api::ScheduledTask*> by_instance;
  for (const api::ScheduledTask& t : running) {
    if (t.status == api::ScheduleStatus::RUNNING) by_instance[t.assignedTask.instanceId] = &t;
  }
  for (int32_t instance : instances_) {
    auto task = by_instance.find(instance);
    if (task == by_instance.end()) continue;  // not RUNNING (yet): wait
    const std::string& task_id = task->second->assignedTask.taskId;
    auto [it, first] = seen_.try_emplace(instance);
    Seen& seen = it->second;
    if (seen.finished) continue;
    if (first) {
      seen.task_id = task_id;
      seen.first_ms = now_ms;
      log->push_back(absl::StrCat("Detected RUNNING instance ", instance));
    }
    if (task_id != seen.task_id) {
      log->push_back(absl::StrCat("Instance ", instance, " is unhealthy"));
      seen.finished = true;
      continue;
    }
    if (now_ms > seen.first_ms + watch_ms_) {
      log->push_back(absl::StrCat("Instance ", instance,
                                  " has been up and healthy for at least ", watch_ms_ / 1000,
                                  " seconds"));
      seen.finished = true;
      seen.healthy = true;
    }
  }
}

bool BatchWatch::Done() const {
  return std::all_of(instances_.begin(), instances_.end(), [&](int32_t i) {
    auto it = seen_.find(i);
    return it != seen_.end() && it->second.finished;
  });
}

std::vector<int32_t> BatchWatch::Failed() const {
  std::vector<int32_t> out;
  for (const auto& [instance, seen] : seen_) {
    if (seen.finished && !seen.healthy) out.push_back(instance);
  }
  return out;
}

void RestartFailures::Add(const std::vector<int32_t>& failed) {
  for (int32_t i : failed) ++failures_[i];
}

bool RestartFailures::MayRetry(int32_t instance) const {
  auto it = failures_.find(instance);
  return it == failures_.end() || it->second <= max_per_instance_;
}

int RestartFailures::ExceededCount() const {
  int n = 0;
  for (const auto& [instance, count] : failures_) n += count > max_per_instance_ ? 1 : 0;
  return n;
}

bool RestartFailures::Exceeded() const { return ExceededCount() > max_total_; }

std::vector<std::string> RestartFailures::Describe() const {
  std::vector<std::string> out = {absl::StrCat(ExceededCount(),
                                               " failed instances observed, maximum allowed is ",
                                               max_total_)};
  for (const auto& [instance, count] : failures_) {
    if (count > max_per_instance_) {
      out.push_back(absl::StrCat(count, " instance failures for instance ", instance,
                                 ", maximum allowed is ", max_per_instance_));
    }
  }
  return out;
}

namespace {

absl::Status InvalidParameter(const std::string& message) {
  return WithExitCode(absl::InvalidArgumentError(message), kExitInvalidParameter);
}

absl::Status CheckOptions(const JobRestartOptions& o) {
  if (o.batch_size < 1) return InvalidParameter("--batch-size must be at least 1");
  if (o.watch_secs < 0) return InvalidParameter("--watch-secs must not be negative");
  if (o.max_total_failures < 0) {
    return InvalidParameter(absl::StrCat("max_total_failures option must be >0, but you specified ",
                                         o.max_total_failures));
  }
  if (o.healthcheck_interval_seconds < 1) {
    return InvalidParameter("--healthcheck-interval-seconds must be at least 1");
  }
  return absl::OkStatus();
}

api::TaskQuery ActiveQuery(const ClusterJobKey& key, const std::set<int32_t>& instances) {
  api::TaskQuery q = JobQuery(key);
  std::set<api::ScheduleStatus::type> active;
  for (int s = 0; s < 64; ++s) {  // every value StatusFromInt knows
    auto status = model::StatusFromInt(s);
    if (status && model::IsActive(*status)) active.insert(static_cast<api::ScheduleStatus::type>(s));
  }
  q.__set_statuses(active);
  if (!instances.empty()) q.__set_instanceIds(instances);
  return q;
}

// The instances to restart: those named, else every active one.
absl::StatusOr<std::vector<int32_t>> Targets(SchedulerClient& client, const InstanceSpec& spec,
                                             bool strict) {
  ASSIGN_OR_RETURN(std::vector<api::ScheduledTask> active,
                   client.GetTasksWithoutConfigs(ActiveQuery(spec.key, {})));
  std::set<int32_t> ids;
  for (const api::ScheduledTask& t : active) ids.insert(t.assignedTask.instanceId);
  if (!spec.instances.has_value()) return std::vector<int32_t>(ids.begin(), ids.end());
  if (strict) {
    std::vector<int32_t> missing;
    for (int32_t i : *spec.instances) {
      if (ids.count(i) == 0) missing.push_back(i);
    }
    if (!missing.empty()) {
      return InvalidParameter(absl::StrCat("Invalid instance parameter: ", PyList(missing),
                                           " of ", spec.key.ToString(), " are not active"));
    }
  }
  return std::vector<int32_t>(spec.instances->begin(), spec.instances->end());
}

// Polls the batch until every instance is healthy or failed; the failed ones.
absl::StatusOr<std::vector<int32_t>> WatchBatch(CliContext& ctx, SchedulerClient& client,
                                                const ClusterJobKey& key,
                                                const std::vector<int32_t>& batch,
                                                const JobRestartOptions& o) {
  ctx.err << "Watching instances: " << PyList(batch) << std::endl;
  const std::set<int32_t> ids(batch.begin(), batch.end());
  BatchWatch watch(ids, int64_t{o.watch_secs} * 1000);
  api::TaskQuery query = JobQuery(key);
  query.__set_statuses({api::ScheduleStatus::RUNNING});
  query.__set_instanceIds(ids);
  while (true) {
    ASSIGN_OR_RETURN(std::vector<api::ScheduledTask> running, client.GetTasksWithoutConfigs(query));
    std::vector<std::string> log;
    watch.Observe(ctx.clock.MonoNowNs() / 1'000'000, running, &log);
    for (const std::string& line : log) ctx.err << line << std::endl;
    if (watch.Done()) return watch.Failed();
    ctx.sleep_ms(int64_t{o.healthcheck_interval_seconds} * 1000);
  }
}

}  // namespace

void AddRestartVerb(CLI::App* job, CliContext& ctx, JobRestartOptions& o,
                    std::function<absl::Status()>& action) {
  CLI::App* restart = job->add_subcommand(
      "restart", "Rolling restart of a job's instances, batch by batch, driven by this client");
  restart->add_option("instances", o.spec, "CLUSTER/ROLE/ENV/NAME[/INSTANCES]")->required();
  restart->add_option("--batch-size", o.batch_size, "Instances restarted at once (default 1)");
  restart->add_option("--watch-secs", o.watch_secs,
                      "Seconds a restarted instance must stay RUNNING (default 30)");
  restart->add_option("--max-per-instance-failures", o.max_per_instance_failures,
                      "Restarts an instance may fail before it counts as failed (default 0)");
  restart->add_option("--max-total-failures", o.max_total_failures,
                      "Failed instances tolerated before the restart stops (default 0)");
  restart->add_option("--healthcheck-interval-seconds", o.healthcheck_interval_seconds,
                      "Seconds between checks of the restarted instances (default 3)");
  restart->add_flag("--force", o.force, "Accepted for compatibility; restart asks nothing");
  restart->add_flag("--strict", o.strict, "Refuse instances that are not active");
  restart->add_option("--config", o.config_file, "The job's configuration file (checked)");
  restart->add_flag("--read-json", o.read_json, "--config is a JSON job file");
  restart->add_option("--bind", o.binds, "name=value: bind a template variable (repeatable)")
      ->allow_extra_args(false);
  restart->callback([&] { action = [&] { return JobRestart(ctx, o); }; });
}

absl::Status JobRestart(CliContext& ctx, const JobRestartOptions& options) {
  ASSIGN_OR_RETURN(InstanceSpec spec, ParseInstanceSpec(options.spec));
  RETURN_IF_ERROR(CheckOptions(options));
  if (!options.config_file.empty()) {
    ConfigFileOptions file{options.config_file, options.read_json, options.binds};
    RETURN_IF_ERROR(LoadConfigJob(file, spec.key).status());
  }
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, spec.key.cluster));
  ASSIGN_OR_RETURN(std::vector<int32_t> targets, Targets(client, spec, options.strict));
  const std::string job = spec.key.ToString();
  if (targets.empty()) {
    ctx.err << "No instances specified, and no active instances found in job " << job << "\n"
            << "Nothing to do." << std::endl;
    ctx.out << "Job " << job << " restarted successfully" << std::endl;
    return absl::OkStatus();
  }
  ctx.err << "Performing rolling restart of job " << job << " (instances: " << PyList(targets)
          << ")" << std::endl;
  RestartFailures failures(options.max_per_instance_failures, options.max_total_failures);
  std::deque<int32_t> queue(targets.begin(), targets.end());
  while (!queue.empty() && !failures.Exceeded()) {
    std::vector<int32_t> batch;
    while (!queue.empty() && static_cast<int>(batch.size()) < options.batch_size) {
      batch.push_back(queue.front());
      queue.pop_front();
    }
    ctx.err << "Restarting instances: " << PyList(batch) << std::endl;
    auto restarted = client.RestartShards(wire::ToThrift(spec.key.job),
                                          std::set<int32_t>(batch.begin(), batch.end()));
    if (!restarted.ok()) {
      return WithExitCode(absl::Status(restarted.status().code(),
                                       absl::StrCat("Error restarting job ", job, ": ",
                                                    restarted.status().message())),
                          static_cast<ExitCode>(ExitCodeFor(restarted.status())));
    }
    ASSIGN_OR_RETURN(std::vector<int32_t> failed, WatchBatch(ctx, client, spec.key, batch, options));
    failures.Add(failed);
    for (int32_t i : failed) {
      if (failures.MayRetry(i)) queue.push_back(i);
    }
  }
  if (failures.Exceeded()) {
    for (const std::string& line : failures.Describe()) ctx.err << line << std::endl;
    ctx.err << "Restart failures threshold reached. Aborting" << std::endl;
    return WithExitCode(absl::AbortedError(absl::StrCat("Error restarting job ", job, ": ",
                                                        failures.Describe()[0])),
                        kExitCommandFailure);
  }
  ctx.err << "All instances were restarted successfully" << std::endl;
  ctx.out << "Job " << job << " restarted successfully" << std::endl;
  return absl::OkStatus();
}

}  // namespace borealis::cli
