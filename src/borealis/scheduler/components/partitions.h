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
// State: none of its own. The PARTITIONED tasks are the state's index of that status, so
// tasks recovered PARTITIONED are watched like the others. Thread contract: the owner's
// thread.
#pragma once

#include <cstdint>
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

  // The PARTITIONED tasks it watches.
  static size_t Watched(const ComponentContext& ctx) {
    return ctx.state().InStatus(model::ScheduleStatus::kPartitioned).size();
  }
};

}  // namespace borealis::scheduler
