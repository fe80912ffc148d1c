// Aurora's restartShards (docs/aurora-compatibility.md, "job restart"): which tasks of a
// job a restart request moves to RESTARTING.
//
// Every listed instance must have an active task, else the whole request is refused
// (nothing is restarted) with Aurora's message, extended with the instances that have
// none; an empty list is refused too. The tasks come back in instance order.
//
// Pure: the caller passes the job's tasks. Thread contract: stateless.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "borealis/model/task.h"

namespace borealis::core {

// `job_tasks`: every task of the job (any status); `job` names it in messages.
// InvalidArgument when `instances` is empty or names an instance without an active task.
absl::StatusOr<std::vector<const model::Task*>> SelectRestartTasks(
    const std::string& job, const std::vector<const model::Task*>& job_tasks,
    const std::set<int32_t>& instances);

// The status message of a task restarted by request.
inline constexpr char kRestartMessage[] = "Restarted by request";

}  // namespace borealis::core
