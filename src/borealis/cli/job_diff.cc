// `job diff`: the local configuration against the running job. As Aurora's client, the
// scheduler computes the diff (populateJobConfig + getJobUpdateDiff): which instances an
// update to this file would add, remove, update or leave, with the fields that differ for
// those it updates. A scheduler that cannot (getJobUpdateDiff "not supported yet") and cron
// jobs get the field-by-field comparison with the running job's configuration.
#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "borealis/base/status.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/job_commands.h"
#include "borealis/cli/job_config.h"
#include "borealis/cli/update_commands.h"
#include "borealis/model/constraint.h"
#include "borealis/model/job_configuration.h"
#include "borealis/model/task_config.h"
#include "borealis/wire/convert.h"

namespace borealis::cli {
namespace {

using nlohmann::json;

class Differ {
 public:
  template <typename T>
  void Field(const std::string& name, const T& running, const T& local) {
    if (!(running == local)) Add(name, Show(running), Show(local));
  }

  // Executor data: JSON compared key by key; text that is not JSON compared as text.
  void Data(const std::string& name, const std::string& running, const std::string& local) {
    json a = json::parse(running, nullptr, /*allow_exceptions=*/false);
    json b = json::parse(local, nullptr, /*allow_exceptions=*/false);
    if (a.is_discarded() || b.is_discarded()) {
      Field(name, running, local);
    } else {
      Json(name, a, b);
    }
  }

  std::vector<std::string> Take() { return std::move(entries_); }

 private:
  void Add(const std::string& name, const std::string& running, const std::string& local) {
    entries_.push_back(absl::StrCat(name, ": ", running, " -> ", local));
  }

  void Json(const std::string& path, const json& a, const json& b) {
    if (a.is_object() && b.is_object()) {
      std::set<std::string> keys;
      for (const auto& [k, v] : a.items()) keys.insert(k);
      for (const auto& [k, v] : b.items()) keys.insert(k);
      for (const std::string& k : keys) {
        const std::string at = absl::StrCat(path, ".", k);
        if (!a.contains(k)) {
          Add(at, "(unset)", b.at(k).dump());
        } else if (!b.contains(k)) {
          Add(at, a.at(k).dump(), "(unset)");
        } else {
          Json(at, a.at(k), b.at(k));
        }
      }
    } else if (a.is_array() && b.is_array() && a.size() == b.size()) {
      for (size_t i = 0; i < a.size(); ++i) Json(absl::StrCat(path, "[", i, "]"), a[i], b[i]);
    } else if (a != b) {
      Add(path, a.dump(), b.dump());
    }
  }

  static std::string Show(const std::string& s) { return json(s).dump(); }
  static std::string Show(bool b) { return b ? "true" : "false"; }
  static std::string Show(int32_t v) { return absl::StrCat(v); }
  static std::string Show(int64_t v) { return absl::StrCat(v); }
  static std::string Show(const std::vector<std::string>& v) {
    return absl::StrCat("[", absl::StrJoin(v, ", "), "]");
  }
  static std::string Show(const std::map<std::string, std::string>& m) {
    std::vector<std::string> parts;
    for (const auto& [k, v] : m) parts.push_back(absl::StrCat(k, "=", v));
    return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
  }
  static std::string Show(const std::vector<model::Metadata>& v) {
    std::vector<std::string> parts;
    for (const model::Metadata& m : v) parts.push_back(absl::StrCat(m.key, "=", m.value));
    return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
  }
  static std::string Show(const std::vector<model::Constraint>& v) {
    std::vector<std::string> parts;
    for (const model::Constraint& c : v) {
      parts.push_back(c.is_limit ? absl::StrCat(c.name, "=limit:", c.limit)
                                 : absl::StrCat(c.name, "=", c.negated ? "!" : "",
                                                absl::StrJoin(c.values, ",")));
    }
    return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
  }
  static std::string Show(const std::optional<model::PartitionPolicy>& p) {
    if (!p.has_value()) return "(unset)";
    return absl::StrCat("{reschedule=", p->reschedule ? "true" : "false", ", delay_secs=",
                        p->delay_secs.has_value() ? absl::StrCat(*p->delay_secs) : "(unset)",
                        "}");
  }

