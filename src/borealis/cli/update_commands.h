// The `update` noun (docs/aurora-compatibility.md, "update"): Aurora's scheduler-driven
// job updates seen from the client — start, pause, resume, abort, rollback, pulse,
// promote (canaries), list, info and wait — plus the pure pieces they are built from
// (the JobUpdateRequest a configuration gives, the status filters, the list and info
// output in Aurora's layout and JSON), so tests reach them without a scheduler.
//
// Output follows Aurora's client line for line where deploy scripts read it: `update list`
// columns (job, update id, status, created by, started, last modified), `update info`'s
// "Current status: <STATUS>", `update wait`'s exit codes (0 ROLLED_FORWARD,
// 4 ROLLED_BACK, 20 otherwise). Thread contract: commands block on the caller's thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/cli/context.h"
#include "borealis/config/job_spec.h"
#include "borealis/model/job_configuration.h"
#include "gen-cpp/api_types.h"

namespace borealis::cli {

struct UpdateStartOptions {
  std::string spec;  // CLUSTER/ROLE/ENV/NAME[/INSTANCES]
  std::string config_file;
  bool read_json = false;
  std::vector<std::string> binds;
  bool wait = false;
  std::string message;
  bool strict = false;
  int canary = 0;                  // --canary N (0: no canary)
  int auto_promote_after_secs = -1;  // --auto-promote-after SECS (-1: wait for promote)
  std::string check_token;           // --check-token TOKEN from `job plan` ("" = none)
};

// pause, resume, abort, rollback, pulse and promote: a job key and a message.
struct UpdateControlOptions {
  std::string job_key;
  std::string message;
  bool wait = false;  // rollback --wait
};

struct UpdateListOptions {
  std::string filter;                 // CLUSTER[/ROLE[/ENV[/JOB]]]
  std::vector<std::string> statuses;  // --status, repeatable
  std::string user;
  bool write_json = false;
};

struct UpdateInfoOptions {
  std::string job_key;
  std::string update_id;  // "" : the job's active update
  bool write_json = false;
};

struct UpdateWaitOptions {
  std::string job_key;
  std::string update_id;
};

enum class UpdateControl { kPause, kResume, kAbort, kRollback, kPulse, kPromote };

absl::Status UpdateStart(CliContext& ctx, const UpdateStartOptions& options);
absl::Status UpdateControlCommand(CliContext& ctx, UpdateControl control,
                                  const UpdateControlOptions& options);
absl::Status UpdateList(CliContext& ctx, const UpdateListOptions& options);
absl::Status UpdateInfo(CliContext& ctx, const UpdateInfoOptions& options);
absl::Status UpdateWait(CliContext& ctx, const UpdateWaitOptions& options);

// --- pure pieces --------------------------------------------------------------------------

// Metadata keys the client sets on an update (the canary keys are Borealis's own; the
// scheduler's update controller reads them).
inline constexpr char kClientUpdateIdKey[] = "org.apache.aurora.client.update_id";
inline constexpr char kCanaryKey[] = "borealis.canary";
inline constexpr char kCanaryAutoPromoteKey[] = "borealis.canary.auto_promote_after_secs";
// Set by the scheduler: "awaiting_promotion" once the canary is stable, "promoted" after.
inline constexpr char kCanaryStateKey[] = "borealis.canary.state";

// JobUpdateSettings from a job's `update_config` (the loaded configuration's JSON, with
// Pystachio field names and defaults filled in), as Aurora's client builds them: batch_size,
// watch_secs -> minWaitInInstanceRunningMs, max_per_shard_failures, max_total_failures,
// rollback_on_failure, wait_for_batch_completion, pulse_interval_secs ->
// blockIfNoPulsesAfterMs, sla_aware, update_strategy (Queue, Batch or VariableBatch; when
// absent, Batch if wait_for_batch_completion else Queue, of batch_size), and `instances`
// -> updateOnlyTheseInstances as closed ranges. Bad settings are kExitInvalidConfig errors
// naming the field ("update_config.batch_size: must be positive").
absl::StatusOr<api::JobUpdateSettings> UpdateSettingsFromConfig(
    const nlohmann::json& update_config, const std::optional<std::set<int32_t>>& instances);

// What `update start` sends for a loaded job (and `job diff` asks the scheduler to compare):
// the job's TaskConfig and instance count, the settings above, and `metadata` (none when
// empty). `file` names the configuration in errors.
absl::StatusOr<api::JobUpdateRequest> BuildUpdateRequest(
    const config::JobSpec& spec, const model::JobConfiguration& job,
    const std::optional<std::set<int32_t>>& instances, const std::set<api::Metadata>& metadata,
    const std::string& file);

// Aurora's "This job update will:" summary of getJobUpdateDiff, one line per non-empty
// group ("add instances: [3-4]", "remove instances:", "update instances:", "not change
// instances:"). With `local`, each group to update gets its own line followed by
// "with diff:" and the fields that differ (DiffJobs, running -> local).
std::string FormatUpdateDiff(const api::GetJobUpdateDiffResult& diff,
                             const model::JobConfiguration* local);

// {0,1,2,5,8,9} -> {[0,2], [5,5], [8,9]}.
std::set<api::Range> InstancesToRanges(const std::set<int32_t>& instances);

// The statuses --status names select: a group (active, all, blocked, failed, inactive,
// paused, succeeded) or a status name, any case; an unknown name is kExitInvalidParameter.
absl::StatusOr<std::set<api::JobUpdateStatus::type>> ParseStatusFilters(
    const std::vector<std::string>& names);

// Aurora's format_timestamp: UTC "YYYY-MM-DDTHH:MM:SS" of a millisecond time.
std::string FormatUpdateTimestamp(int64_t ms);

// "ROLLED_FORWARD" (or "status N" for an unknown value).
std::string UpdateStatusName(api::JobUpdateStatus::type status);

// `update list`: a header line, then one row per update, columns padded to Aurora's
// widths (47, 36, 15, 11, 19, 19); nothing at all when there are no updates.
std::string FormatUpdateList(const std::string& cluster,
                             const std::vector<api::JobUpdateSummary>& summaries);
// `update list --write-json`: [{"job", "id", "user", "started", "last_modified", "status"}].
std::string UpdateListJson(const std::string& cluster,
                           const std::vector<api::JobUpdateSummary>& summaries);

// `update info`: job and id, times, "Current status: S", update events, instance events,
// metadata, in Aurora's layout.
std::string FormatUpdateInfo(const std::string& job, const api::JobUpdateDetails& details);
std::string UpdateInfoJson(const std::string& job, const api::JobUpdateDetails& details);

// `<scheduler>/scheduler/<role>/<env>/<job>/update/<id>`.
std::string UpdateUrl(const std::string& scheduler_uri, const api::JobUpdateKey& key);

// `update wait`'s exit code for a terminal status: 0 ROLLED_FORWARD, 4 ROLLED_BACK,
// 20 otherwise (rollback --wait: 0 ROLLED_BACK, 4 ROLLED_FORWARD).
int UpdateWaitExitCode(api::JobUpdateStatus::type status, bool rolling_back);

// OK when `summary` is a canary waiting for promotion: ROLL_FORWARD_PAUSED with metadata
// `borealis.canary`, and `borealis.canary.state` (when the scheduler set it)
// "awaiting_promotion"; else FailedPrecondition saying why.
absl::Status CheckPromotable(const api::JobUpdateSummary& summary);

// True for the active update statuses (Aurora's ACTIVE_JOB_UPDATE_STATES).
bool IsActiveUpdateStatus(api::JobUpdateStatus::type status);

}  // namespace borealis::cli
