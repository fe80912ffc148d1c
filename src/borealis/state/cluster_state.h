// The scheduler's durable state and the only way it changes. State changes are typed
// Mutations applied in order; the same mutations, encoded, are the storage log, so
// replaying the log rebuilds an identical state. Times and ids are fields filled in by
// the caller: Apply is deterministic.
//
// Besides the tasks, Apply keeps the indexes the scheduler's passes need so that none of
// them scans every task: the PENDING tasks in scheduling order, the tasks in each small
// (transient) state, and per agent the tasks on it with the resources and ports they hold.
// They are derived data: rebuilt by replaying the same mutations, never stored.
//
// Thread contract: a ClusterState is owned by one thread (the scheduler's core thread);
// readers get immutable snapshots through tasks() (cheap: see TaskTable).
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "borealis/model/job_key.h"
#include "borealis/model/port_set.h"
#include "borealis/model/quota_usage.h"
#include "borealis/model/resources.h"
#include "borealis/model/schedule_status.h"
#include "borealis/model/task.h"
#include "borealis/state/cron_jobs.h"
#include "borealis/state/host_maintenance.h"
#include "borealis/state/job_updates.h"
#include "borealis/state/task_table.h"

namespace borealis::state {

// The task table (tasks grouped by job; iterates like an id → task map within each job).
using TaskMap = TaskTable;

// A set of stored tasks (unordered: iterate SortedById(set) wherever order matters).
using TaskSet = absl::flat_hash_set<const model::Task*>;
// The tasks of `set` in task id order.
std::vector<const model::Task*> SortedById(const TaskSet& set);

// Scheduling order of PENDING tasks: higher priority first, then job, then instance, then id.
struct PendingOrder {
  bool operator()(const model::Task* a, const model::Task* b) const;
};
using PendingSet = std::set<const model::Task*, PendingOrder>;

// What the tasks on one agent hold (SLAVE_ASSIGNED states only, without executor overhead).
struct AgentLoad {
  model::Resources used;                   // named_ports unused
  int64_t task_count = 0;
  model::PortSet ports;                    // ports held by at least one task
  std::map<int32_t, int32_t> extra_holders;  // port → holders beyond the first (rare)
  TaskSet tasks;
  // Changes whenever `tasks` does (a task added, removed or replaced), to a value no load
  // had before: what a kept preemption search compares to re-read only changed agents.
  uint64_t stamp = 0;
};

// Stores (inserts or replaces) whole tasks: `tasks` by copy, then `shared` as they are (the
// scheduler's path: the state keeps the very object, the log encodes it, nothing is copied).
struct SaveTasks {
  SaveTasks() = default;
  explicit SaveTasks(std::vector<model::Task> copied) : tasks(std::move(copied)) {}

  std::vector<model::Task> tasks;
  std::vector<std::shared_ptr<const model::Task>> shared;
  // Not applied: filled by ClusterState::Apply(m, &save.replaced) with, for each task saved
  // (`tasks`, then `shared`), the version it replaced or null, so that the log can record
  // only what changed (scheduler/storage_codec).
  std::vector<std::shared_ptr<const model::Task>> replaced;
};
// What a save changed in a task that was stored already, as the log records it: the new
// status, the events appended, and the other fields a transition may set when they
// changed. Config, instance, ancestor and earlier events stay as they were.
struct TaskDelta {
  model::TaskId task_id;
  model::ScheduleStatus status = model::ScheduleStatus::kInit;
  std::vector<model::TaskEvent> new_events;
  std::optional<model::AgentId> agent_id;
  std::optional<std::string> agent_host;
  std::optional<std::map<std::string, int32_t>> assigned_ports;
  std::optional<int32_t> failure_count;
  std::optional<int32_t> times_partitioned;
};
// Applies deltas to stored tasks (read back from the log). A delta of a task that is not
// stored is skipped: callers that must not lose one check with Unknown() first.
struct ChangeTasks {
  std::vector<TaskDelta> deltas;
};
// Deletes tasks by id; unknown ids are ignored.
struct RemoveTasks {
  std::vector<model::TaskId> task_ids;
};
// Sets (inserts or replaces) a role's quota; only cpu, ram and disk are meaningful.
struct SaveQuota {
  std::string role;
  model::Resources quota;
};
// Removes a role's quota (the role then has none, i.e. zero); unknown roles are ignored.
struct RemoveQuota {
  std::string role;
};
// The update records' mutations (SaveJobUpdate, ...) are declared in job_updates.h;
// SaveCronJob and RemoveCronJob (cron templates) are in cron_jobs.h; SaveHostMode,
// SaveMaintenanceRequest and RemoveMaintenanceRequest in host_maintenance.h.
using Mutation = std::variant<SaveTasks, RemoveTasks, SaveQuota, RemoveQuota, ChangeTasks,
                              SaveJobUpdate, SaveJobUpdateEvent, SaveJobInstanceUpdateEvent,
                              RemoveJobUpdates, SaveCronJob, RemoveCronJob, SaveHostMode,
                              SaveMaintenanceRequest, RemoveMaintenanceRequest>;

// The delta that turns `before` into `after` (same id), or nothing when `after` differs in
// a field a delta does not carry (config, instance, ancestor, earlier events).
std::optional<TaskDelta> DeltaOf(const model::Task& before, const model::Task& after);
// `before` with `delta` applied.
model::Task ApplyDelta(const model::Task& before, const TaskDelta& delta);
// role → quota, ordered.
using QuotaMap = std::map<std::string, model::Resources>;

class ClusterState {
 public:
  ClusterState() = default;

