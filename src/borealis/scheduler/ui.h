// The scheduler's human and machine-readable pages, rendered from a SchedulerView:
// /vars (Aurora-style "name value" lines), /metrics (Prometheus text format) and the web UI
// (`/` lists roles and jobs, `/scheduler/ROLE/ENV/JOB` lists a job's tasks). Server-side
// HTML with no scripts, so it works with any browser and curl.
#pragma once

#include <string>

#include "borealis/net/http.h"
#include "borealis/scheduler/scheduler_core.h"

namespace borealis::scheduler {

std::string RenderVars(const SchedulerView& view);
std::string RenderMetrics(const SchedulerView& view);
net::HttpResponse RenderUi(const SchedulerView& view, const std::string& cluster,
                           const net::HttpRequest& request);

}  // namespace borealis::scheduler
