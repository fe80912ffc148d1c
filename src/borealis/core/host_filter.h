// The pieces placement is made of: host attributes, the per-job counts that limit
// constraints and spreading need, the veto checks for one task on one host, and port
// selection. Used by placement.cc; exposed for tests and for the preemptor to come.
//
// Invariants: port ranges are normalised (sorted, merged, begin <= end) before use; every
// count is of ACTIVE tasks only. Thread contract: JobCounts is a plain value (no internal
// locking); the free functions are stateless.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "borealis/base/rng.h"
#include "borealis/model/agent_info.h"
#include "borealis/model/job_key.h"
#include "borealis/model/port_range.h"
#include "borealis/model/port_set.h"
#include "borealis/model/resources.h"
#include "borealis/model/task_config.h"

namespace borealis::core {

inline constexpr std::string_view kDedicatedAttribute = "dedicated";
inline constexpr std::string_view kHostAttribute = "host";

// The values of attribute `name` on `agent` (sorted, unique), or nullopt when the agent
// lacks it. "host" defaults to the agent's host name.
std::optional<std::set<std::string>> AttributeValues(const model::AgentInfo& agent,
                                                     std::string_view name);

// All attributes of `agent` including the implicit "host", values sorted and unique.
std::map<std::string, std::set<std::string>> AllAttributes(const model::AgentInfo& agent);

// Active tasks per job: per (attribute, value) of the hosts they are on, and per host.
class JobCounts {
 public:
  // Records one active task of `job` on the host at `host_index` with `attributes`.
  void Add(const model::JobKey& job, size_t host_index,
           const std::map<std::string, std::set<std::string>>& attributes);
  int64_t WithAttribute(const model::JobKey& job, const std::string& name,
                        const std::string& value) const;
  int64_t OnHost(const model::JobKey& job, size_t host_index) const;

 private:
  struct PerJob {
    std::map<std::pair<std::string, std::string>, int64_t> by_attribute;
    std::map<size_t, int64_t> by_host;
  };
  std::map<model::JobKey, PerJob> jobs_;
};

// The constraint veto of `config` on a host with `attributes` ("host is dedicated",
// "constraint <attr>", "limit <attr>"), or nullopt when every constraint holds. Value
// constraints are checked before limit constraints; the first failure wins.
std::optional<std::string> ConstraintVeto(
    const model::TaskConfig& config,
    const std::map<std::string, std::set<std::string>>& attributes, const JobCounts& counts);

// Sorted, merged, valid (begin <= end) copy of `ranges`.
std::vector<model::PortRange> NormalizeRanges(const std::vector<model::PortRange>& ranges);

// Number of ports in normalised `ranges` that are not in `used`.
int64_t FreePortCount(const std::vector<model::PortRange>& ranges,
                      const model::PortSet& used);

// Names of the resources that do not fit: "cpu", "ram", "disk", "gpu", "ports" (in this
// order). `need` holds the task's scalars plus overhead and its named ports.
std::vector<std::string> ShortResources(const model::Resources& need,
                                        const model::Resources& total,
                                        const model::Resources& used, int64_t free_ports);

// One distinct free port per name of `names` (taken in the given order), drawn uniformly
// from the normalised `ranges` minus `used`; nullopt when there are too few.
std::optional<std::map<std::string, int32_t>> PickPorts(
    const std::vector<std::string>& names, const std::vector<model::PortRange>& ranges,
    const model::PortSet& used, base::Rng& rng);

// A stable 64-bit hash (FNV-1a) for seeding from ids; independent of the standard library.
uint64_t StableHash(std::string_view s);

}  // namespace borealis::core
