#include "borealis/scheduler/storage_codec.h"
#include "borealis/scheduler/storage_codec_maintenance.h"
#include "borealis/scheduler/storage_codec_updates.h"

#include <map>
#include <optional>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/model/resources.h"
#include "borealis/model/task.h"
#include "borealis/model/task_config.h"
#include "borealis/wire/codec.h"
#include "borealis/wire/convert.h"
#include "gen-cpp/storage_constants.h"
#include "gen-cpp/storage_types.h"

namespace borealis::scheduler {

namespace {

// The tasks of one save op as SaveTasksDeduplicated: each task as wire::ToThrift(task)
// would give it but without its TaskConfig, which is converted and stored once per
// distinct config of the op (tasks of a job share theirs).
class DedupEncoder {
 public:
  void Add(const model::Task& t) {
    storage::StoredTask& s = out_.tasks.emplace_back();
    s.taskId = t.task_id.str();
    s.slaveId = t.agent_id.str();
    s.slaveHost = t.agent_host;
    s.assignedPorts = t.assigned_ports;
    s.instanceId = t.instance_id;
    s.status = wire::ToThrift(t.status);
    s.failureCount = t.failure_count;
    s.timesPartitioned = t.times_partitioned;
    s.taskEvents.reserve(t.events.size());
    for (const model::TaskEvent& e : t.events) s.taskEvents.push_back(wire::ToThrift(e));
    s.ancestorId = t.ancestor_id.str();
    s.taskConfigId = ConfigId(t.config.get());
  }
  explicit DedupEncoder(size_t tasks) { out_.tasks.reserve(tasks); }
  storage::SaveTasksDeduplicated Take() { return std::move(out_); }

 private:
  int32_t ConfigId(const model::TaskConfig* config) {
    auto [it, inserted] = ids_.try_emplace(config, static_cast<int32_t>(out_.taskConfigs.size()));
    if (inserted) {
      out_.taskConfigs.push_back(config ? wire::ToThrift(*config) : api::TaskConfig());
    }
    return it->second;
  }
  std::map<const model::TaskConfig*, int32_t> ids_;
  storage::SaveTasksDeduplicated out_;
};

// Takes the delta's strings and ports (Thrift's __set_x would copy them).
storage::StoredTaskChange ToStored(state::TaskDelta&& d) {
  storage::StoredTaskChange c;
  c.taskId = std::move(d.task_id).str();
  c.status = wire::ToThrift(d.status);
  c.newEvents.reserve(d.new_events.size());
  for (const model::TaskEvent& e : d.new_events) c.newEvents.push_back(wire::ToThrift(e));
  if (d.agent_id) {
    c.slaveId = std::move(*d.agent_id).str();
    c.__isset.slaveId = true;
  }
  if (d.agent_host) {
    c.slaveHost = std::move(*d.agent_host);
    c.__isset.slaveHost = true;
  }
  if (d.assigned_ports) {
    c.assignedPorts = std::move(*d.assigned_ports);
    c.__isset.assignedPorts = true;
  }
  if (d.failure_count) c.__set_failureCount(*d.failure_count);
  if (d.times_partitioned) c.__set_timesPartitioned(*d.times_partitioned);
  return c;
}

// A task's newest version in a run of saves and the version before the run's first save.
struct Saved {
  const model::Task* newest = nullptr;
  const model::Task* before = nullptr;
};

// The tasks of a run of saves, each once, in the order of their first save.
class SavedRun {
 public:
  void Add(const model::Task& t, const model::Task* before) {
    auto [it, inserted] = index_.try_emplace(t.task_id.str(), saves_.size());
    if (inserted) {
      saves_.push_back(Saved{&t, before});
    } else {
      saves_[it->second].newest = &t;  // `before` stays the run's first
    }
  }
  const std::vector<Saved>& saves() const { return saves_; }

