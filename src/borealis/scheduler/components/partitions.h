// PartitionHandler: tasks of agents that fell silent.
//
// When an agent is lost (silent past the agent timeout), its ASSIGNED tasks become LOST
// (ASSIGNED -> PARTITIONED is not a legal transition) and every other task it holds becomes
// PARTITIONED; the state machine turns tasks that were being killed, preempted, restarted
// or drained LOST at once. A PARTITIONED task whose PartitionPolicy has reschedule=true
// (the default when unset, with delay 0) becomes LOST ("Task partitioned for too long.")
// and is rescheduled once it has been PARTITIONED for delay_secs; with reschedule=false it
// waits for its agent indefinitely. When the agent registers again, each PARTITIONED task
// takes the state the agent reports, or becomes LOST when the agent does not know it
// (Reconciler::OnRegister).
//
// State: the ids of tasks that may be PARTITIONED (those recovered PARTITIONED are added
// on the first tick). Thread contract: the owner's thread.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "borealis/scheduler/component.h"

namespace borealis::scheduler {

class PartitionHandler {
 public:
  // The agent `agent_id` is lost for `why`: its tasks become PARTITIONED (or LOST).
  void OnAgentLost(const model::AgentId& agent_id, const std::string& why,
                   ComponentContext& ctx);
  // PARTITIONED tasks past their policy's delay become LOST.
  void Tick(int64_t now, ComponentContext& ctx);

  size_t watched() const { return partitioned_.size(); }

 private:
  bool started_ = false;
  std::set<model::TaskId> partitioned_;  // tasks that may be PARTITIONED
};

}  // namespace borealis::scheduler
