#include "borealis/scheduler/pending_tasks.h"

#include <map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace borealis::scheduler {

std::string RenderPendingTasks(const SchedulerView& view) {
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> groups;
  for (const auto& [id, t] : *view.tasks) {
    std::string reason;
    if (t->status == model::ScheduleStatus::kThrottled) {
      reason = "Throttled for flapping";
    } else if (t->status == model::ScheduleStatus::kPending) {
      const PendingReason* why = view.pending_reasons->Find(*t);
      reason = why != nullptr ? why->text : "Waiting to be scheduled";
    } else {
      continue;
    }
    groups[{t->job().ToString(), reason}].push_back(t->task_id.str());  // ids come sorted from the map
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [key, ids] : groups) {
    out.push_back({{"name", key.first}, {"reason", key.second}, {"taskIds", ids},
                   {"penaltyMs", 0}});
  }
  return out.dump(2) + "\n";
}

}  // namespace borealis::scheduler
