// The `aurora_admin` commands beyond set_quota (docs/aurora-compatibility.md,
// "aurora_admin"): get_scheduler, get_cluster_config, increase_quota and query, with
// Aurora's arguments and output; plus the pure pieces they are built from.
// Thread contract: commands run on the caller's thread and block.
#pragma once

#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/cli/context.h"
#include "borealis/cli/quota_commands.h"
#include "gen-cpp/api_types.h"

namespace borealis::cli {

// "Found leading scheduler at: URI" (the scheduler_uri, never the proxy_url).
absl::Status AdminGetScheduler(CliContext& ctx, const std::string& cluster);

// The cluster's clusters.json entry as JSON, or with `sh` as shell assignments
// AURORA_CLUSTER_<KEY>=value (each line prefixed by "export " with `export_vars`).
absl::Status AdminGetClusterConfig(CliContext& ctx, const std::string& cluster, bool sh,
                                   bool export_vars);

// getQuota, then setQuota with the given amounts added to the current ones.
absl::Status AdminIncreaseQuota(CliContext& ctx, const SetQuotaOptions& options);

struct AdminQueryOptions {
  std::vector<std::string> args;  // CLUSTER [ROLE [JOB]]
  bool force = false;
  std::string shards;             // "0,1,5"
  std::string states = "RUNNING";  // comma list of ScheduleStatus names
  std::string listformat = "%role%/%name%/%instanceId% %status%";
};

// getTasksStatus for role/job/instances/states; one line per task in `listformat`.
// Without a role or a job, or with a state outside the active ones, it needs --force.
absl::Status AdminQuery(CliContext& ctx, const AdminQueryOptions& options);

// --- pure pieces --------------------------------------------------------------------------

// The statuses named in a comma list; an unknown name is InvalidArgument listing the valid
// ones.
absl::StatusOr<std::set<api::ScheduleStatus::type>> ParseQueryStates(const std::string& text);

// A task's scalar fields by their Thrift names, nested structs flattened (so "role",
// "environment" and "name" come from the job key, "user" from the owner), values printed
// as Aurora's Python client prints them ("True", "0.5", "RUNNING").
std::map<std::string, std::string> FlattenTaskForQuery(const api::ScheduledTask& task);

// `format` with each %key% replaced by the task's value; an unknown key is InvalidArgument
// listing the valid keys.
absl::StatusOr<std::string> FormatQueryLine(const std::string& format,
                                            const std::map<std::string, std::string>& task);

// Shell assignments for a JSON object as Aurora's get_cluster_config --sh writes them:
// keys upper-cased, nested objects and lists joined with '_', booleans as 0/1, strings
// shell-quoted; other values (floats, null) are left out.
std::vector<std::string> ShellifyJson(const nlohmann::json& object, bool export_vars,
                                      const std::string& prefix);

// `object` as Python's json.dump writes it (", " and ": " separators).
std::string PythonJsonDump(const nlohmann::json& value);

}  // namespace borealis::cli
