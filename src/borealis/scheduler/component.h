// ComponentContext: what a scheduler component may ask of SchedulerCore.
//
// SchedulerCore is the single writer and the dispatcher; each capability that keeps state
// across events (preemption, partitioned tasks, history pruning, reconciliation, pending
// reasons; next: updates, cron, maintenance, the blocked set, leadership) is a component
// in components/ with its own state. A component reads the cluster state and the agents,
// asks core/ for its decisions, and hands its effects back through this interface: task
// state changes (through the task state machine), other mutations, messages to agents,
// counters. Nothing it hands back is seen outside before the core commits it (the commit
// protocol of scheduler_core.h). docs/architecture/scheduler.md, "Components", says how to
// add one.
//
// Two implementations: SchedulerCore, and components/component_testing.h's fake for the
// components' own tests.
//
// Thread contract: used only on the owner's thread, during a call from the core.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "borealis/core/placement.h"
#include "borealis/model/job_key.h"
#include "borealis/model/resources.h"
#include "borealis/model/task.h"
#include "borealis/scheduler/agent_records.h"
#include "borealis/scheduler/outgoing.h"
#include "borealis/state/cluster_state.h"

namespace borealis::scheduler {

// What an agent's tasks use as placement counts it: their resources plus one executor
// overhead per task.
inline model::Resources UsedWithOverhead(const state::AgentLoad& load,
                                         const model::Resources& overhead) {
  model::Resources used = load.used;
  used.milli_cpus += load.task_count * overhead.milli_cpus;
  used.ram_mb += load.task_count * overhead.ram_mb;
  used.disk_mb += load.task_count * overhead.disk_mb;
  used.gpus += load.task_count * overhead.gpus;
  return used;
}

class ComponentContext {
 public:
  virtual ~ComponentContext() = default;

  // ---- reads (valid until the component hands back a change) ----
  virtual const state::ClusterState& state() const = 0;
  virtual const AgentRecords& agents() const = 0;
  // Registered, connected agents (agent id order) with what their tasks hold, as placement
  // sees them (hosts held for a preemptor unschedulable); placed_tasks are the tasks of
  // `jobs`. It points into the agents and the state: use it before changing either.
  virtual core::ClusterView BuildClusterView(const std::set<model::JobKey>& jobs) const = 0;

  // The agents whose load changed since the last call (each possibly several times, in no
  // order); the list is emptied (state::ClusterState::TakeChangedLoads).
  virtual std::vector<model::AgentId> TakeChangedLoads() = 0;
  // The tasks that left an agent since the last call, as (agent, job), emptied
  // (state::ClusterState::TakeFreedLoads).
  virtual std::vector<std::pair<model::AgentId, model::JobKey>> TakeFreedLoads() = 0;
  // Parks or unparks the PENDING tasks of `config` (state::ClusterState::SetParked): an
  // index of what placement walks, not a change of any task.
  virtual void SetParked(const std::shared_ptr<const model::TaskConfig>& config,
                         bool parked) = 0;

  // ---- effects (queued for the next commit) ----
  // Moves `task` to `to` through the task state machine, with its side effects (kills,
  // rescheduling). `task` may be the stored object.
  virtual void ChangeTaskState(const model::Task& task, model::ScheduleStatus to,
                               const std::string& message) = 0;
  // Assigns a PENDING task as placement decided and sends its launch.
  virtual void AssignAndLaunch(const core::Assignment& assignment) = 0;
  // Stores a new PENDING task of `config` for each of `instances` (core::NewPendingTask,
  // with `message` on its PENDING event) and lets placement run: how a job's tasks are
  // created, whether by createJob, addInstances, an update or a cron run.
  virtual void InsertPendingTasks(std::shared_ptr<const model::TaskConfig> config,
                                  const std::vector<int32_t>& instances,
                                  std::string_view message) = 0;
  // Sends a kill of `task_id` to `agent_id` (the task need not be known).
  virtual void SendKill(const model::AgentId& agent_id, const model::TaskId& task_id,
                        const std::string& message) = 0;
  virtual void Mutate(state::Mutation m) = 0;
  virtual void QueueSend(const model::AgentId& agent_id, OutgoingMessage message) = 0;
  virtual void Count(std::string_view name, int64_t delta = 1) = 0;
  // A seed for a core/ decision that breaks ties at random (the core's seeded Rng).
  virtual uint64_t NextSeed() = 0;
  // What placement may decide has changed: the next pass runs.
  virtual void PlacementChanged() = 0;
};

}  // namespace borealis::scheduler
