// The `job` noun: create, status, list, kill, killall, add, inspect, diff
// (docs/aurora-compatibility.md) and
// `config list`, plus the pure
// pieces they are built from (job selection in a JSON file, wait evaluation, output) so
// that tests can reach them without a scheduler.
//
// Exit codes: configuration problems kExitInvalidConfig, bad keys or specs
// kExitInvalidParameter, API failures kExitApiError, waits that run out kExitTimeout, an
// instance that ended badly while waiting kExitCommandFailure.
// Thread contract: commands run on the caller's thread and block.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/cli/context.h"
#include "borealis/cli/job_key.h"
#include "borealis/config/job_spec.h"
#include "borealis/model/job_configuration.h"
#include "gen-cpp/api_types.h"

namespace borealis::cli {

struct JobCreateOptions {
  std::string job_key;
  std::string config_file;
  bool read_json = false;
  std::vector<std::string> binds;  // --bind name=value
  std::string wait_until = "PENDING";
  int wait_timeout_secs = 300;
  std::string check_token;  // --check-token TOKEN from `job plan` ("" = none)
};

struct JobStatusOptions {
  std::string pattern;
  bool write_json = false;
};

struct JobListOptions {
  std::string pattern;
  bool write_json = false;
};

struct JobKillOptions {
  std::string spec;    // CLUSTER/ROLE/ENV/NAME[/INSTANCES] (kill) or a job key (killall)
  bool all = false;    // killall
  std::string message;
  bool no_wait = false;
  int wait_timeout_secs = 300;
};

struct JobAddOptions {
  std::string spec;  // CLUSTER/ROLE/ENV/NAME/INSTANCE: the active instance to copy
  int32_t count = 0;
  std::string wait_until = "PENDING";
  int wait_timeout_secs = 300;
};

struct JobInspectOptions {
  std::string job_key;
  std::string config_file;
  bool read_json = false;
  std::vector<std::string> binds;
  bool write_json = false;  // the job's JSON (Aurora's `inspect --write-json`)
};

struct ConfigListOptions {
  std::string config_file;
  bool read_json = false;
  std::vector<std::string> binds;
};

struct JobDiffOptions {
  std::string job_key;
  std::string config_file;
  bool read_json = false;
  std::vector<std::string> binds;
};

absl::Status JobCreate(CliContext& ctx, const JobCreateOptions& options);
// Prints the job the key names in the file; nothing is sent anywhere.
absl::Status JobInspect(CliContext& ctx, const JobInspectOptions& options);
// Prints "jobs=[cluster/role/env/name, ...]" as Aurora's `config list` does: the file is
// only loaded (no job is checked, nothing needs --bind, unbound templates stay in the keys
// as written); a file that cannot be loaded is kExitCommandFailure, as in Aurora.
absl::Status ConfigList(CliContext& ctx, const ConfigListOptions& options);
// Compares the file's job with the running one field by field; OK when they are the same,
// else an error with exit code kExitGeneric (1, as diff(1)) after printing the differences.
absl::Status JobDiff(CliContext& ctx, const JobDiffOptions& options);
absl::Status JobStatus(CliContext& ctx, const JobStatusOptions& options);
absl::Status JobList(CliContext& ctx, const JobListOptions& options);
// addInstances: COUNT new instances copying the given active instance's config, with ids
// after the highest active one; --wait-until RUNNING/FINISHED waits for those ids.
absl::Status JobAdd(CliContext& ctx, const JobAddOptions& options);
absl::Status JobKill(CliContext& ctx, const JobKillOptions& options);

// --- pure pieces --------------------------------------------------------------------------

// The index of the job in `jobs` that `key` names: by name first, then by role,
// environment and cluster. Errors (kExitInvalidConfig) name `file` and list candidates.
absl::StatusOr<size_t> SelectJob(const std::vector<config::JobSpec>& jobs,
                                 const ClusterJobKey& key, const std::string& file);

// Aurora-style readable view of a job for `job inspect`.
std::string FormatInspect(const config::JobSpec& job);

// The differences between a running job's TaskConfig and instance count and the local
// ones, one "field: running -> local" entry per differing field, in field order; the
// executor data is compared as JSON, key by key ("executorConfig.data.task.name").
// An unset local tier is the scheduler's to pick and is not compared.
std::vector<std::string> DiffJobs(const model::JobConfiguration& running,
                                  const model::JobConfiguration& local);

enum class WaitTarget { kPending, kRunning, kFinished };

// "PENDING", "RUNNING", "FINISHED" (any case).
absl::StatusOr<WaitTarget> ParseWaitTarget(const std::string& text);

struct WaitState {
  bool done = false;
  absl::Status failure;  // set when the target can no longer be reached
  std::string summary;   // "2 RUNNING, 1 PENDING" (latest task per instance)
};

// Where `instances` of a job stand, given all of the job's tasks:
//  PENDING  every instance has a task;
//  RUNNING  every instance has a RUNNING task, or has only terminal tasks, the latest
//           FINISHED (it ran and is done); an instance whose tasks are all terminal, the
//           latest not FINISHED, is a failure once no instance is still on its way;
//  FINISHED every instance has tasks and none is active.
WaitState EvaluateWait(WaitTarget target, const std::set<int32_t>& instances,
                       const std::vector<api::ScheduledTask>& tasks, const std::string& job);

// The query for every task of `key`'s job.
api::TaskQuery JobQuery(const ClusterJobKey& key);

// Looks at the job's tasks whenever the scheduler's event stream has an event of the job
// (every 500 ms when there is no stream: cli/change_waiter.h) until EvaluateWait says done
// (OK), failed (its failure), or `timeout_secs` pass (DeadlineExceeded, kExitTimeout).
// `instances` nullopt: the instances the job has when first looked at.
absl::Status WaitForJob(CliContext& ctx, SchedulerClient& client, const ClusterJobKey& key,
                        WaitTarget target, std::optional<std::set<int32_t>> instances,
                        int timeout_secs);

// Splits tasks into active and inactive, each sorted by instance id then task id.
void SplitTasks(std::vector<api::ScheduledTask> tasks, std::vector<api::ScheduledTask>* active,
                std::vector<api::ScheduledTask>* inactive);

// Human-readable status of one job (see job_output.cc for the layout).
std::string FormatJobStatus(const std::string& job, const std::vector<api::ScheduledTask>& active,
                            const std::vector<api::ScheduledTask>& inactive,
                            const std::map<std::string, std::string>& pending_reasons);

}  // namespace borealis::cli
