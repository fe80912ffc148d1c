// AgentInfo: what an agent offers, as it registered: its id and host, its resources, the
// port ranges it hands out and its attributes (what constraints match against).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "borealis/model/ids.h"
#include "borealis/model/port_range.h"
#include "borealis/model/resources.h"

namespace borealis::model {

// What an agent offers: its resources, ports and attributes, as it registered.
struct AgentInfo {
  AgentId agent_id;
  std::string host;
  Resources resources;  // named_ports unused
  std::vector<PortRange> port_ranges;
  std::map<std::string, std::vector<std::string>> attributes;  // name → values
  int http_port = 0;  // the agent's HTTP port (observer, exec); 0: not reported

  bool operator==(const AgentInfo&) const = default;
};

}  // namespace borealis::model
