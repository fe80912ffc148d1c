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
    partitioned_.insert(t.task_id);
  }
}

void PartitionHandler::Tick(int64_t now, ComponentContext& ctx) {
  const state::ClusterState& state = ctx.state();
  if (!started_) {
    started_ = true;
    // Tasks recovered PARTITIONED are watched like those partitioned by this scheduler.
    for (const model::Task* t : state.InStatus(ScheduleStatus::kPartitioned)) {
      partitioned_.insert(t->task_id);
    }
  }
  std::vector<model::Task> lost;
  for (auto it = partitioned_.begin(); it != partitioned_.end();) {
    const model::Task* t = state.FindTask(*it);
    if (t == nullptr || t->status != ScheduleStatus::kPartitioned) {
      it = partitioned_.erase(it);
      continue;
    }
    const model::PartitionPolicy policy =
        t->config->partition_policy.value_or(model::PartitionPolicy{});
    const int64_t delay_ms = policy.delay_secs.value_or(0) * 1000;
    if (policy.reschedule && now - t->LatestEventMs() >= delay_ms) lost.push_back(*t);
    ++it;
  }
  for (const auto& t : lost) {
    ctx.ChangeTaskState(t, ScheduleStatus::kLost, kPartitionedTooLong);
    partitioned_.erase(t.task_id);
    ctx.Count("partitioned_tasks_lost");
  }
}

}  // namespace borealis::scheduler
