// Which stream events (docs/events.md) a storage mutation makes. The same function runs on
// the mutations a commit writes and on the records replayed at recovery, so a record gives
// the same events, in the same order, both times: the events a record's task saves append
// to each task, and its update and instance update events, sorted canonically (time, then
// task or update id, then the order within the record).
#pragma once

#include <memory>
#include <vector>

#include "borealis/model/event.h"
#include "borealis/model/task.h"
#include "borealis/state/cluster_state.h"

namespace borealis::scheduler {

// The events `now` has that `before` (the version it replaced, or null) did not: the new
// tail of its events, or its newest event when the earlier ones were rewritten.
void AppendTaskEvents(const model::Task& now, const model::Task* before,
                      std::vector<model::SchedulerEvent>* out);

// The events of mutation `m`, which `state` has just applied (`replaced` as Apply filled
// it for a SaveTasks; ignored otherwise).
void AppendMutationEvents(const state::Mutation& m,
                          const std::vector<std::shared_ptr<const model::Task>>& replaced,
                          const state::ClusterState& state,
                          std::vector<model::SchedulerEvent>* out);

// The canonical order of one record's events.
void SortRecordEvents(std::vector<model::SchedulerEvent>* events);

}  // namespace borealis::scheduler
