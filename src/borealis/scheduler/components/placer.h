// Placer: the placement pass. It keeps placement's host table (core::HostTable) across
// passes and asks core::Place where the PENDING tasks go.
//
// The table is rebuilt from the hosts (ComponentContext::BuildClusterView) when agents
// register, connect, disconnect or are lost (HostsChanged) or when the hosts held for
// preemptors change; otherwise each pass updates only the agents whose load changed since
// the last one (ComponentContext::TakeChangedLoads). A pass with nothing PENDING still
// takes that list, so it cannot grow while no task waits.
//
// Pass decides; SchedulerCore applies: it publishes the pending reasons, then assigns and
// launches each assignment in order. The table holds the placements as Place made them;
// the state's loads, listed as changed by the assignments, replace them at the next pass.
//
// State: the host table, whether it is stale, the held hosts it was built with.
// Thread contract: the owner's thread.
#pragma once

#include <vector>

#include "borealis/core/placement.h"
#include "borealis/model/resources.h"
#include "borealis/scheduler/component.h"

namespace borealis::scheduler {

class Placer {
 public:
  explicit Placer(const model::Resources& executor_overhead) : overhead_(executor_overhead) {}

  // The agents changed: the next pass rebuilds the table.
  void HostsChanged() { stale_ = true; }
  // One pass: Refresh, then PlaceRunnable.
  core::PlacementResult Pass(ComponentContext& ctx, std::vector<model::AgentId> held);
  // Brings the table up to date with the hosts, the holds (`held`, sorted: the hosts held
  // for preemptors) and the state's loads. True when it was rebuilt: the hosts or the
  // holds changed since the last pass.
  bool Refresh(ComponentContext& ctx, std::vector<model::AgentId> held);
  // Places the runnable PENDING tasks (state::ClusterState::runnable: not parked by the
  // blocked set; in scheduling order: priority, job, instance, id) on the table as the
  // last Refresh left it. The assignments are in that order; every other task evaluated
  // has a reason. Takes a seed even when nothing is runnable, so that the seeds of later
  // passes do not depend on what was parked.
  core::PlacementResult PlaceRunnable(ComponentContext& ctx);
  // Nothing is PENDING: keeps the table (or the changed-load list) current at little cost.
  // True when it rebuilt the table (as Refresh).
  bool Idle(ComponentContext& ctx, std::vector<model::AgentId> held);

 private:

  model::Resources overhead_;
  core::HostTable hosts_;
  bool stale_ = true;
  std::vector<model::AgentId> held_;  // the held agents when the table was built
};

}  // namespace borealis::scheduler