 private:
  absl::flat_hash_map<std::string_view, size_t> index_;
  std::vector<Saved> saves_;
};

// Appends the ops for one run of SaveTasks: tasks the log held before the run and that
// changed only in what a delta carries as SaveTaskChanges, the others whole.
void EncodeSaves(const std::vector<Saved>& saves, std::vector<storage::Op>* ops) {
  DedupEncoder whole(saves.size());
  storage::SaveTaskChanges changes;
  changes.changes.reserve(saves.size());
  size_t whole_count = 0;
  for (const Saved& s : saves) {
    std::optional<state::TaskDelta> delta;
    if (s.before != nullptr) delta = state::DeltaOf(*s.before, *s.newest);
    if (delta) {
      changes.changes.push_back(ToStored(std::move(*delta)));
    } else {
      whole.Add(*s.newest);
      ++whole_count;
    }
  }
  if (whole_count > 0) {
    storage::Op& op = ops->emplace_back();
    op.saveTasksDeduplicated = whole.Take();
    op.__isset.saveTasksDeduplicated = true;
  }
  if (!changes.changes.empty()) {
    storage::Op& op = ops->emplace_back();
    op.saveTaskChanges = std::move(changes);
    op.__isset.saveTaskChanges = true;
  }
}

}  // namespace

std::string EncodeTransaction(const std::vector<state::Mutation>& mutations) {
  storage::Transaction txn;
  txn.schemaVersion = storage::g_storage_constants.CURRENT_SCHEMA_VERSION;
  txn.ops.reserve(mutations.size());
  for (size_t i = 0; i < mutations.size(); ++i) {
    const state::Mutation& m = mutations[i];
    if (std::holds_alternative<state::SaveTasks>(m)) {
      // A run of SaveTasks becomes ops holding each task's newest version: replaying them
      // gives the same state, and a task saved several times is encoded once.
      SavedRun run;
      for (; i < mutations.size() && std::holds_alternative<state::SaveTasks>(mutations[i]); ++i) {
        const auto& save = std::get<state::SaveTasks>(mutations[i]);
        size_t k = 0;  // index into save.replaced (tasks, then shared)
        auto add = [&](const model::Task& t) {
          const model::Task* before =
              k < save.replaced.size() && save.replaced[k] ? save.replaced[k].get() : nullptr;
          ++k;
          run.Add(t, before);
        };
        for (const auto& t : save.tasks) add(t);
        for (const auto& t : save.shared) add(*t);
      }
      --i;
      EncodeSaves(run.saves(), &txn.ops);
      continue;
    }
    storage::Op& op = txn.ops.emplace_back();
    if (const auto* remove = std::get_if<state::RemoveTasks>(&m)) {
      storage::RemoveTasks rt;
      for (const model::TaskId& id : remove->task_ids) rt.taskIds.insert(id.str());
      op.__set_removeTasks(std::move(rt));
    } else if (const auto* save_quota = std::get_if<state::SaveQuota>(&m)) {
      storage::SaveQuota sq;
      sq.role = save_quota->role;
      sq.quota = wire::ToResourceAggregate(save_quota->quota);
      op.__set_saveQuota(std::move(sq));
    } else if (const auto* remove_quota = std::get_if<state::RemoveQuota>(&m)) {
      storage::RemoveQuota rq;
      rq.role = remove_quota->role;
      op.__set_removeQuota(std::move(rq));
    } else if (const auto* change = std::get_if<state::ChangeTasks>(&m)) {
      storage::SaveTaskChanges changes;
      for (const state::TaskDelta& d : change->deltas) {
        changes.changes.push_back(ToStored(state::TaskDelta(d)));
      }
      op.saveTaskChanges = std::move(changes);
      op.__isset.saveTaskChanges = true;
    } else if (const auto* save_cron = std::get_if<state::SaveCronJob>(&m)) {
      storage::SaveCronJob sc;
      sc.jobConfig = wire::ToThrift(save_cron->job);
      op.__set_saveCronJob(std::move(sc));
    } else if (const auto* remove_cron = std::get_if<state::RemoveCronJob>(&m)) {
      storage::RemoveJob rj;
      rj.jobKey = wire::ToThrift(remove_cron->job);
      op.__set_removeJob(std::move(rj));
    } else if (!EncodeMaintenanceOp(m, &op)) {
      EncodeUpdateOp(m, &op);
    }
  }
  return wire::SerializeCompact(txn);
}

namespace {

absl::StatusOr<std::vector<model::Task>> DecodeTasks(const std::set<api::ScheduledTask>& in) {
  std::vector<model::Task> out;
  out.reserve(in.size());
  for (const auto& st : in) {
    ASSIGN_OR_RETURN(model::Task t, wire::FromThrift(st));
    out.push_back(std::move(t));
  }
  return out;
}

// Appends the events `in` to `out`; an error names `list[i].field[e]`.
absl::Status DecodeEvents(const std::vector<api::TaskEvent>& in, const char* list, size_t i,
                          const char* field, std::vector<model::TaskEvent>* out) {
  out->reserve(out->size() + in.size());
  for (size_t e = 0; e < in.size(); ++e) {
    auto event = wire::FromThrift(in[e]);
    if (!event.ok()) {
      return absl::DataLossError(absl::StrCat(list, "[", i, "].", field, "[", e, "]: ",
                                              event.status().message()));
    }
    out->push_back(std::move(*event));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<model::Task>> DecodeDeduplicated(
    const storage::SaveTasksDeduplicated& in) {
  std::vector<std::shared_ptr<const model::TaskConfig>> configs;
  configs.reserve(in.taskConfigs.size());
  for (size_t i = 0; i < in.taskConfigs.size(); ++i) {
    auto config = wire::FromThrift(in.taskConfigs[i]);
    if (!config.ok()) {
      return absl::DataLossError(
          absl::StrCat("taskConfigs[", i, "]: ", config.status().message()));
    }
    configs.push_back(std::make_shared<const model::TaskConfig>(std::move(*config)));
  }
  std::vector<model::Task> out;
  out.reserve(in.tasks.size());
  for (size_t i = 0; i < in.tasks.size(); ++i) {
    const storage::StoredTask& s = in.tasks[i];
    if (s.taskConfigId < 0 || static_cast<size_t>(s.taskConfigId) >= configs.size()) {
      return absl::DataLossError(absl::StrCat("tasks[", i, "].taskConfigId: ", s.taskConfigId,
                                              " is not an index of taskConfigs"));
    }
    model::Task& t = out.emplace_back();
    t.task_id = model::TaskId(s.taskId);
    t.agent_id = model::AgentId(s.slaveId);
    t.agent_host = s.slaveHost;
    t.assigned_ports = s.assignedPorts;
    t.instance_id = s.instanceId;
    t.config = configs[s.taskConfigId];
    auto status = wire::FromThrift(s.status);
    if (!status.ok()) {
      return absl::DataLossError(absl::StrCat("tasks[", i, "].status: ", status.status().message()));
    }
    t.status = *status;
    t.failure_count = s.failureCount;
    t.times_partitioned = s.timesPartitioned;
    RETURN_IF_ERROR(DecodeEvents(s.taskEvents, "tasks", i, "taskEvents", &t.events));
    t.ancestor_id = model::TaskId(s.ancestorId);
  }
  return out;
}

absl::StatusOr<state::ChangeTasks> DecodeChanges(const storage::SaveTaskChanges& in) {
  state::ChangeTasks out;
  out.deltas.reserve(in.changes.size());
  for (size_t i = 0; i < in.changes.size(); ++i) {
    const storage::StoredTaskChange& c = in.changes[i];
    state::TaskDelta& d = out.deltas.emplace_back();
    d.task_id = model::TaskId(c.taskId);
    auto status = wire::FromThrift(c.status);
    if (!status.ok()) {
      return absl::DataLossError(
          absl::StrCat("changes[", i, "].status: ", status.status().message()));
    }
    d.status = *status;
    RETURN_IF_ERROR(DecodeEvents(c.newEvents, "changes", i, "newEvents", &d.new_events));
    if (c.__isset.slaveId) d.agent_id = model::AgentId(c.slaveId);
    if (c.__isset.slaveHost) d.agent_host = c.slaveHost;
    if (c.__isset.assignedPorts) d.assigned_ports = c.assignedPorts;
    if (c.__isset.failureCount) d.failure_count = c.failureCount;
    if (c.__isset.timesPartitioned) d.times_partitioned = c.timesPartitioned;
  }
  return out;
}

// A stored cron template; an error names `where`.
absl::StatusOr<model::JobConfiguration> DecodeCronJob(const api::JobConfiguration& in,
                                                      const char* where) {
  auto job = wire::FromThrift(in);
  if (!job.ok()) {
    return absl::DataLossError(absl::StrCat(where, ": ", job.status().message()));
  }
  return job;
}

}  // namespace

// GCC 12 reports the moved-from SaveTasks vectors inside the returned variants as "maybe
// uninitialized" (a false positive of its variant move analysis at -O2).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
absl::StatusOr<std::vector<state::Mutation>> DecodeTransaction(const std::string& bytes) {
  storage::Transaction txn;
  RETURN_IF_ERROR(wire::DeserializeCompact(bytes, &txn));
  if (txn.schemaVersion != storage::g_storage_constants.CURRENT_SCHEMA_VERSION) {
    return absl::DataLossError(
        absl::StrCat("storage: unsupported schema version ", txn.schemaVersion));
  }
  std::vector<state::Mutation> out;
  for (size_t i = 0; i < txn.ops.size(); ++i) {
    const storage::Op& op = txn.ops[i];
    if (op.__isset.saveTasksDeduplicated) {
      ASSIGN_OR_RETURN(auto tasks, DecodeDeduplicated(op.saveTasksDeduplicated));
      out.emplace_back(std::in_place_type<state::SaveTasks>, std::move(tasks));
    } else if (op.__isset.saveTaskChanges) {
      ASSIGN_OR_RETURN(state::ChangeTasks changes, DecodeChanges(op.saveTaskChanges));
      out.emplace_back(std::move(changes));
    } else if (op.__isset.saveTasks) {
      ASSIGN_OR_RETURN(auto tasks, DecodeTasks(op.saveTasks.tasks));
      out.emplace_back(std::in_place_type<state::SaveTasks>, std::move(tasks));
    } else if (op.__isset.removeTasks) {
      out.push_back(state::RemoveTasks{
          {op.removeTasks.taskIds.begin(), op.removeTasks.taskIds.end()}});
    } else if (op.__isset.saveQuota) {
      ASSIGN_OR_RETURN(model::Resources quota, wire::FromThrift(op.saveQuota.quota));
      out.push_back(state::SaveQuota{op.saveQuota.role, std::move(quota)});
    } else if (op.__isset.removeQuota) {
      out.push_back(state::RemoveQuota{op.removeQuota.role});
    } else if (IsUpdateOp(op)) {
      ASSIGN_OR_RETURN(state::Mutation m, DecodeUpdateOp(op));
      out.push_back(std::move(m));
    } else if (op.__isset.saveCronJob) {
      ASSIGN_OR_RETURN(model::JobConfiguration job,
                       DecodeCronJob(op.saveCronJob.jobConfig, "saveCronJob.jobConfig"));
      out.push_back(state::SaveCronJob{std::move(job)});
    } else if (op.__isset.removeJob) {
      out.push_back(state::RemoveCronJob{wire::FromThrift(op.removeJob.jobKey)});
    } else if (IsMaintenanceOp(op)) {
      ASSIGN_OR_RETURN(state::Mutation m, DecodeMaintenanceOp(op));
      out.push_back(std::move(m));
    } else {
      return absl::DataLossError(
          absl::StrCat("storage: op ", i, " of a transaction is of a kind this version does "
                       "not know"));
    }
  }
  return out;
}
#pragma GCC diagnostic pop

std::string EncodeSnapshot(const state::ClusterState& state, int64_t now_ms) {
  storage::Snapshot snap;
  snap.timestamp = now_ms;
  for (const auto& [id, t] : *state.tasks()) snap.tasks.insert(wire::ToThrift(*t));
  snap.__isset.tasks = true;
  for (const auto& [role, quota] : state.quotas()) {
    storage::QuotaConfiguration qc;
    qc.role = role;
    qc.quota = wire::ToResourceAggregate(quota);
    snap.quotaConfigurations.insert(std::move(qc));
  }
  snap.__isset.quotaConfigurations = true;
  EncodeUpdateRecords(state, &snap);
  for (const auto& [key, job] : *state.cron_jobs().all()) {
    storage::StoredCronJob stored;
    stored.jobConfiguration = wire::ToThrift(*job);
    snap.cronJobs.insert(std::move(stored));
  }
  snap.__isset.cronJobs = true;
  EncodeMaintenance(state, &snap);
  return wire::SerializeCompact(snap);
}

absl::Status DecodeSnapshot(const std::string& bytes, state::ClusterState* out) {
  storage::Snapshot snap;
  RETURN_IF_ERROR(wire::DeserializeCompact(bytes, &snap));
  ASSIGN_OR_RETURN(auto tasks, DecodeTasks(snap.tasks));
  *out = state::ClusterState();
  out->Apply(state::SaveTasks{std::move(tasks)});
  for (const auto& qc : snap.quotaConfigurations) {
    ASSIGN_OR_RETURN(model::Resources quota, wire::FromThrift(qc.quota));
    out->Apply(state::SaveQuota{qc.role, std::move(quota)});
  }
  for (const auto& stored : snap.cronJobs) {
    ASSIGN_OR_RETURN(model::JobConfiguration job,
                     DecodeCronJob(stored.jobConfiguration, "cronJobs"));
    out->Apply(state::SaveCronJob{std::move(job)});
  }
  RETURN_IF_ERROR(DecodeMaintenance(snap, out));
  return DecodeUpdateRecords(snap, out);
}

}  // namespace borealis::scheduler
