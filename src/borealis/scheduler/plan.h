// Plan before apply (docs/admin.md, "job plan"; beyond Aurora): what creating or updating
// a job to a given configuration would do, computed on a published view without changing
// anything, and the token that names what the plan assumed.
//
//  * PlanJob: each instance of the proposed job is unchanged (its active task already has
//    that configuration), or would be placed — on which host with which ports — or would
//    stay pending with placement's reason (veto counts), and then whether preemption could
//    make room (the host and the tasks it would preempt). Active instances beyond the new
//    count would be killed. Changed instances are placed as if their current task had
//    already gone (an update kills before it starts). Placement and the preemption search
//    are core/'s, run on a ClusterView built from the view (live agents, the resources and
//    ports of the tasks on them); hosts held for a preemptor and the scheduler's
//    preemption delay are not known to a view and are not modelled.
//  * PlanToken: "v1-" and 16 hex digits, a hash of the job key, the job's active instance
//    ids with their configurations, and the key of its active update (if any). Another
//    job's changes never change it.
//  * CheckPlanToken: run on the core thread inside the write it guards (createJob,
//    startJobUpdate with the Borealis-Check-Token header), so check and write are atomic.
//
// Thread contract: pure functions of their arguments; PlanJob reads an immutable view and
// may run on any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "borealis/model/job_key.h"
#include "borealis/model/job_update.h"
#include "borealis/model/resources.h"
#include "borealis/net/http.h"
#include "borealis/scheduler/scheduler_core.h"
#include "borealis/state/cluster_state.h"
#include "gen-cpp/api_types.h"

namespace borealis::scheduler {

// The HTTP header that carries a plan's token on POST /api (createJob, startJobUpdate).
inline constexpr char kCheckTokenHeader[] = "borealis-check-token";

struct PlanResult {
  std::string token;
  std::vector<int32_t> unchanged;  // active with the proposed configuration already
  std::vector<int32_t> removed;    // active now, beyond the proposed instance count
  struct Placed {
    int32_t instance = 0;
    bool replaces = false;  // an active task of another configuration is replaced
    std::string host;
    std::map<std::string, int32_t> ports;
  };
  std::vector<Placed> placed;
  struct Pending {
    int32_t instance = 0;
    bool replaces = false;
    std::string reason;                     // placement's veto counts
    std::optional<std::string> preempt_host;  // where preemption would make room
    std::vector<std::string> victims;       // the task ids it would preempt there
  };
  std::vector<Pending> pending;
};

// The job's token from its active tasks (`tasks` may be null: no tasks) and active update.
std::string PlanToken(const model::JobKey& job, const state::TaskTable::JobTasks* tasks,
                      const std::optional<model::JobUpdateKey>& active_update);

// The job's active update among `records`, if any.
std::optional<model::JobUpdateKey> ActiveUpdateOf(const state::UpdateRecords& records,
                                                  const model::JobKey& job);

// What applying `job` would do on `view`. InvalidArgument naming the field when the
// configuration does not convert or its tier is unknown.
absl::StatusOr<PlanResult> PlanJob(const SchedulerView& view, const api::JobConfiguration& job,
                                   const model::Resources& executor_overhead);

// The plan as the POST /plan endpoint answers it.
nlohmann::json PlanJson(const PlanResult& plan);

// POST /plan: the body is a JobConfiguration in TJSON (as POST /api carries it); the answer
// is PlanJson, or HTTP 400 with {"error": "..."} naming the field at fault.
net::HttpResponse ServePlan(const net::HttpRequest& request, const SchedulerView& view,
                            const model::Resources& executor_overhead);

// Nothing when `token` is the job's token now; otherwise INVALID_REQUEST saying that the
// job changed since the plan.
std::optional<api::Response> CheckPlanToken(const state::ClusterState& state,
                                            const model::JobKey& job, const std::string& token);

}  // namespace borealis::scheduler
