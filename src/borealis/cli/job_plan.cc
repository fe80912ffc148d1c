// `job plan` and the --check-token failure (see job_plan.h).
#include "borealis/cli/job_plan.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "borealis/base/status.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/job_config.h"
#include "borealis/cli/job_key.h"
#include "borealis/cli/update_commands.h"
#include "borealis/model/job_configuration.h"
#include "borealis/wire/convert.h"

namespace borealis::cli {
namespace {

using nlohmann::json;

// "0-2,5" for {0,1,2,5}.
std::string RangesText(const std::set<int32_t>& instances) {
  std::vector<std::string> parts;
  for (const api::Range& r : InstancesToRanges(instances)) {
    parts.push_back(r.first == r.last ? absl::StrCat(r.first) : absl::StrCat(r.first, "-", r.last));
  }
  return absl::StrJoin(parts, ",");
}

std::string PortsText(const json& ports) {
  std::vector<std::string> parts;
  for (const auto& [name, port] : ports.items()) {
    parts.push_back(absl::StrCat(name, "=", port.get<int32_t>()));
  }
  return parts.empty() ? "" : absl::StrCat(" (ports ", absl::StrJoin(parts, ", "), ")");
}

}  // namespace

absl::StatusOr<std::string> FormatPlan(const json& plan) {
  try {
    std::string out = "Placement (a dry run on the scheduler's current view; nothing changed):\n";
    for (const json& p : plan.at("placed")) {
      absl::StrAppend(&out, "  instance ", p.at("instance").get<int32_t>(), ": ",
                      p.at("replaces").get<bool>() ? "replaced, " : "", "starts on ",
                      p.at("host").get<std::string>(), PortsText(p.at("ports")), "\n");
    }
    for (const json& p : plan.at("pending")) {
      absl::StrAppend(&out, "  instance ", p.at("instance").get<int32_t>(), ": ",
                      p.at("replaces").get<bool>() ? "replaced, " : "", "stays PENDING: ",
                      p.at("reason").get<std::string>(), "\n");
      if (p.contains("preempt")) {
        const json& pre = p.at("preempt");
        absl::StrAppend(&out, "    would preempt on ", pre.at("host").get<std::string>(), ": ",
                        absl::StrJoin(pre.at("victims").get<std::vector<std::string>>(), ", "),
                        "\n");
      }
    }
    const auto removed = plan.at("removed").get<std::set<int32_t>>();
    if (!removed.empty()) {
      absl::StrAppend(&out, "  instances ", RangesText(removed),
                      ": killed (beyond the new instance count)\n");
    }
    const auto unchanged = plan.at("unchanged").get<std::set<int32_t>>();
    if (!unchanged.empty()) {
      absl::StrAppend(&out, "  instances ", RangesText(unchanged), ": unchanged\n");
    }
    absl::StrAppend(&out, "Plan token: ", plan.at("token").get<std::string>(), "\n");
    return out;
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("the scheduler's plan is not in the expected shape: ", e.what()));
  }
}

absl::Status CheckTokenFailure(absl::Status status) {
  if (absl::StrContains(status.message(), "Borealis-Check-Token:")) {
    return WithExitCode(std::move(status), kExitInvalidParameter);
  }
  return status;
}

absl::Status JobPlan(CliContext& ctx, const JobPlanOptions& options) {
  ASSIGN_OR_RETURN(ClusterJobKey key, ParseJobKey(options.job_key));
  ConfigFileOptions file{options.config_file, options.read_json, options.binds};
  ASSIGN_OR_RETURN(config::JobSpec spec, LoadConfigJob(file, key));
  if (!spec.cron_schedule.empty()) {
    return WithExitCode(absl::UnimplementedError("job plan of a cron job is not supported yet"),
                        kExitCommandFailure);
  }
  ASSIGN_OR_RETURN(model::JobConfiguration local, ToModelJob(spec, options.config_file));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, key.cluster));
  ASSIGN_OR_RETURN(std::string body, client.Plan(wire::ToThrift(local)));
  json plan = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (plan.is_discarded()) {
    return WithExitCode(absl::InternalError("the scheduler's plan is not JSON"), kExitApiError);
  }
  if (options.write_json) {
    ctx.out << plan.dump() << std::endl;
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(api::JobUpdateRequest request,
                   BuildUpdateRequest(spec, local, std::nullopt, {}, options.config_file));
  ASSIGN_OR_RETURN(api::GetJobUpdateDiffResult diff, client.GetJobUpdateDiff(request));
  ctx.out << FormatUpdateDiff(diff, &local);
  ASSIGN_OR_RETURN(std::string text, FormatPlan(plan));
  ctx.out << text;
  // A job with no active task is created; one that runs is updated.
  const bool exists = !diff.update.empty() || !diff.unchanged.empty() || !diff.remove.empty();
  ctx.out << "Apply with: borealis " << (exists ? "update start " : "job create ")
          << key.ToString() << " " << options.config_file << " --check-token "
          << plan.at("token").get<std::string>() << std::endl;
  return absl::OkStatus();
}

void AddPlanVerb(CLI::App* job, CliContext& ctx, JobPlanOptions& o,
                 std::function<absl::Status()>& action) {
  CLI::App* plan = job->add_subcommand(
      "plan", "Show what creating or updating a job to a configuration would do, and a token "
              "for --check-token");
  plan->add_option("jobkey", o.job_key, "CLUSTER/ROLE/ENV/NAME")->required();
  plan->add_option("config", o.config_file,
                   "The job's configuration file (.aurora, or JSON with --read-json)")
      ->required();
  plan->add_flag("--read-json", o.read_json, "The file is a JSON job file");
  plan->add_option("--bind", o.binds, "name=value: bind a template variable (repeatable)")
      ->allow_extra_args(false);
  plan->add_flag("--write-json", o.write_json, "Print the scheduler's plan as JSON");
  plan->callback([&] { action = [&] { return JobPlan(ctx, o); }; });
}

}  // namespace borealis::cli
