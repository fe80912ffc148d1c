#include "borealis/scheduler/components/partitions.h"

#include <vector>

namespace borealis::scheduler {

using model::ScheduleStatus;

namespace {

constexpr char kPartitionedTooLong[] = "Task partitioned for too long.";

}  // namespace

void PartitionHandler::OnAgentLost(const model::AgentId& agent_id, const std::string& why,
                                   ComponentContext& ctx) {
  std::vector<model::Task> tasks;
  if (const state::AgentLoad* load = ctx.state().LoadOf(agent_id)) {
    for (const model::Task* t : state::SortedById(load->tasks)) tasks.push_back(*t);
  }
  for (const auto& t : tasks) {
    if (t.status == ScheduleStatus::kAssigned) {
      ctx.ChangeTaskState(t, ScheduleStatus::kLost, why);
      continue;
    }
    ctx.ChangeTaskState(t, ScheduleStatus::kPartitioned, why);
  }
}

void PartitionHandler::Tick(int64_t now, ComponentContext& ctx) {
  std::vector<model::Task> lost;
  for (const model::Task* t :
       state::SortedById(ctx.state().InStatus(ScheduleStatus::kPartitioned))) {
    const model::PartitionPolicy policy =
        t->config->partition_policy.value_or(model::PartitionPolicy{});
    const int64_t delay_ms = policy.delay_secs.value_or(0) * 1000;
    if (policy.reschedule && now - t->LatestEventMs() >= delay_ms) lost.push_back(*t);
  }
  for (const auto& t : lost) {
    ctx.ChangeTaskState(t, ScheduleStatus::kLost, kPartitionedTooLong);
    ctx.Count("partitioned_tasks_lost");
  }
}

}  // namespace borealis::scheduler
