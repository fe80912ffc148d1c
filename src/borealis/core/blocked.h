// The decisions of placement's blocked set (scheduler/components/blocked_set.h;
// docs/architecture/scheduler.md, "The blocked set"): which events could let a class of
// PENDING tasks that fit nowhere fit again. A class is the tasks of one TaskConfig object.
//
// Placement only ever consumes a host during a pass, so a class that did not fit at the
// end of a pass fits nowhere until one of these happens:
//   - a host's resources or ports are freed (a task leaves it) and the host could ever hold
//     the class: its static constraints hold (dedicated, value constraints, the limits'
//     attributes present) and it is large enough with nothing running (CouldEverHold);
//   - a task of the class's own job leaves a host, when the class has a limit constraint
//     (the job's count for that host's values drops, on every host sharing them);
//   - a host becomes usable (registers, reconnects, changes, or is no longer held for a
//     preemptor) and could ever hold the class;
//   - a host stops being usable (disconnected, lost, changed, held), when the class has a
//     limit constraint: the tasks there no longer count against its job's limits.
// Anything else (a task placed, a new PENDING task, a quota change, which placement does
// not read) cannot let it fit. FitsNowhereLike, besides, tells a class that must fit
// nowhere because a parked one does.
//
// Pure. Thread contract: stateless functions.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "borealis/core/placement.h"
#include "borealis/model/agent_info.h"
#include "borealis/model/job_key.h"
#include "borealis/model/resources.h"
#include "borealis/model/task_config.h"

namespace borealis::core {

// Whether a host (`agent`, with `statics` = MakeHostStatic(agent)) could hold one task of
// `config` needing `need` (TaskNeed) if nothing ran on it: no constraint fails that does
// not depend on running tasks, and its total resources and ports are enough.
bool CouldEverHold(const model::TaskConfig& config, const model::Resources& need,
                   const model::AgentInfo& agent, const HostStatic& statics);

// Whether the class has a limit constraint (its feasibility depends on its job's tasks).
bool HasLimit(const model::TaskConfig& config);

// Whether a task of `freed_job` leaving a host may let the class of `config` fit, given
// whether that host could ever hold the class.
bool FreedMayWake(const model::TaskConfig& config, bool has_limit,
                  const model::JobKey& freed_job, bool host_could_hold);

// Whether a class `candidate` (needing `candidate_need`) must fit nowhere because the
// parked class `parked` (needing `parked_need`) fits nowhere: `parked` has no limit
// constraint, both have the same other constraints, `parked` needs no more of any
// resource (ports counted), and `candidate` either has no limit constraint or none of its
// job's tasks holds a host (`candidate_job_placed` false: its limits then veto nothing
// yet). Any host that could take `candidate` could take `parked` then, in the same pass.
bool FitsNowhereLike(const model::TaskConfig& parked, const model::Resources& parked_need,
                     const model::TaskConfig& candidate, const model::Resources& candidate_need,
                     bool candidate_job_placed);
// The part of `config` FitsNowhereLike compares for equality: its constraints other than
// limits, as a hash (classes with different hashes never match).
size_t ValueConstraintsHash(const model::TaskConfig& config);

// Why a parked class waits: the veto counts of its last try, and when that was.
struct ClassReason {
  std::shared_ptr<const model::TaskConfig> config;
  std::string reason;
  int64_t tried_ms = 0;
};

}  // namespace borealis::core