  std::vector<std::string> entries_;
};

absl::StatusOr<model::JobConfiguration> RunningJob(SchedulerClient& client,
                                                   const ClusterJobKey& key) {
  ASSIGN_OR_RETURN(std::vector<api::JobConfiguration> jobs, client.GetJobs(key.job.role));
  for (const api::JobConfiguration& job : jobs) {
    if (job.key.role != key.job.role || job.key.environment != key.job.environment ||
        job.key.name != key.job.name) {
      continue;
    }
    auto model_job = wire::FromThrift(job);
    if (!model_job.ok()) {
      return absl::InternalError(absl::StrCat("the scheduler's configuration of ", key.ToString(),
                                              " is unreadable: ", model_job.status().message()));
    }
    return model_job;
  }
  return WithExitCode(absl::NotFoundError(absl::StrCat("job ", key.ToString(),
                                                       " is not running (no active tasks)")),
                      kExitCommandFailure);
}

// Prints the scheduler's diff; exit 1 (as diff(1)) when the update would change anything.
absl::Status PrintUpdateDiff(CliContext& ctx, SchedulerClient& client,
                             const api::GetJobUpdateDiffResult& diff,
                             model::JobConfiguration local) {
  // The TaskConfig as the scheduler fills it in (tier, defaults), when it can say.
  auto populated = client.PopulateJobConfig(wire::ToThrift(local));
  if (populated.ok()) {
    auto task = wire::FromThrift(*populated);
    if (task.ok()) local.task = *std::move(task);
  }
  ctx.out << FormatUpdateDiff(diff, &local) << std::flush;
  if (diff.add.empty() && diff.remove.empty() && diff.update.empty()) return absl::OkStatus();
  return WithExitCode(absl::FailedPreconditionError("the job update would change the job"),
                      kExitGeneric);
}

}  // namespace

std::vector<std::string> DiffJobs(const model::JobConfiguration& running,
                                  const model::JobConfiguration& local) {
  Differ d;
  const model::TaskConfig& a = running.task;
  const model::TaskConfig& b = local.task;
  d.Field("instanceCount", running.instance_count, local.instance_count);
  d.Field("owner.user", a.owner_user, b.owner_user);
  d.Field("isService", a.is_service, b.is_service);
  d.Field("priority", a.priority, b.priority);
  d.Field("maxTaskFailures", a.max_task_failures, b.max_task_failures);
  d.Field("production", a.production, b.production);
  if (!b.tier.empty()) d.Field("tier", a.tier, b.tier);
  d.Field("resources.numCpus(milli)", a.resources.milli_cpus, b.resources.milli_cpus);
  d.Field("resources.ramMb", a.resources.ram_mb, b.resources.ram_mb);
  d.Field("resources.diskMb", a.resources.disk_mb, b.resources.disk_mb);
  d.Field("resources.numGpus", a.resources.gpus, b.resources.gpus);
  d.Field("resources.namedPorts", a.resources.named_ports, b.resources.named_ports);
  d.Field("constraints", a.constraints, b.constraints);
  d.Field("taskLinks", a.task_links, b.task_links);
  d.Field("contactEmail", a.contact_email, b.contact_email);
  d.Field("metadata", a.metadata, b.metadata);
  d.Field("partitionPolicy", a.partition_policy, b.partition_policy);
  d.Field("executorConfig.name", a.executor_name, b.executor_name);
  d.Data("executorConfig.data", a.executor_data, b.executor_data);
  return d.Take();
}

absl::Status JobDiff(CliContext& ctx, const JobDiffOptions& options) {
  ASSIGN_OR_RETURN(InstanceSpec instances, ParseInstanceSpec(options.job_key));
  const ClusterJobKey& key = instances.key;
  ConfigFileOptions file{options.config_file, options.read_json, options.binds};
  ASSIGN_OR_RETURN(config::JobSpec spec, LoadConfigJob(file, key));
  ASSIGN_OR_RETURN(model::JobConfiguration local, ToModelJob(spec, options.config_file));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, key.cluster));
  if (spec.cron_schedule.empty()) {
    // As Aurora's client: the scheduler compares, per instance, what an update would do.
    ASSIGN_OR_RETURN(api::JobUpdateRequest request,
                     BuildUpdateRequest(spec, local, instances.instances, {}, options.config_file));
    auto diff = client.GetJobUpdateDiff(request);
    if (diff.ok()) return PrintUpdateDiff(ctx, client, *diff, local);
    if (!absl::StrContains(diff.status().message(), "not supported yet")) return diff.status();
    // A scheduler without getJobUpdateDiff: compare with the running job's configuration.
  }
  ASSIGN_OR_RETURN(model::JobConfiguration running, RunningJob(client, key));
  std::vector<std::string> diffs = DiffJobs(running, local);
  if (diffs.empty()) {
    ctx.out << "No differences between " << key.ToString() << " and " << options.config_file
            << std::endl;
    return absl::OkStatus();
  }
  ctx.out << "Differences between the running job " << key.ToString() << " and "
          << options.config_file << " (running -> local):" << std::endl;
  for (const std::string& line : diffs) ctx.out << "  " << line << std::endl;
  return WithExitCode(absl::FailedPreconditionError(absl::StrCat(
                          diffs.size(), " field(s) differ from the running job")),
                      kExitGeneric);
}

}  // namespace borealis::cli
