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
// How it is fast (10,000 hosts, 90,000 victims: docs/BENCHMARKS.md): construction copies no
// attributes, ports or victims; it keeps per host its scalars, what all its victims could
// free, and its victims as (task, config) pointers in cpu/ram/disk order. FindSlot first
// runs the victim loop on scalars only, which gives each host a lower bound of its
// (victims, freed cpu, freed ram) key, then checks constraints and ports exactly on the
// hosts in the order of that bound, stopping once no remaining host can beat the best one.
// Attributes are computed only for hosts checked exactly, limit counts only for jobs with a
// limit constraint (once per job and search).
//
// Pure: built from a ClusterView (see placement.h). Thread contract: a PreemptionSearch is
// logically immutable after construction; FindSlot may be called from several threads (the
// lazily built parts are guarded by a mutex).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
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
  // Cpu, ram, disk and gpus, without named ports.
  struct Scalars {
    int64_t cpu = 0;
    int64_t ram = 0;
    int64_t disk = 0;
    int64_t gpus = 0;
  };
  // A possible victim. Configs are shared by a job's tasks, so reading resources through
  // them stays in cache; the search is bound by memory traffic at 10,000 hosts.
  struct Victim {
    const model::Task* task = nullptr;
    const model::TaskConfig* config = nullptr;
  };
  struct Host {
    const HostView* view = nullptr;  // the first view entry of this agent_id
    Scalars total;                   // the agent's
    Scalars used;
    Scalars freeable_all;      // sum over all victims (negative parts as 0): an upper bound
    Scalars freeable_nonprod;  // the same over non-production victims
    uint32_t victims_begin = 0;  // [begin, end) in victims_, by cpu, ram, disk descending
    uint32_t victims_end = 0;
    bool schedulable = true;
    // Some victims tie on cpu, ram and disk but differ in gpus: the order by task id then
    // matters for the scalars too, so the scalar bound is not used for this host.
    bool gpu_ties = false;
  };
  // A host's key, smaller is better: (victims, freed cpu, freed ram, host index).
  struct Key {
    int64_t victims = 0;
    int64_t cpu = 0;
    int64_t ram = 0;
    size_t host = 0;
    bool operator<(const Key& o) const;
  };
  class Exclusions;

  // The exact per-host search (the algorithm of the header comment) on host `i`: whether at
  // most `max_victims` victims make `pending` fit; they are left in `chosen` in the order
  // they are added (empty: it fits as it is).
  bool VictimsOn(size_t i, const model::Task& pending, const model::Resources& need,
                 const Exclusions& excluded, size_t max_victims,
                 std::vector<const Victim*>& chosen) const;
  // The pending task's job's active tasks per (attribute, value), for limit constraints.
  std::shared_ptr<const JobCounts> CountsFor(const model::JobKey& job) const;
  // std::hash of every victim's task id, in victims_ order (built on first use).
  const std::vector<size_t>& VictimIdHashes() const;

  model::Resources overhead_;
  std::vector<Host> hosts_;       // sorted by agent_id, unique
  std::vector<Victim> victims_;   // grouped by host
  // Active tasks that are not victims (KILLING, PREEMPTING, ...), with their host index:
  // they count for limit constraints only.
  std::vector<std::pair<const model::Task*, uint32_t>> others_;

  mutable std::mutex mu_;  // guards the lazily built members below
  mutable std::map<model::JobKey, std::shared_ptr<const JobCounts>> counts_;
  mutable std::once_flag id_hashes_once_;
  mutable std::vector<size_t> id_hashes_;
};

}  // namespace borealis::core
