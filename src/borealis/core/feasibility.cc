#include "borealis/core/feasibility.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "borealis/core/host_filter.h"
#include "borealis/core/placement.h"

namespace borealis::core {

absl::Status CheckSomeHostCouldHold(const model::TaskConfig& config,
                                    const std::vector<model::AgentInfo>& agents,
                                    const model::Resources& overhead) {
  if (agents.empty()) return absl::OkStatus();
  const model::Resources need = TaskNeed(config, overhead);
  const JobCounts no_tasks;
  std::map<std::string, int64_t> vetoes;
  for (const model::AgentInfo& agent : agents) {
    if (auto veto = ConstraintVeto(config, AllAttributes(agent), no_tasks)) {
      ++vetoes[*veto];
      continue;
    }
    const int64_t ports = FreePortCount(NormalizeRanges(agent.port_ranges), {});
    std::vector<std::string> short_of = ShortResources(need, agent.resources, {}, ports);
    if (short_of.empty()) return absl::OkStatus();
    ++vetoes["insufficient " + absl::StrJoin(short_of, ", ")];
  }
  std::string message = absl::StrCat("no host in the cluster could ever hold this task: ",
                                     JoinReasons(vetoes));
  absl::Status resources = CheckFitsSomeHost(config, agents, overhead);
  if (!resources.ok()) absl::StrAppend(&message, " (", resources.message(), ")");
  return absl::InvalidArgumentError(message);
}

}  // namespace borealis::core
