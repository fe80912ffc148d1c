// Preemption (docs/aurora-compatibility.md): which running tasks may make room for a pending
// one, and the
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
// How it is fast (10,000 hosts, 90,000 victims: docs/BENCHMARKS.md "Preemption search"):
// construction reads each task once and copies no attributes, ports or tasks; it keeps per
// host its free scalars and a run of (task, config) pointers to its victims in cpu, ram,
// disk order. FindSlot runs the victim loop on every host with scalars only, which gives a
// lower bound of the host's (victims, freed cpu, freed ram) key; only a host whose bound
// beats the best slot found so far is checked exactly (constraints, ports, task id order),
// and when such checks keep failing the bounds are kept and checked best first, stopping
// once none can win. The result is the one the full check of every host in agent_id order
// gives (preemption_test.cc keeps that search as the reference). Attributes are computed
// only for hosts checked exactly, and limit counts only when the pending task has a limit
// constraint.
//
// Kept across passes (Update): the scheduler builds the search once and then, each pass,
// gives it a view of the hosts only; the search keeps the victims of every host whose
// HostView::tasks_stamp it has read already and asks for the tasks of the others (new
// hosts, hosts whose tasks changed). A host's free scalars, agent and schedulable flag are
// read from the new view for every host. When the view has the same agents as before
// (the usual case), Update works in place: a re-read host's old victims become a hole in
// the victim array and its new ones are appended (holes are compacted once they are a
// quarter of it); otherwise it merges the old hosts with the view's by agent_id. The
// result of FindSlot after Update is the one a search built anew from the same view and
// tasks gives (preemption_test.cc checks it over random changes).
//
// Lifetime: the search keeps raw pointers to the tasks it read. A caller whose tasks change
// (the scheduler's state) binds the search to a version source (BindVersion): Update
// records the version it read at, and FindSlot stops the process (BOREALIS_CHECK) when the
// version has moved since, instead of reading tasks that may be gone. An unbound search
// (the tests, the benchmarks) owns tasks that outlive it.
//
// Pure: built from a ClusterView (see placement.h). Thread contract: FindSlot may be called
// from several threads; Update needs the search to itself.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "borealis/core/host_filter.h"
#include "borealis/core/placement.h"
#include "borealis/model/agent_info.h"
#include "borealis/model/resources.h"
#include "borealis/model/task.h"
#include "borealis/model/task_config.h"

namespace borealis::core {

// Whether a task of `pending` may preempt a task of `victim`.
bool CanPreempt(const model::TaskConfig& pending, const model::TaskConfig& victim);

struct PreemptionSlot {
  model::AgentId agent_id;
  std::string host;
  std::vector<model::TaskId> victim_ids;  // in the order they were added (largest first)

  bool operator==(const PreemptionSlot&) const = default;
};

class PreemptionSearch {
 public:
  // `view` and what it points to must outlive the search.
  PreemptionSearch(const ClusterView& view, const model::Resources& executor_overhead);

  // Appends to `out` the tasks on view.hosts[host] (in the order a view would list them;
  // tasks of other agents are ignored).
  using TasksOn = std::function<void(size_t host, std::vector<const model::Task*>& out)>;
  // Brings the search up to date with `view`, whose placed_tasks are not read: a host whose
  // tasks_stamp is non-zero and equal to the one this search read for the same agent keeps
  // the victims read then (their tasks must still be alive: the caller changes the stamp
  // whenever a task on the host is replaced or removed); every other host's tasks come from
  // `tasks_on`. From then on, `view` must outlive the search's use as in the constructor.
  // Returns the number of hosts whose tasks were read.
  size_t Update(const ClusterView& view, const TasksOn& tasks_on);

  // The best slot for `pending`, skipping hosts in `excluded_agents` (held for other
  // preemptors) and victims in `excluded_victims` (already chosen this pass).
  std::optional<PreemptionSlot> FindSlot(const model::Task& pending,
                                         const std::set<model::AgentId>& excluded_agents = {},
                                         const std::set<model::TaskId>& excluded_victims = {}) const;

  size_t host_count() const { return hosts_.size(); }

