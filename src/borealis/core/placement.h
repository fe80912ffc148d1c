// Placement of pending tasks on agents (docs/aurora-compatibility.md): feasibility of a task on a
// host (dedicated hosts, maintenance, value and limit constraints, cpu/ram/disk/gpu and
// named ports), the choice among feasible hosts, and why a task stays pending.
//
// Pure and deterministic: the same view, pending list and options give the same result.
// Hosts are visited in the order of ClusterView::hosts (sorted by agent_id); tasks are
// placed in the order given, each one consuming its host's resources, ports and limit
// counts for the tasks after it in the same call. Ports are drawn with a generator seeded
// from options.seed and the task id, so they do not depend on the order of other tasks'
// port draws.
//
// Host choice (kSpread, the default): among feasible hosts, those not to be avoided
// (HostView::avoid, hosts scheduled for maintenance) first, then the one with the fewest
// active tasks of the same job (counting those placed earlier in this call), then the most
// free cpu (before this task), then the smallest agent_id. kFirstFit takes the first
// feasible host in agent_id order, hosts to be avoided last.
//
// Vetoes, checked in this order, the first failing one naming the host's reason:
//   "unschedulable"               HostView::schedulable is false (maintenance)
//   "host is dedicated"           host has a `dedicated` attribute, task has no
//                                 constraint on `dedicated`
//   "constraint <attr>"           a value constraint fails (constraints in name order),
//                                 or a limit constraint's attribute is missing on the host
//   "limit <attr>"                for some value v of the host's <attr>, the job already
//                                 has >= limit active tasks on hosts with <attr> = v
//   "insufficient cpu, ram, ..."  every short resource of: cpu, ram, disk, gpu, ports
// The pending reason joins "<n> host(s): <veto>" by "; ", most hosts first, then by veto.
//
// Host attributes: the agent's attributes; the attribute "host" is the agent's host name
// unless the agent declares a "host" attribute itself.
//
// Thread contract: stateless functions; the view's pointers must stay valid during a call.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "borealis/model/agent_info.h"
#include "borealis/model/port_range.h"
#include "borealis/model/port_set.h"
#include "borealis/model/resources.h"
#include "borealis/model/task.h"
#include "borealis/model/task_config.h"

namespace borealis::core {

// What placement derives from an AgentInfo alone; callers that keep agents across calls
// compute it once per agent (MakeHostStatic) instead of on every call.
struct HostStatic {
  std::map<std::string, std::set<std::string>> attributes;  // AllAttributes(agent)
  std::vector<model::PortRange> ranges;                      // NormalizeRanges(port_ranges)
};
std::shared_ptr<const HostStatic> MakeHostStatic(const model::AgentInfo& agent);

// One agent as placement sees it.
struct HostView {
  const model::AgentInfo* agent = nullptr;
  model::Resources used;  // scalars in use on the agent, executor overheads included
  model::PortSet used_ports;  // ports in use, unless used_ports_ref is set
  // When set, the ports in use (owned by the caller, who keeps them alive and unchanged
  // during the call) instead of used_ports: saves copying every host's ports per pass.
  const model::PortSet* used_ports_ref = nullptr;
  std::shared_ptr<const HostStatic> statics;  // null: computed from `agent` by the call
  bool schedulable = true;  // false: draining/drained for maintenance
  // SCHEDULED for maintenance: chosen only when no host without it is feasible.
  bool avoid = false;
  // Changes whenever the tasks on the agent change, and is never reused for other tasks
  // (0: unknown). Placement ignores it; PreemptionSearch::Update re-reads only the hosts
  // whose stamp differs from the one it read.
  uint64_t tasks_stamp = 0;

  const model::PortSet& UsedPorts() const {
    return used_ports_ref != nullptr ? *used_ports_ref : used_ports;
  }
};

struct ClusterView {
  std::vector<HostView> hosts;  // sorted by agent_id
  // Tasks that occupy hosts (by agent_id), for limit constraints and spreading. Only
  // tasks in ACTIVE states with an agent in `hosts` count.
  std::vector<const model::Task*> placed_tasks;
};

struct Assignment {
  model::TaskId task_id;
  model::AgentId agent_id;
  std::string host;
  std::map<std::string, int32_t> ports;  // named port -> number

