// The read-only API calls, answered from an immutable SchedulerView on the caller's
// thread: they never wait for the scheduler's core thread.
#pragma once

#include <string>

#include "borealis/core/tier_config.h"
#include "borealis/model/task.h"
#include "borealis/scheduler/scheduler_core.h"
#include "gen-cpp/api_types.h"

namespace borealis::scheduler {

// True when `task` matches every field `query` sets (Aurora's AND semantics).
bool MatchesQuery(const model::Task& task, const api::TaskQuery& query);

// getTasksStatus / getTasksWithoutConfigs: the matching tasks in job key, then task id
// order, paged by the query's offset and limit as Aurora pages them (each only when > 0).
api::Response GetTasks(const SchedulerView& view, const api::TaskQuery& query,
                       bool strip_executor_data);
api::Response GetJobs(const SchedulerView& view, const std::string& role);
api::Response GetJobSummary(const SchedulerView& view, const std::string& role);
api::Response GetRoleSummary(const SchedulerView& view);
// The reasons of the matching PENDING and THROTTLED tasks, paged as GetTasks (after the
// pending filter); queries that set statuses or slaveHosts are refused, as in Aurora.
api::Response GetPendingReason(const SchedulerView& view, const api::TaskQuery& query);
api::Response GetConfigSummary(const SchedulerView& view, const api::JobKey& job);
// The tier configuration the scheduler runs with (Aurora's settings map of strings).
api::Response GetTierConfigs(const core::TierConfig& tiers);
// The role's quota (zero when none is set) and the four consumption buckets.
api::Response GetQuota(const SchedulerView& view, const std::string& role);

}  // namespace borealis::scheduler
