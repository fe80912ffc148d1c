#include "borealis/core/restart.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "borealis/model/schedule_status.h"

namespace borealis::core {

absl::StatusOr<std::vector<const model::Task*>> SelectRestartTasks(
    const std::string& job, const std::vector<const model::Task*>& job_tasks,
    const std::set<int32_t>& instances) {
  if (instances.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("shardIds: name at least one instance of ", job, " to restart"));
  }
  std::map<int32_t, const model::Task*> active;  // instance -> its active task
  for (const model::Task* t : job_tasks) {
    if (model::IsActive(t->status) && instances.count(t->instance_id) > 0) {
      active[t->instance_id] = t;
    }
  }
  std::vector<int32_t> missing;
  for (int32_t i : instances) {
    if (active.count(i) == 0) missing.push_back(i);
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Not all requested shards are active. Instance(s) ",
                     absl::StrJoin(missing, ", "), " of ", job, " have no active task."));
  }
  std::vector<const model::Task*> out;
  out.reserve(active.size());
  for (const auto& [instance, task] : active) out.push_back(task);
  return out;
}

}  // namespace borealis::core
