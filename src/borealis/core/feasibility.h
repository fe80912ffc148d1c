// Submission-time feasibility (issue 5 item 5, docs/aurora-compatibility.md): could any
// registered host
// ever hold one task of this job, on an empty host? Checks what does not change with load —
// dedicated hosts, value constraints, a limit constraint's attribute (and limit 0), and the
// host's total resources plus executor overhead — and explains a refusal with the count of
// hosts per veto, as pending reasons do:
//   "no host in the cluster could ever hold this task: 2 hosts: insufficient ram; 1 host:
//    constraint rack"
// followed, when resources are the reason, by what the largest agent has
// (CheckFitsSomeHost). An empty agent list is OK (no agent has registered yet).
//
// Pure. Thread contract: stateless.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "borealis/model/agent_info.h"
#include "borealis/model/resources.h"
#include "borealis/model/task_config.h"

namespace borealis::core {

absl::Status CheckSomeHostCouldHold(const model::TaskConfig& config,
                                    const std::vector<model::AgentInfo>& agents,
                                    const model::Resources& overhead);

}  // namespace borealis::core
