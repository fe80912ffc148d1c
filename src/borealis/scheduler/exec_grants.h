// POST /exec/grant: signed exec grants for a job's live instances, so that `task run`,
// `task ssh` and `task scp` can reach each task's agent (docs/architecture/exec-grants.md).
//
// Request body (JSON): {"role", "environment", "name", "instances": [ids] (empty or absent:
// every live instance), "action": "run" | "ssh" | "scp" | "locate"}; "locate" (for
// `borealis logs`, which reads the open observer) answers without grants.
// Answer 200: {"grants": [{"instance", "task_id", "host", "agent_id", "http_port",
// "ports": {name: port}, "grant", "expires_ms"}]} for each task in a LIVE state (Aurora's
// LIVE_STATES) on a registered agent that reported its HTTP port, by instance.
// 400 names the bad field. Anyone may ask today: the API has no authentication yet
// (docs/aurora-compatibility.md); when it does, this is the job's kill permission check.
//
// Thread contract: a free function over an immutable view; safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "borealis/net/http.h"
#include "borealis/scheduler/scheduler_core.h"

namespace borealis::scheduler {

struct ExecGrantContext {
  std::string master_key;
  int64_t now_ms = 0;
  std::function<std::string()> nonce;  // a fresh random nonce (hex)
};

net::HttpResponse ServeExecGrant(const SchedulerView& view, const net::HttpRequest& request,
                                 const ExecGrantContext& context);

}  // namespace borealis::scheduler