  // Applies `m`. For SaveTasks, `replaced` (when given) gets the version each saved task
  // replaced, or null, in the order they were saved.
  void Apply(const Mutation& m, std::vector<std::shared_ptr<const model::Task>>* replaced =
                                    nullptr);
  // Applies SaveTasks{shared: {task}} and appends it to `run`, a save mutation the caller
  // collects: the same state and the same log as one SaveTasks per task, without building
  // a mutation (and its vectors) for each.
  void SaveInto(std::shared_ptr<const model::Task> task, SaveTasks* run);
  void ApplyAll(const std::vector<Mutation>& ms) {
    for (const auto& m : ms) Apply(m);
  }
  // The first task id of `m` (a ChangeTasks) that is not stored, or nullptr.
  const model::TaskId* Unknown(const ChangeTasks& m) const;

  // The stored task object (shared), or null.
  std::shared_ptr<const model::Task> FindTaskPtr(const model::TaskId& task_id) const;
  // A snapshot of the current tasks for readers; it never changes (copy-on-write). Each
  // snapshot makes the writer's next change copy the job index once: the writer itself
  // iterates table() instead. The state keeps the newest snapshot until its next change,
  // so `for (auto& e : *state.tasks())` stays valid while nothing is applied.
  std::shared_ptr<const TaskMap> tasks() const;
  const TaskMap& table() const { return table_; }
  const model::Task* FindTask(const model::TaskId& task_id) const;
  size_t task_count() const { return table_.size(); }

  // PENDING tasks in scheduling order.
  const PendingSet& pending() const { return pending_; }
  // The PENDING tasks not parked, in scheduling order: what a placement pass evaluates.
  // Placement's blocked set (scheduler/components/blocked_set.h) parks the tasks of a class
  // (one TaskConfig object) that fits nowhere; a task that becomes PENDING with a parked
  // config is parked at once. Derived data: not stored, empty of parks after recovery.
  const PendingSet& runnable() const { return runnable_; }
  // Parks (or unparks) the PENDING tasks of `config`, now and to come; the state keeps
  // `config` alive while parked, so its address is not reused meanwhile.
  void SetParked(const std::shared_ptr<const model::TaskConfig>& config, bool parked);
  bool IsParked(const model::TaskConfig* config) const { return parked_.count(config) > 0; }
  // The PENDING tasks of a parked `config` (0 when not parked).
  size_t ParkedTasks(const model::TaskConfig* config) const;
  // Each SLAVE_ASSIGNED task that left its agent (ended, moved, replaced) since the last
  // call: the agent and the task's job, what could let a waiting task fit (resources,
  // ports, a job's limit counts). Emptied by the call.
  std::vector<std::pair<model::AgentId, model::JobKey>> TakeFreedLoads() {
    return std::exchange(freed_loads_, {});
  }
  // What `role`'s ACTIVE tasks consume, kept by Apply on every change (zero when none).
  const model::QuotaConsumption& QuotaUse(const std::string& role) const;
  // Tasks in `status` (unordered), for the indexed states: THROTTLED, ASSIGNED, KILLING,
  // PREEMPTING, RESTARTING, DRAINING and PARTITIONED (others are refused: they may be large).
  const TaskSet& InStatus(model::ScheduleStatus status) const;
  static bool IsIndexedStatus(model::ScheduleStatus status);
  // Tasks in SLAVE_ASSIGNED states on `agent_id` and what they hold; nullptr when none.
  // Valid until that agent's load is erased, when its last task leaves (which
  // TakeChangedLoads then lists).
  const AgentLoad* LoadOf(const model::AgentId& agent_id) const;
  const absl::node_hash_map<model::AgentId, AgentLoad>& loads() const { return loads_; }
  // The agents whose load (resources or ports held) changed since the last call, each
  // possibly several times, in no particular order; the list is emptied.
  std::vector<model::AgentId> TakeChangedLoads() { return std::exchange(changed_loads_, {}); }
  // Tasks of `job` in an ACTIVE state (kept up to date by Apply; O(log jobs)).
  int64_t ActiveTaskCount(const model::JobKey& job) const;
  uint64_t version() const { return version_; }

