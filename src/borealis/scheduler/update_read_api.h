// The job update reads of Aurora's API, answered from a published SchedulerView on the
// caller's thread: getJobUpdateSummaries, getJobUpdateDetails, getJobUpdateDiff and
// populateJobConfig. Thread-safe (the view is immutable).
#pragma once

#include "borealis/scheduler/scheduler_core.h"
#include "gen-cpp/api_types.h"

namespace borealis::scheduler {

// Whether a record matches a JobUpdateQuery (key, jobKey, role, user, statuses).
bool MatchesUpdateQuery(const model::JobUpdateSummary& summary, const api::JobUpdateQuery& query);
// Matching summaries, newest first (created time, then key), paged by offset and limit.
api::Response GetJobUpdateSummaries(const SchedulerView& view, const api::JobUpdateQuery& query);
// By key (details and a one-element detailsList), or by query (detailsList, newest first).
api::Response GetJobUpdateDetails(const SchedulerView& view, const api::JobUpdateKey& key,
                                  const api::JobUpdateQuery& query);
// What startJobUpdate would change: add / remove / update / unchanged config groups.
api::Response GetJobUpdateDiff(const SchedulerView& view, const api::JobUpdateRequest& request);
// The job's task config as the scheduler would store it (tier applied).
api::Response PopulateJobConfig(const SchedulerView& view, const api::JobConfiguration& job);

}  // namespace borealis::scheduler
