// `job inspect` and `config list`: read a configuration file and show it; nothing is sent
// to a scheduler. Inspect checks the one job it shows; `config list` only loads the file.
//
// The readable layout is Aurora's client's (contact and partition_policy only when set,
// task constraints at the same indent as their heading), plus the lines Borealis adds
// (environment, tier, resources, max failures; docs/aurora-compatibility.md):
//
//   Job level information
//     name:       'hello_world'
//     role:       'www-data'
//     ...
//   Task level information
//     name: 'hello_world'
//
//   Process 'hello':
//     cmdline:
//       echo hello
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "borealis/base/status.h"
#include "borealis/cli/job_commands.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/job_config.h"
#include "borealis/model/job_configuration.h"
#include "borealis/pyconfig/aurora.h"

namespace borealis::cli {
namespace {

std::string Quoted(const std::string& s) { return absl::StrCat("'", s, "'"); }

const char* PyBool(bool b) { return b ? "True" : "False"; }

std::string Bytes(int64_t bytes) {
  constexpr int64_t kMiB = 1024 * 1024;
  if (bytes % (1024 * kMiB) == 0) return absl::StrCat(bytes / (1024 * kMiB), " GB");
  if (bytes % kMiB == 0) return absl::StrCat(bytes / kMiB, " MB");
  return absl::StrCat(bytes, " B");
}

void JobSection(const config::JobSpec& job, std::ostream& out) {
  out << "Job level information\n";
  out << "  name:       " << Quoted(job.name) << "\n";
  out << "  role:       " << Quoted(job.role) << "\n";
  if (!job.contact.empty()) out << "  contact:    " << Quoted(job.contact) << "\n";
  out << "  cluster:    " << Quoted(job.cluster) << "\n";
  out << "  environment: " << Quoted(job.environment) << "\n";
  out << "  instances:  " << Quoted(absl::StrCat(job.instances)) << "\n";
  if (!job.cron_schedule.empty()) {
    out << "  cron:\n";
    out << "    schedule: " << Quoted(job.cron_schedule) << "\n";
    out << "    policy:   " << Quoted(job.cron_collision_policy) << "\n";
  }
  if (!job.constraints.empty()) {
    out << "  constraints:\n";
    for (const auto& [name, value] : job.constraints) {
      out << "    " << Quoted(name) << ": " << Quoted(value) << "\n";
    }
  }
  if (job.partition_policy) {
    out << "  partition_policy:\n";
    out << "    reschedule: " << PyBool(job.partition_policy->reschedule) << "\n";
    out << "    delay_secs: " << Quoted(absl::StrCat(job.partition_policy->delay_secs.value_or(0)))
        << "\n";
  }
  out << "  service:    " << PyBool(job.service) << "\n";
  out << "  production: " << PyBool(job.production) << "\n";
  if (!job.tier.empty()) out << "  tier:       " << Quoted(job.tier) << "\n";
  out << "\n";
}

void TaskSection(const config::TaskSpec& task, std::ostream& out) {
  out << "Task level information\n";
  out << "  name: " << Quoted(task.name) << "\n";
  out << "  resources: cpu " << task.cpu << ", ram " << Bytes(task.ram_bytes) << ", disk "
      << Bytes(task.disk_bytes);
  if (task.gpu > 0) out << ", gpu " << task.gpu;
  out << "\n";
  if (!task.order_constraints.empty()) {
    out << "  constraints:\n";
    for (const auto& order : task.order_constraints) {
      out << "  " << absl::StrJoin(order, " < ") << "\n";
    }
  }
  out << "\n";
  for (const config::ProcessSpec& p : task.processes) {
    out << "Process " << Quoted(p.name) << ":\n";
    if (p.max_failures != 1) out << "  max failures: " << p.max_failures << "\n";
    if (p.daemon) out << "  daemon\n";
    if (p.ephemeral) out << "  ephemeral\n";
    if (p.final) out << "  final\n";
    out << "  cmdline:\n";
    for (absl::string_view line : absl::StrSplit(p.cmdline, '\n')) {
      out << "    " << line << "\n";
    }
    out << "\n";
  }
}

}  // namespace

std::string FormatInspect(const config::JobSpec& job) {
  std::ostringstream out;
  JobSection(job, out);
  TaskSection(job.task, out);
  return out.str();
}

absl::Status JobInspect(CliContext& ctx, const JobInspectOptions& options) {
  ASSIGN_OR_RETURN(ClusterJobKey key, ParseJobKey(options.job_key));
  ConfigFileOptions file{options.config_file, options.read_json, options.binds};
  ASSIGN_OR_RETURN(config::JobSpec job, LoadConfigJob(file, key));
  // The conversion's checks (resources, ports) apply to inspect as they do to create.
  ASSIGN_OR_RETURN(model::JobConfiguration unused, ToModelJob(job, options.config_file));
  (void)unused;
  if (options.write_json) {
    ctx.out << job.original.dump() << std::endl;
  } else {
    ctx.out << FormatInspect(job) << std::flush;
  }
  return absl::OkStatus();
}

absl::Status ConfigList(CliContext& ctx, const ConfigListOptions& options) {
  // Aurora's `config list` loads the file and binds the jobs, nothing more: checking a job
  // is for the verbs that use one (inspect, create, diff).
  absl::StatusOr<std::vector<std::string>> keys =
      options.read_json ? pyconfig::ListJsonJobs(options.config_file, options.binds)
                        : pyconfig::ListAuroraJobs(options.config_file, options.binds);
  if (!keys.ok()) {
    if (keys.status().code() != absl::StatusCode::kInvalidArgument) return keys.status();
    return WithExitCode(keys.status(), kExitCommandFailure);
  }
  ctx.out << "jobs=[" << absl::StrJoin(*keys, ", ") << "]" << std::endl;
  return absl::OkStatus();
}

}  // namespace borealis::cli
