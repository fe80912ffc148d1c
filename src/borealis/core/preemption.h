// Preemption (AURORA.md §4.4): which running tasks may make room for a pending one, and the
// smallest set of them on one host that would let it fit.
//
// Eligibility (Aurora's rule, with "preemptible" = not production, as the tier sets it):
//  * a production (non-preemptible) pending task may preempt any non-production task of
//    any role;
//  * tasks of the same class preempt only within the same role, and only tasks of lower
//    priority;
//  * a non-production task never preempts a production one.
// Victims are tasks in ASSIGNED, STARTING or RUNNING on a host (tasks already being killed
// free their resources anyway and are not counted twice).
//
// Victim search, per host: the host must be schedulable and meet the pending task's
// constraints (dedicated, value, limit) as it is; then eligible victims are added largest
// first (cpu, ram, disk, then task id) until the task plus executor overhead fits in the
// host's free resources plus what the victims free (scalars and ports). The host with the
// fewest victims wins; ties go to the smaller freed total (cpu, then ram), then the smaller
// agent_id. The result is deterministic for the same view.
//
// Pure: built from a ClusterView (see placement.h). Thread contract: a PreemptionSearch is
// immutable after construction; FindSlot may be called from several threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "borealis/core/host_filter.h"
#include "borealis/core/placement.h"
#include "borealis/model/types.h"

namespace borealis::core {

// Whether a task of `pending` may preempt a task of `victim`.
bool CanPreempt(const model::TaskConfig& pending, const model::TaskConfig& victim);

struct PreemptionSlot {
  std::string agent_id;
  std::string host;
  std::vector<std::string> victim_ids;  // in the order they were added (largest first)

  bool operator==(const PreemptionSlot&) const = default;
};

class PreemptionSearch {
 public:
  // `view` and what it points to must outlive the search.
  PreemptionSearch(const ClusterView& view, const model::Resources& executor_overhead);

  // The best slot for `pending`, skipping hosts in `excluded_agents` (held for other
  // preemptors) and victims in `excluded_victims` (already chosen this pass).
  std::optional<PreemptionSlot> FindSlot(const model::Task& pending,
                                         const std::set<std::string>& excluded_agents = {},
                                         const std::set<std::string>& excluded_victims = {}) const;

  size_t host_count() const { return hosts_.size(); }

 private:
  // A possible victim, with what the search needs copied next to its host's other victims
  // (the search is bound by memory latency at 10,000 hosts).
  struct Victim {
    const model::Task* task = nullptr;
    model::Resources freed;  // its scalars plus executor overhead (named_ports unused)
    const std::string* role = nullptr;
    int32_t priority = 0;
    bool production = false;
  };
  struct Host {
    const model::AgentInfo* agent = nullptr;
    model::Resources total;  // the agent's, copied
    model::Resources used;
    std::set<int32_t> used_ports;
    std::vector<model::PortRange> ranges;
    std::map<std::string, std::set<std::string>> attributes;
    bool schedulable = true;
    std::vector<Victim> victims;  // candidates, largest first
  };
  // Whether at most `max_victims` victims on `host` make `pending` fit; they are left in
  // `chosen` (empty: it fits as it is). `eligible` is scratch space.
  bool VictimsOn(const Host& host, const model::Task& pending, const model::Resources& need,
                 const std::set<std::string>& excluded_victims, size_t max_victims,
                 std::vector<const Victim*>& eligible,
                 std::vector<const Victim*>& chosen) const;

  model::Resources overhead_;
  std::vector<Host> hosts_;  // sorted by agent_id
  JobCounts counts_;
};

}  // namespace borealis::core
