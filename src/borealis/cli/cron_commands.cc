// `cron schedule|deschedule|start|show`: the texts are Aurora's client's.
#include "borealis/cli/cron_commands.h"

#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/job_config.h"
#include "borealis/cli/job_key.h"
#include "borealis/cli/job_open.h"
#include "borealis/wire/convert.h"

namespace borealis::cli {

absl::Status CronSchedule(CliContext& ctx, const CronScheduleOptions& options) {
  ASSIGN_OR_RETURN(ClusterJobKey key, ParseJobKey(options.job_key));
  ConfigFileOptions file{options.config_file, options.read_json, options.binds};
  ASSIGN_OR_RETURN(config::JobSpec spec, LoadConfigJob(file, key));
  if (spec.cron_schedule.empty()) {
    return WithExitCode(absl::FailedPreconditionError(
                            "Non-cron jobs may only be created with \"borealis job create\" "
                            "command"),
                        kExitCommandFailure);
  }
  ASSIGN_OR_RETURN(model::JobConfiguration job, ToModelJob(spec, options.config_file));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, key.cluster));
  RETURN_IF_ERROR(client.ScheduleCronJob(wire::ToThrift(job)).status());
  ctx.out << "Cron job scheduled, status can be viewed at "
          << LinkBaseFor(ctx, key.cluster, client.uri()) << "/scheduler/"
          << key.job.role << "/" << key.job.environment << "/" << key.job.name << std::endl;
  return absl::OkStatus();
}

absl::Status CronDeschedule(CliContext& ctx, const std::string& job_key) {
  ASSIGN_OR_RETURN(ClusterJobKey key, ParseJobKey(job_key));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, key.cluster));
  RETURN_IF_ERROR(client.DescheduleCronJob(wire::ToThrift(key.job)).status());
  ctx.out << "Cron descheduling succeeded." << std::endl;
  return absl::OkStatus();
}

absl::Status CronStart(CliContext& ctx, const std::string& job_key) {
  ASSIGN_OR_RETURN(ClusterJobKey key, ParseJobKey(job_key));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, key.cluster));
  return client.StartCronJob(wire::ToThrift(key.job)).status();
}

std::optional<std::string> CronShowLine(const std::string& job_key, const std::string& env,
                                        const std::string& name,
                                        const std::vector<api::JobConfiguration>& jobs) {
  for (const api::JobConfiguration& job : jobs) {
    if (job.key.environment != env || job.key.name != name) continue;
    if (job.cronSchedule.empty()) return std::nullopt;
    return absl::StrCat(job_key, "\t ", job.cronSchedule);
  }
  return std::nullopt;
}

absl::Status CronShow(CliContext& ctx, const std::string& job_key) {
  ASSIGN_OR_RETURN(ClusterJobKey key, ParseJobKey(job_key));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, key.cluster));
  ASSIGN_OR_RETURN(std::vector<api::JobConfiguration> jobs, client.GetJobs(key.job.role));
  auto line = CronShowLine(key.ToString(), key.job.environment, key.job.name, jobs);
  if (!line) {
    return WithExitCode(absl::NotFoundError(absl::StrCat("No cron entry found for job ",
                                                         key.ToString())),
                        kExitInvalidParameter);
  }
  ctx.out << *line << std::endl;
  return absl::OkStatus();
}

}  // namespace borealis::cli