  bool operator==(const Assignment&) const = default;
};

struct PlacementResult {
  std::vector<Assignment> assignments;  // in the order of the pending list
  std::map<model::TaskId, std::string> pending_reasons;  // why each was not placed
};

enum class PlacementStrategy { kSpread, kFirstFit };

struct PlacementOptions {
  model::Resources executor_overhead;  // added to every task's scalars
  uint64_t seed = 0;
  PlacementStrategy strategy = PlacementStrategy::kSpread;
};

// Places the PENDING tasks of `pending` (the caller orders them: priority, age, ...). Each
// task is either in `assignments` or has a `pending_reasons` entry; a task id given twice
// is considered once.
PlacementResult Place(const ClusterView& view, const std::vector<const model::Task*>& pending,
                      const PlacementOptions& options);

// Placement's table of hosts (their usage and the free-cpu order), for a caller that places
// again and again on mostly the same hosts: built once from a view's hosts, then told
// which hosts' usage changed, instead of being rebuilt from every host for every call.
class HostTable {
 public:
  HostTable();
  ~HostTable();
  HostTable(HostTable&&) noexcept;
  HostTable& operator=(HostTable&&) noexcept;

  // Rebuilds the table from `view.hosts` (placed_tasks are not read). Ports given by
  // used_ports_ref must stay alive and unchanged until that host's next Update or Reset;
  // used_ports are copied.
  void Reset(const ClusterView& view);
  // Host `agent_id` now uses `used` (executor overheads included) and the ports `*ports`
  // (the caller keeps them alive and unchanged until this host's next Update or a Reset;
  // null: none). Unknown ids are ignored. False when the id is not in the table.
  bool Update(const model::AgentId& agent_id, const model::Resources& used,
              const model::PortSet* ports);
  size_t size() const;

 private:
  friend PlacementResult Place(HostTable& table,
                               const std::vector<const model::Task*>& placed_tasks,
                               const std::vector<const model::Task*>& pending,
                               const PlacementOptions& options);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Place on `table` (placed_tasks as ClusterView::placed_tasks): the same result as Place
// on a view with the table's hosts. The table keeps this call's placements in its usage,
// as the caller's state will hold them once they are applied; the caller then Updates the
// hosts whose usage it changed (at least those of the assignments).
PlacementResult Place(HostTable& table, const std::vector<const model::Task*>& placed_tasks,
                      const std::vector<const model::Task*>& pending,
                      const PlacementOptions& options);

// The same result as Place, computed by checking every host for every task (O(tasks x
// hosts)); Place works on runs of tasks sharing a TaskConfig and re-checks only the hosts
// a placement changed. Kept as the reference for tests and the benchmarks' baseline.
PlacementResult PlaceByFullScan(const ClusterView& view,
                                const std::vector<const model::Task*>& pending,
                                const PlacementOptions& options);

// Submission-time check: OK when at least one agent is large enough for the task plus
// overhead (cpu, ram, disk, gpu and the number of named ports; constraints and current
// usage ignored). INVALID_ARGUMENT otherwise, e.g. "no agent could ever run this task:
// needs 64000 MiB ram, the largest agent has 8192 MiB". An empty agent list is OK: there
// is nothing to compare against yet (agents may not have registered).
absl::Status CheckFitsSomeHost(const model::TaskConfig& config,
                               const std::vector<model::AgentInfo>& agents,
                               const model::Resources& overhead);

// Veto counts as one line, most hosts first, then by veto:
// "3 hosts: insufficient ram; 1 host: constraint rack" ("no hosts" when empty).
std::string JoinReasons(const std::map<std::string, int64_t>& vetoes);

// What one task takes from a host: its scalars plus the executor overhead, and its
// distinct named ports (sorted).
model::Resources TaskNeed(const model::TaskConfig& config, const model::Resources& overhead);

}  // namespace borealis::core