  // Quotas by role (small; copied into read views).
  const QuotaMap& quotas() const { return quotas_; }
  const model::Resources* FindQuota(const std::string& role) const;

  // Job updates with their events (job_updates.h).
  const JobUpdateTable& updates() const { return updates_; }
  // Stores a whole update record (snapshot recovery).
  void RestoreUpdate(model::JobUpdateDetails details) { updates_.Restore(std::move(details)); }
  // The cron templates (cron_jobs.h).
  const CronJobs& cron_jobs() const { return cron_jobs_; }
  // Hosts' maintenance modes and drain requests (host_maintenance.h).
  const HostMaintenance& maintenance() const { return maintenance_; }

  // Every task, in id order (for snapshots).
  std::vector<model::Task> AllTasks() const;

 private:
  void CountActive(const model::Task& t, int64_t delta);
  std::shared_ptr<const model::Task> Save(std::shared_ptr<const model::Task> stored);
  // Adds `t` to (removes it from) the indexes; its agent's load too unless `load_too` is
  // false (Save then swaps the task's pointer in the load itself), and active_by_job_
  // unless `count_too` is false (Save: the task counts the same before and after).
  void Index(const model::Task& t, bool load_too = true, bool count_too = true);
  void Unindex(const model::Task& t, bool load_too = true, bool count_too = true);

  TaskMap table_;
  mutable std::shared_ptr<const TaskMap> snapshot_;  // of table_ since the last change
  // Writer-side id index, looked up by id (string_view). It holds the table's own pointers,
  // so that FindTaskPtr is one lookup.
  struct IdHash {
    using is_transparent = void;
    size_t operator()(std::string_view id) const { return absl::Hash<std::string_view>()(id); }
    size_t operator()(const TaskPtr& t) const { return (*this)(t->task_id.str()); }
  };
  struct IdEq {
    using is_transparent = void;
    static std::string_view Id(std::string_view id) { return id; }
    static std::string_view Id(const TaskPtr& t) { return t->task_id.str(); }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const { return Id(a) == Id(b); }
  };
  absl::flat_hash_set<TaskPtr, IdHash, IdEq> by_id_;
  PendingSet pending_;
  PendingSet runnable_;  // pending_ minus the parked
  struct Parked {
    std::shared_ptr<const model::TaskConfig> config;
    size_t tasks = 0;
  };
  absl::flat_hash_map<const model::TaskConfig*, Parked> parked_;
  std::vector<std::pair<model::AgentId, model::JobKey>> freed_loads_;
  std::map<std::string, model::QuotaConsumption, std::less<>> quota_use_;
  std::array<TaskSet, 19> in_status_;  // by the status' numeric value (0..18)
  // Nodes: a load's address stays valid until its agent's load is erased (which lists the
  // agent in changed_loads_), so callers may keep pointers to its ports across changes.
  absl::node_hash_map<model::AgentId, AgentLoad> loads_;
  std::vector<model::AgentId> changed_loads_;
  std::map<model::JobKey, int64_t> active_by_job_;  // jobs with at least one active task
  QuotaMap quotas_;
  JobUpdateTable updates_;
  CronJobs cron_jobs_;
  HostMaintenance maintenance_;
  uint64_t version_ = 0;
  uint64_t load_stamps_ = 0;  // the last AgentLoad::stamp given
};

}  // namespace borealis::state
