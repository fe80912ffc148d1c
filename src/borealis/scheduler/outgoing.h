// What the scheduler core sends to agents, before it is a wire message.
//
// The core queues many messages per commit (an acknowledgement per status update, a launch
// per placement); building each as an agentproto::AgentMessage would default-construct
// every member of the union, a whole TaskConfig among them, and copy the job's Thrift
// TaskConfig into every launch. The core queues these small values instead, and the
// transport builds the wire message only when it writes one (AgentMessageBuilder).
#pragma once

#include <memory>
#include <utility>
#include <variant>

#include "borealis/model/task.h"
#include "borealis/model/task_config.h"
#include "gen-cpp/agent_types.h"
#include "gen-cpp/api_types.h"

namespace borealis::scheduler {

// Launch of a task as the state stores it once assigned (agent, host and ports set).
struct LaunchMessage {
  std::shared_ptr<const model::Task> task;
};

using OutgoingMessage = std::variant<agentproto::AgentRegistered, agentproto::Acknowledge,
                                     agentproto::KillTask, agentproto::Reconcile, LaunchMessage>;

// Builds wire messages. Launches come in runs of one job, so the Thrift form of the last
// launched config is kept and reused. Not thread-safe: one builder per sending thread.
class AgentMessageBuilder {
 public:
  agentproto::AgentMessage Build(const OutgoingMessage& message);

 private:
  // Holding the config keeps its address from being reused by another.
  std::pair<std::shared_ptr<const model::TaskConfig>, api::TaskConfig> launch_config_;
};

// The same, without reuse across calls (tests, rare messages).
agentproto::AgentMessage ToAgentMessage(const OutgoingMessage& message);

}  // namespace borealis::scheduler
