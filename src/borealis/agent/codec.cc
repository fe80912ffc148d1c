// TCompactProtocol framing of agent channel messages (see codec.h).
#include "borealis/agent/codec.h"

#include "absl/strings/str_cat.h"
#include "borealis/model/port_range.h"
#include "borealis/wire/codec.h"

namespace borealis::agent {

std::string EncodeAgentMessage(const agentproto::AgentMessage& message) {
  return wire::SerializeCompact(message);
}

absl::StatusOr<agentproto::AgentMessage> DecodeAgentMessage(std::string_view frame) {
  agentproto::AgentMessage message;
  RETURN_IF_ERROR(wire::DeserializeCompact(frame, &message));
  if (AgentMessageKind(message) == "empty") {
    return absl::InvalidArgumentError("agent message has no field set");
  }
  return message;
}

std::string_view AgentMessageKind(const agentproto::AgentMessage& message) {
  const auto& set = message.__isset;
  if (set.registerAgent) return "registerAgent";
  if (set.registered) return "registered";
  if (set.statusUpdate) return "statusUpdate";
  if (set.acknowledge) return "acknowledge";
  if (set.heartbeat) return "heartbeat";
  if (set.launchTask) return "launchTask";
  if (set.killTask) return "killTask";
  if (set.reconcile) return "reconcile";
  return "empty";
}

agentproto::AgentResources ToProtoResources(const model::AgentInfo& info) {
  agentproto::AgentResources out;
  out.__set_milliCpus(info.resources.milli_cpus);
  out.__set_ramMb(info.resources.ram_mb);
  out.__set_diskMb(info.resources.disk_mb);
  out.__set_gpus(info.resources.gpus);
  std::vector<agentproto::PortRange> ranges;
  for (const model::PortRange& r : info.port_ranges) {
    agentproto::PortRange range;
    range.__set_first(r.begin);
    range.__set_last(r.end);
    ranges.push_back(range);
  }
  out.__set_ports(std::move(ranges));
  return out;
}

agentproto::StatusUpdate ToProtoUpdate(const PendingUpdate& update) {
  agentproto::StatusUpdate out;
  out.__set_uuid(update.uuid);
  out.__set_taskId(update.task_id);
  out.__set_status(ToProtoStatus(update.status));
  out.__set_message(update.message);
  out.__set_timestampMs(update.timestamp_ms);
  return out;
}

}  // namespace borealis::agent
