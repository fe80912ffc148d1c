#include "borealis/scheduler/components/placer.h"

#include <algorithm>
#include <set>
#include <utility>

namespace borealis::scheduler {

core::PlacementResult Placer::Pass(ComponentContext& ctx, std::vector<model::AgentId> held) {
  Refresh(ctx, std::move(held));
  return PlaceRunnable(ctx);
}

core::PlacementResult Placer::PlaceRunnable(ComponentContext& ctx) {
  const state::ClusterState& state = ctx.state();
  const std::vector<const model::Task*> pending(state.runnable().begin(),
                                                state.runnable().end());
  // Limit constraints and spreading count the placed tasks of the pending jobs.
  std::set<model::JobKey> jobs;
  for (const model::Task* t : pending) jobs.insert(t->job());
  std::vector<const model::Task*> placed;
  for (const model::JobKey& job : jobs) {
    const state::TaskTable::JobTasks* tasks = state.table().Job(job);
    if (tasks == nullptr) continue;
    for (const auto& [id, t] : *tasks) {
      if (model::IsSlaveAssigned(t->status)) placed.push_back(t.get());
    }
  }
  core::PlacementOptions popts;
  popts.executor_overhead = overhead_;
  popts.seed = ctx.NextSeed();
  return core::Place(hosts_, placed, pending, popts);
}

bool Placer::Idle(ComponentContext& ctx, std::vector<model::AgentId> held) {
  // A stale table is rebuilt whole when next needed: only drop the list.
  if (stale_) {
    ctx.TakeChangedLoads();
    return false;
  }
  return Refresh(ctx, std::move(held));
}

bool Placer::Refresh(ComponentContext& ctx, std::vector<model::AgentId> held) {
  std::vector<model::AgentId> changed = ctx.TakeChangedLoads();
  if (stale_ || held != held_) {
    static const std::set<model::JobKey> kNoJobs;  // hosts only
    hosts_.Reset(ctx.BuildClusterView(kNoJobs));
    held_ = std::move(held);
    stale_ = false;
    return true;
  }
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  for (const model::AgentId& agent_id : changed) {
    const state::AgentLoad* load = ctx.state().LoadOf(agent_id);
    hosts_.Update(agent_id, load ? UsedWithOverhead(*load, overhead_) : model::Resources{},
                  load ? &load->ports : nullptr);
  }
  return false;
}

}  // namespace borealis::scheduler
