// The `cron` noun (docs/aurora-compatibility.md, "Cron jobs"): `cron schedule JOBKEY CONFIG`
// (create or replace the job's cron template), `cron deschedule JOBKEY`, `cron start
// JOBKEY` (run it now) and `cron show JOBKEY`, with Aurora's client's output and exit codes.
//
// Exit codes: a config without cron_schedule kExitCommandFailure; bad arguments and a job
// `show` finds no cron entry for kExitInvalidParameter; API failures kExitApiError.
// Thread contract: commands run on the caller's thread and block.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "borealis/cli/context.h"
#include "gen-cpp/api_types.h"

namespace borealis::cli {

struct CronScheduleOptions {
  std::string job_key;  // CLUSTER/ROLE/ENV/NAME
  std::string config_file;
  bool read_json = false;
  std::vector<std::string> binds;
};

absl::Status CronSchedule(CliContext& ctx, const CronScheduleOptions& options);
absl::Status CronDeschedule(CliContext& ctx, const std::string& job_key);
absl::Status CronStart(CliContext& ctx, const std::string& job_key);
absl::Status CronShow(CliContext& ctx, const std::string& job_key);

// What `cron show` prints for `job_key` (CLUSTER/ROLE/ENV/NAME) among the role's jobs:
// "JOBKEY\t SCHEDULE", or nothing when none of them is that job with a cron schedule.
std::optional<std::string> CronShowLine(const std::string& job_key, const std::string& env,
                                        const std::string& name,
                                        const std::vector<api::JobConfiguration>& jobs);

}  // namespace borealis::cli