  // Binds the search to the version of the tasks it reads (e.g. the state's version, which
  // changes with every change to a task). Update records it; FindSlot checks it.
  void BindVersion(std::function<uint64_t()> current_version);

 private:
  // Cpu, ram, disk and gpus, without named ports.
  struct Scalars {
    int64_t cpu = 0;
    int64_t ram = 0;
    int64_t disk = 0;
    int64_t gpus = 0;
  };
  // A possible victim. Configs are shared by a job's tasks, so reading resources through
  // them stays in cache; building the search is bound by memory traffic at 10,000 hosts
  // (page faults included), so what it keeps is small.
  struct Victim {
    const model::Task* task = nullptr;
    const model::TaskConfig* config = nullptr;
  };
  struct Host {
    const HostView* view = nullptr;  // the first view entry of this agent_id
    Scalars free;                    // the agent's resources minus view->used
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
    bool operator<(const Key& o) const {
      if (victims != o.victims) return victims < o.victims;
      if (cpu != o.cpu) return cpu < o.cpu;
      if (ram != o.ram) return ram < o.ram;
      return host < o.host;
    }
  };
  class Exclusions;

  void AddHost(const HostView& view);
  // Hosts (AddHost) in agent_id order, the first view entry of each id; resets the rest.
  void SelectHosts(const ClusterView& view);
  // Victims and others from `placed` (the tasks of the hosts, any order), with their
  // fingerprints.
  void ReadTasks(const std::vector<const model::Task*>& placed);
  // Appends the victims (sorted) of host `i` to victims_, and its others to others_, from
  // `tasks`; sets its victim range.
  void ReadHost(size_t i, const std::vector<const model::Task*>& tasks);
  // Update when the view's agents are not the search's: merges them by agent_id (or reads
  // every host again when the view is not strictly sorted).
  size_t Rebuild(const ClusterView& view, const TasksOn& tasks_on);
  // Drops the holes from victims_ (and their fingerprints).
  void Compact();
  // Groups victims_ by host and orders each host's victims, when the view did not list
  // tasks host by host.
  void GroupVictims();
  // Orders the victims of `host` (cpu, ram, disk descending, stable) and sets gpu_ties.
  void SortVictims(Host& host);
  // The exact per-host search (the algorithm of the header comment) on host `i`: whether at
  // most `max_victims` victims make `pending` fit; they are left in `chosen` in the order
  // they are added (empty: it fits as it is).
  bool VictimsOn(size_t i, const model::Task& pending, const model::Resources& need,
                 const JobCounts& counts, const Exclusions& excluded, size_t max_victims,
                 std::vector<const Victim*>& chosen) const;
  // The active tasks of `config`'s job per (attribute, value), for limit constraints.
  JobCounts CountsFor(const model::TaskConfig& config) const;

  // Stops the process when the bound version moved since the last Update.
  void CheckVersion() const;

  model::Resources overhead_;
  std::function<uint64_t()> current_version_;  // empty: unbound
  uint64_t read_at_version_ = 0;
  std::vector<Host> hosts_;       // sorted by agent_id, unique
  // What Update compares a new view with, by host (apart from hosts_ so that FindSlot's
  // scan over hosts_ stays small): the views do not outlive a pass.
  struct Seen {
    model::AgentId agent_id;
    const model::AgentInfo* agent = nullptr;  // the view's when last updated: compared only
    uint64_t tasks_stamp = 0;                 // the view's when the victims were read
  };
  std::vector<Seen> seen_;  // by host index
  std::vector<Victim> victims_;   // grouped by host, with holes left by Update
  size_t holes_ = 0;              // entries of victims_ in no host's range
  // Active tasks that are not victims (KILLING, PREEMPTING, ...), with their host index:
  // they count for limit constraints only (in no particular order).
  std::vector<std::pair<const model::Task*, uint32_t>> others_;

  // A fingerprint of each victim's task id (IdFingerprint), in victims_ order: excluded
  // victims are found by it, then confirmed by their id.
  std::vector<uint32_t> id_fingerprints_;
  // Buffers reused by Compact and Rebuild, so that a pass does not fault in fresh pages.
  std::vector<Victim> spare_victims_;
  std::vector<uint32_t> spare_fingerprints_;
};

}  // namespace borealis::core
