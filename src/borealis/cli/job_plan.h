// `borealis job plan CLUSTER/ROLE/ENV/NAME CONFIG` (beyond Aurora; docs/admin.md, "Plan
// before apply"): the diff an update to CONFIG would make (as `job diff`), a dry run of
// placement from the scheduler's POST /plan (which instances would start where, which stay
// pending and why, which would preempt what), and the plan's token. `job create` and
// `update start` take `--check-token TOKEN` and are refused (exit 6, kExitInvalidParameter)
// when the job's configuration, instances or active update changed since the plan.
// Thread contract: commands run on the caller's thread and block.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/cli/context.h"

namespace borealis::cli {

struct JobPlanOptions {
  std::string job_key;
  std::string config_file;
  bool read_json = false;
  std::vector<std::string> binds;
  bool write_json = false;  // the scheduler's plan JSON instead of text
};

absl::Status JobPlan(CliContext& ctx, const JobPlanOptions& options);

// Adds `plan` to the `job` noun.
void AddPlanVerb(CLI::App* job, CliContext& ctx, JobPlanOptions& options,
                 std::function<absl::Status()>& action);

// The placement part of a plan (the JSON of POST /plan) as text, then the token line.
// InvalidArgument when the JSON does not have the plan's shape.
absl::StatusOr<std::string> FormatPlan(const nlohmann::json& plan);

// A failed createJob/startJobUpdate: when the scheduler refused it for a stale token, the
// same status with exit code kExitInvalidParameter; otherwise `status` as it is.
absl::Status CheckTokenFailure(absl::Status status);

}  // namespace borealis::cli
