// The scheduler's web UI, rendered from a SchedulerView: `/` lists roles and jobs,
// `/scheduler/ROLE/ENV/JOB` lists a job's tasks (/vars and /metrics are
// scheduler_metrics.h's). Server-side HTML with no scripts, so it works with any browser
// and curl.
#pragma once

#include <string>

#include "borealis/net/http.h"
#include "borealis/scheduler/scheduler_core.h"

namespace borealis::scheduler {

net::HttpResponse RenderUi(const SchedulerView& view, const std::string& cluster,
                           const net::HttpRequest& request);

}  // namespace borealis::scheduler
