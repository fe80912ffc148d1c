// The scheduler's durable state and the only way it changes. State changes are typed
// Mutations applied in order; the same mutations, encoded, are the storage log, so
// replaying the log rebuilds an identical state. Times and ids are fields filled in by
// the caller: Apply is deterministic.
//
// Thread contract: a ClusterState is owned by one thread (the scheduler's core thread);
// readers get immutable copies through TaskIndex snapshots (cheap: tasks are shared).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "borealis/model/types.h"

namespace borealis::state {

using TaskPtr = std::shared_ptr<const model::Task>;
// task id → task, ordered so iteration is deterministic.
using TaskMap = std::map<std::string, TaskPtr>;

// Stores (inserts or replaces) whole tasks.
struct SaveTasks {
  std::vector<model::Task> tasks;
};
// Deletes tasks by id; unknown ids are ignored.
struct RemoveTasks {
  std::vector<std::string> task_ids;
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
using Mutation = std::variant<SaveTasks, RemoveTasks, SaveQuota, RemoveQuota>;
// role → quota, ordered.
using QuotaMap = std::map<std::string, model::Resources>;

class ClusterState {
 public:
  ClusterState() : tasks_(std::make_shared<TaskMap>()) {}

  void Apply(const Mutation& m);
  void ApplyAll(const std::vector<Mutation>& ms) {
    for (const auto& m : ms) Apply(m);
  }

  // The current tasks; the returned map never changes (copy-on-write).
  std::shared_ptr<const TaskMap> tasks() const { return tasks_; }
  const model::Task* FindTask(const std::string& task_id) const;
  size_t task_count() const { return tasks_->size(); }
  // Tasks of `job` in an ACTIVE state (kept up to date by Apply; O(log jobs)).
  int64_t ActiveTaskCount(const model::JobKey& job) const;
  uint64_t version() const { return version_; }

  // Quotas by role (small; copied into read views).
  const QuotaMap& quotas() const { return quotas_; }
  const model::Resources* FindQuota(const std::string& role) const;

  // Every task, in id order (for snapshots).
  std::vector<model::Task> AllTasks() const;

 private:
  TaskMap& MutableTasks();

  void CountActive(const model::Task& t, int64_t delta);

  std::shared_ptr<TaskMap> tasks_;
  std::map<model::JobKey, int64_t> active_by_job_;  // jobs with at least one active task
  QuotaMap quotas_;
  uint64_t version_ = 0;
};

}  // namespace borealis::state
