// Partitioned tasks (AURORA.md §3.5). When an agent falls silent past the agent timeout,
// its ASSIGNED tasks become LOST (ASSIGNED -> PARTITIONED is not a legal transition) and
// every other task it holds becomes PARTITIONED; the state machine turns tasks that were
// being killed, preempted, restarted or drained LOST at once. A PARTITIONED task whose
// PartitionPolicy has reschedule=true (the default when unset, with delay 0) becomes LOST
// ("Task partitioned for too long.") and is rescheduled once it has been PARTITIONED for
// delay_secs; with reschedule=false it waits for its agent indefinitely. When the agent
// registers again, each PARTITIONED task takes the state the agent reports, or becomes
// LOST when the agent does not know it (see ReconcileAgent).
#include "borealis/scheduler/scheduler_core.h"

#include "borealis/model/task_config.h"

namespace borealis::scheduler {

using model::ScheduleStatus;

namespace {

constexpr char kPartitionedTooLong[] = "Task partitioned for too long.";

}  // namespace

void SchedulerCore::PartitionAgentTasks(const std::string& agent_id, const std::string& why) {
  std::vector<model::Task> tasks;
  if (const state::AgentLoad* load = state_.LoadOf(agent_id)) {
    for (const model::Task* t : state::SortedById(load->tasks)) tasks.push_back(*t);
  }
  for (const auto& t : tasks) {
    if (t.status == ScheduleStatus::kAssigned) {
      ChangeTaskState(t, ScheduleStatus::kLost, why);
      continue;
    }
    ChangeTaskState(t, ScheduleStatus::kPartitioned, why);
    rules_.partitioned.insert(t.task_id);
  }
}

void SchedulerCore::SweepPartitioned(int64_t now) {
  std::vector<model::Task> lost;
  for (auto it = rules_.partitioned.begin(); it != rules_.partitioned.end();) {
    const model::Task* t = state_.FindTask(*it);
    if (t == nullptr || t->status != ScheduleStatus::kPartitioned) {
      it = rules_.partitioned.erase(it);
      continue;
    }
    const model::PartitionPolicy policy = t->config->partition_policy.value_or(
        model::PartitionPolicy{});
    const int64_t delay_ms = policy.delay_secs.value_or(0) * 1000;
    if (policy.reschedule && now - t->LatestEventMs() >= delay_ms) lost.push_back(*t);
    ++it;
  }
  for (const auto& t : lost) {
    ChangeTaskState(t, ScheduleStatus::kLost, kPartitionedTooLong);
    rules_.partitioned.erase(t.task_id);
    Count("partitioned_tasks_lost");
  }
}

}  // namespace borealis::scheduler
