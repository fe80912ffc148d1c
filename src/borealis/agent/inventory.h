// What the agent offers: parsing of --resources and --attributes into model::AgentInfo.
//
//   --resources "cpus:4;mem:8192;disk:20000;gpus:1;ports:[31000-31999,33000-33100]"
//     cpus may be fractional (kept as milli-cpus, rounded); mem and disk are MiB; port
//     ranges are closed, within 1..65535, and must not overlap.
//   --attributes "rack:r1;zone:z1;dedicated:www-data/hello"   (':' or '=' between name and
//     value; "a:v1,v2" gives two values). The attribute `host` is always the agent's host.
//
// Errors name the item and the reason ("resource 'cpus': ..."). Pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "borealis/base/status.h"
#include "borealis/model/agent_info.h"
#include "borealis/model/port_range.h"
#include "borealis/model/resources.h"

namespace borealis::agent {

struct ResourceSpec {
  model::Resources scalars;             // named_ports unused
  std::vector<model::PortRange> ports;  // sorted, disjoint

  bool operator==(const ResourceSpec&) const = default;
};

absl::StatusOr<ResourceSpec> ParseResources(std::string_view spec);

using Attributes = std::map<std::string, std::vector<std::string>>;

absl::StatusOr<Attributes> ParseAttributes(std::string_view spec);

// The agent's advertisement: resources, port ranges and attributes plus `host`.
model::AgentInfo BuildAgentInfo(const std::string& agent_id, const std::string& host,
                                const ResourceSpec& resources, const Attributes& attributes);

}  // namespace borealis::agent
