// The /pendingtasks page (docs/aurora-compatibility.md): the PENDING and THROTTLED tasks grouped by
// job and reason, as JSON, so that operators and scripts see why tasks wait.
//
// Shape: [{"name": "role/env/job", "reason": "...", "taskIds": [...], "penaltyMs": N}],
// sorted by name then reason; taskIds sorted. THROTTLED tasks carry the reason
// "Throttled for flapping" (their penalty is not in the view: penaltyMs is 0).
//
// Thread contract: a pure function of an immutable view; any thread.
#pragma once

#include <string>

#include "borealis/scheduler/scheduler_core.h"

namespace borealis::scheduler {

std::string RenderPendingTasks(const SchedulerView& view);

}  // namespace borealis::scheduler
