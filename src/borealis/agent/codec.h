// The agent channel's frame codec: one agentproto::AgentMessage per WebSocket binary frame,
// in TCompactProtocol (api/agent.thrift, through wire/codec.h, which treats input as
// untrusted). Also the conversions between the agent's own values and the agentproto
// structs it sends. Thread-safe (no state).
#pragma once

#include <string>
#include <string_view>

#include "borealis/agent/update_store.h"
#include "borealis/base/status.h"
#include "borealis/model/agent_info.h"
#include "borealis/model/schedule_status.h"
#include "gen-cpp/agent_types.h"

namespace borealis::agent {

std::string EncodeAgentMessage(const agentproto::AgentMessage& message);
absl::StatusOr<agentproto::AgentMessage> DecodeAgentMessage(std::string_view frame);

// A short name of the message's set field ("launchTask", ...), for logs and errors.
std::string_view AgentMessageKind(const agentproto::AgentMessage& message);

agentproto::AgentResources ToProtoResources(const model::AgentInfo& info);
agentproto::StatusUpdate ToProtoUpdate(const PendingUpdate& update);

inline api::ScheduleStatus::type ToProtoStatus(model::ScheduleStatus status) {
  // model::ScheduleStatus has the Thrift enum's numeric values.
  return static_cast<api::ScheduleStatus::type>(static_cast<int>(status));
}

}  // namespace borealis::agent
