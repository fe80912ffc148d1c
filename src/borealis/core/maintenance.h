// Host maintenance and SLA decisions (docs/maintenance.md): which hosts a maintenance call
// may name, whether an SLA policy lets one more task of a job go down, and what a drain
// does with one task of a draining host.
//
// SLA rules (Aurora's): a percentage or count policy is met when, after the task goes, the
// job's other RUNNING tasks whose latest RUNNING event is older than the policy's duration
// are at least the count (or the percentage of the job's active tasks). A policy that
// would let no instance go (count >= active tasks, a percentage that rounds to none) is
// relaxed to let one go. Jobs with fewer active tasks than `min_required_instances`, and
// non-production jobs unless `kill_non_prod`, are not checked: their tasks may go. A
// coordinator policy is decided by the coordinator (the caller asks it). Once the
// request's timeout has passed the drain is forced: no policy is checked.
//
// Pure functions of values.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "borealis/model/maintenance.h"
#include "borealis/model/sla_policy.h"
#include "borealis/model/task.h"

namespace borealis::core {

struct SlaOptions {
  int64_t min_required_instances = 20;  // --min-required-instances-for-sla-check
  bool kill_non_prod = false;           // check non-production jobs too
};

// The message of the DRAINING transition of a drained task.
inline constexpr char kDrainingMessage[] = "Draining machine for maintenance.";

// A maintenance call's host list: not empty, no empty name, each known (an agent of the
// cluster has that host name, or the host has a maintenance mode already). The error
// names the field ("hosts") and the hosts at fault.
absl::Status ValidateMaintenanceHosts(const std::set<std::string>& hosts,
                                      const std::set<std::string>& known);
// slaDrainHosts' other arguments: timeoutSecs >= 0; the policy is checked by the caller's
// conversion (wire/convert.h).
absl::Status ValidateDrainTimeout(int64_t timeout_secs);

// The time of `task`'s newest RUNNING event, if it has one.
std::optional<int64_t> LatestRunningMs(const model::Task& task);

// Whether a percentage or count `policy` is met with `running` tasks up long enough
// (the candidate excluded) out of `active` (relaxed as above). A coordinator policy: false.
bool MeetsSla(const model::SlaPolicy& policy, int64_t running, int64_t active);

// Whether the SLA check is skipped for a job with `active` active tasks.
bool SkipSla(bool production, int64_t active, const SlaOptions& options);

// What a drain does with one task of a draining host now.
enum class DrainAction {
  kDrain,           // move it to DRAINING (killed, then rescheduled elsewhere)
  kWait,            // the policy does not allow it yet
  kAskCoordinator,  // the policy's coordinator decides
  kSkip,            // the task is going already (killing, draining, ...)
};
struct DrainDecision {
  DrainAction action = DrainAction::kWait;
  bool forced = false;     // the request's timeout has passed
  int64_t remaining_ms = 0;  // until the drain is forced (negative: past)
};

// Decides for `task` (on a host draining under `request`); `job_tasks` are every stored
// task of its job (the task itself included).
DrainDecision DecideDrain(const model::Task& task, const std::vector<const model::Task*>& job_tasks,
                          const model::MaintenanceRequest& request, int64_t now_ms,
                          const SlaOptions& options);

// The task key a coordinator is asked about: cluster/role/env/name/instance.
std::string CoordinatorTaskKey(const std::string& cluster, const model::Task& task);

}  // namespace borealis::core
