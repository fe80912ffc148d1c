// The admin commands beyond set_quota (docs/admin.md; docs/aurora-compatibility.md,
// "aurora_admin"): get_scheduler, get_cluster_config, increase_quota, query,
// reconcile_tasks, prune_tasks and force-task-state, with Aurora's arguments and output;
// plus the pure pieces they are built from.
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
  bool write_json = false;  // the tasks as a JSON list instead of formatted lines
};

// getTasksStatus for role/job/instances/states; one line per task in `listformat`.
// Without a role or a job, or with a state outside the active ones, it needs --force.
absl::Status AdminQuery(CliContext& ctx, const AdminQueryOptions& options);

struct AdminReconcileOptions {
  std::string cluster;
  std::string type = "explicit";  // or "implicit"
  std::string batch_size;         // "" = the scheduler's; explicit only
};

// triggerExplicitTaskReconciliation or triggerImplicitTaskReconciliation; prints Aurora's
// "Response from scheduler: OK (message: )" on ctx.err.
absl::Status AdminReconcileTasks(CliContext& ctx, const AdminReconcileOptions& options);

struct AdminPruneOptions {
  std::string cluster;
  std::string states;       // comma list; "" = every terminal state
  std::string role;
  std::string environment;
  int32_t limit = 0;        // 0 = no limit
};

// pruneTasks with the query the options make; prints "Tasks pruned.".
absl::Status AdminPruneTasks(CliContext& ctx, const AdminPruneOptions& options);

struct AdminForceStateOptions {
  std::string cluster;
  std::string task_id;
  std::string status;  // a ScheduleStatus name, e.g. LOST
};

// forceTaskState (no aurora_admin verb of Aurora's calls it; `borealis admin` only).
absl::Status AdminForceTaskState(CliContext& ctx, const AdminForceStateOptions& options);

// --- pure pieces --------------------------------------------------------------------------

// Aurora's one-line summary of a response: "Response from scheduler: OK (message: a, b)".
std::string FormatSchedulerResponse(const api::Response& response);

// The statuses named in a comma list; an unknown name is InvalidArgument naming `field`
// and listing the valid ones.
absl::StatusOr<std::set<api::ScheduleStatus::type>> ParseQueryStates(
    const std::string& text, const std::string& field = "--states");

// A task's scalar fields by their Thrift names, nested structs flattened (so "role",
// "environment" and "name" come from the job key, "user" from the owner), values printed
// as Aurora's Python client prints them ("True", "0.5", "RUNNING", "{'http': 31000}" for
// assignedPorts). Beyond Aurora: "host" (the slaveHost) and "port:NAME" for each
// assigned port.
std::map<std::string, std::string> FlattenTaskForQuery(const api::ScheduledTask& task);

// `format` with each %key% replaced by the task's value; an unknown key is InvalidArgument
// listing the valid keys. Keys are words, or (beyond Aurora) "port:NAME".
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
