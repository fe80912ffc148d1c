// What the scheduler knows of each agent: its registration (shared, immutable), placement's
// precomputed view of it, and whether it is registered and connected. SchedulerCore owns
// the records; components read them through ComponentContext::agents().
//
// Thread contract: plain values; the owner's thread changes them, published views hold
// copies.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "borealis/core/placement.h"
#include "borealis/model/agent_info.h"

namespace borealis::scheduler {

struct AgentRecord {
  // Never null; shared with the published views' copies of the record, so that publishing
  // the agents (when they change, and once a second for last_seen_ms) copies no AgentInfo.
  std::shared_ptr<const model::AgentInfo> info = std::make_shared<const model::AgentInfo>();
  // Placement's view of `info`, computed once per registration (attributes, port ranges).
  std::shared_ptr<const core::HostStatic> statics;
  bool registered = false;  // false: only known from tasks recovered from storage
  bool connected = false;
  int64_t last_seen_ms = 0;

  // Registered and connected: may take tasks and receive messages.
  bool live() const { return registered && connected; }
};

using AgentRecords = std::map<model::AgentId, AgentRecord>;

}  // namespace borealis::scheduler
