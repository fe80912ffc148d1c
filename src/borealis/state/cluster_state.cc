#include "borealis/state/cluster_state.h"

#include <algorithm>
#include <stdexcept>

namespace borealis::state {

using model::ScheduleStatus;

bool PendingOrder::operator()(const model::Task* a, const model::Task* b) const {
  const int32_t pa = a->config ? a->config->priority : 0;
  const int32_t pb = b->config ? b->config->priority : 0;
  if (pa != pb) return pa > pb;
  if (a->config != b->config) {  // tasks of a job mostly share their config
    const model::JobKey& ja = TaskTable::JobOf(*a);
    const model::JobKey& jb = TaskTable::JobOf(*b);
    if (ja != jb) return ja < jb;
  }
  if (a->instance_id != b->instance_id) return a->instance_id < b->instance_id;
  return a->task_id < b->task_id;
}

namespace {

// Whether `a` and `b` are indexed in the same AgentLoad with the same resources and ports.
bool HoldsSameLoad(const model::Task& a, const model::Task& b) {
  return model::IsSlaveAssigned(a.status) && model::IsSlaveAssigned(b.status) &&
         !a.agent_id.empty() && a.agent_id == b.agent_id && a.config == b.config &&
         a.assigned_ports == b.assigned_ports;
}

}  // namespace

std::optional<TaskDelta> DeltaOf(const model::Task& before, const model::Task& after) {
  if (before.task_id != after.task_id || before.config != after.config ||
      before.instance_id != after.instance_id || before.ancestor_id != after.ancestor_id ||
      after.events.size() < before.events.size() ||
      !std::equal(before.events.begin(), before.events.end(), after.events.begin())) {
    return std::nullopt;
  }
  TaskDelta d;
  d.task_id = after.task_id;
  d.status = after.status;
  d.new_events.assign(after.events.begin() + static_cast<std::ptrdiff_t>(before.events.size()),
                      after.events.end());
  if (after.agent_id != before.agent_id) d.agent_id = after.agent_id;
  if (after.agent_host != before.agent_host) d.agent_host = after.agent_host;
  if (after.assigned_ports != before.assigned_ports) d.assigned_ports = after.assigned_ports;
  if (after.failure_count != before.failure_count) d.failure_count = after.failure_count;
  if (after.times_partitioned != before.times_partitioned) {
    d.times_partitioned = after.times_partitioned;
  }
  return d;
}

model::Task ApplyDelta(const model::Task& before, const TaskDelta& delta) {
  model::Task t = before;
  t.status = delta.status;
  t.events.insert(t.events.end(), delta.new_events.begin(), delta.new_events.end());
  if (delta.agent_id) t.agent_id = *delta.agent_id;
  if (delta.agent_host) t.agent_host = *delta.agent_host;
  if (delta.assigned_ports) t.assigned_ports = *delta.assigned_ports;
  if (delta.failure_count) t.failure_count = *delta.failure_count;
  if (delta.times_partitioned) t.times_partitioned = *delta.times_partitioned;
  return t;
}

std::vector<const model::Task*> SortedById(const TaskSet& set) {
  std::vector<const model::Task*> out(set.begin(), set.end());
  std::sort(out.begin(), out.end(), [](const model::Task* a, const model::Task* b) {
    return a->task_id < b->task_id;
  });
  return out;
}

bool ClusterState::IsIndexedStatus(ScheduleStatus status) {
  switch (status) {
    case ScheduleStatus::kThrottled:
    case ScheduleStatus::kAssigned:
    case ScheduleStatus::kKilling:
    case ScheduleStatus::kPreempting:
    case ScheduleStatus::kRestarting:
    case ScheduleStatus::kDraining:
    case ScheduleStatus::kPartitioned:
      return true;
    default:
      return false;
  }
}

const TaskSet& ClusterState::InStatus(ScheduleStatus status) const {
  if (!IsIndexedStatus(status)) {
    throw std::invalid_argument("ClusterState::InStatus: status is not indexed");
  }
  return in_status_[static_cast<size_t>(status)];
}

void ClusterState::Index(const model::Task& t, bool load_too, bool count_too) {
  if (t.status == ScheduleStatus::kPending) {
    pending_.insert(&t);
    auto parked = t.config ? parked_.find(t.config.get()) : parked_.end();
    if (parked != parked_.end()) {
      ++parked->second.tasks;
    } else {
      runnable_.insert(&t);
    }
  }
  if (IsIndexedStatus(t.status)) in_status_[static_cast<size_t>(t.status)].insert(&t);
  if (load_too && model::IsSlaveAssigned(t.status) && !t.agent_id.empty()) {
    AgentLoad& load = loads_[t.agent_id];
    changed_loads_.push_back(t.agent_id);
    if (t.config) {
      const model::Resources& r = t.config->resources;
      load.used.milli_cpus += r.milli_cpus;
      load.used.ram_mb += r.ram_mb;
      load.used.disk_mb += r.disk_mb;
      load.used.gpus += r.gpus;
    }
    ++load.task_count;
    for (const auto& [name, port] : t.assigned_ports) {
      if (!load.ports.insert(port).second) ++load.extra_holders[port];
    }
    load.tasks.insert(&t);
    load.stamp = ++load_stamps_;
  }
  if (count_too) CountActive(t, +1);
}

void ClusterState::Unindex(const model::Task& t, bool load_too, bool count_too) {
  if (t.status == ScheduleStatus::kPending) {
    pending_.erase(&t);
    auto parked = t.config ? parked_.find(t.config.get()) : parked_.end();
    if (parked != parked_.end()) {
      --parked->second.tasks;
    } else {
      runnable_.erase(&t);
    }
  }
  if (IsIndexedStatus(t.status)) in_status_[static_cast<size_t>(t.status)].erase(&t);
  if (load_too && model::IsSlaveAssigned(t.status) && !t.agent_id.empty()) {
    auto it = loads_.find(t.agent_id);
    if (it != loads_.end()) {
      changed_loads_.push_back(t.agent_id);
      AgentLoad& load = it->second;
      if (t.config) {
        const model::Resources& r = t.config->resources;
        load.used.milli_cpus -= r.milli_cpus;
        load.used.ram_mb -= r.ram_mb;
        load.used.disk_mb -= r.disk_mb;
        load.used.gpus -= r.gpus;
      }
      --load.task_count;
      for (const auto& [name, port] : t.assigned_ports) {
        auto extra = load.extra_holders.find(port);
        if (extra == load.extra_holders.end()) {
          load.ports.erase(port);
        } else if (--extra->second <= 0) {
          load.extra_holders.erase(extra);
        }
      }
      load.tasks.erase(&t);
      load.stamp = ++load_stamps_;
      freed_loads_.emplace_back(t.agent_id, TaskTable::JobOf(t));
      if (load.task_count <= 0) loads_.erase(it);
    }
  }
  if (count_too) CountActive(t, -1);
}

std::shared_ptr<const TaskMap> ClusterState::tasks() const {
  if (!snapshot_) snapshot_ = std::make_shared<const TaskMap>(table_);
  return snapshot_;
}

void ClusterState::Apply(const Mutation& m,
                         std::vector<std::shared_ptr<const model::Task>>* replaced) {
  ++version_;
  snapshot_.reset();  // readers keep theirs; an unread one need not be copied around
  if (const auto* save = std::get_if<SaveTasks>(&m)) {
    for (const auto& t : save->tasks) {
      auto old = Save(std::make_shared<const model::Task>(t));
      if (replaced) replaced->push_back(std::move(old));
    }
    for (const auto& t : save->shared) {
      auto old = Save(t);
      if (replaced) replaced->push_back(std::move(old));
    }
  } else if (const auto* change = std::get_if<ChangeTasks>(&m)) {
    for (const TaskDelta& d : change->deltas) {
      const model::Task* t = FindTask(d.task_id);
      if (t != nullptr) Save(std::make_shared<const model::Task>(ApplyDelta(*t, d)));
    }
  } else if (const auto* remove = std::get_if<RemoveTasks>(&m)) {
    for (const auto& id : remove->task_ids) {
      auto it = by_id_.find(std::string_view(id.str()));
      if (it == by_id_.end()) continue;
      const model::Task* t = it->get();  // the table holds it until its Erase
      Unindex(*t);
      by_id_.erase(it);
      table_.Erase(TaskTable::JobOf(*t), id);  // `id` may be owned by the caller: fine
    }
  } else if (const auto* save_quota = std::get_if<SaveQuota>(&m)) {
    quotas_[save_quota->role] = save_quota->quota;
  } else if (const auto* remove_quota = std::get_if<RemoveQuota>(&m)) {
    quotas_.erase(remove_quota->role);
  } else if (const auto* u = std::get_if<SaveJobUpdate>(&m)) {
    updates_.Apply(*u);
  } else if (const auto* ue = std::get_if<SaveJobUpdateEvent>(&m)) {
    updates_.Apply(*ue);
  } else if (const auto* ie = std::get_if<SaveJobInstanceUpdateEvent>(&m)) {
    updates_.Apply(*ie);
  } else if (const auto* ru = std::get_if<RemoveJobUpdates>(&m)) {
    updates_.Apply(*ru);
  } else if (const auto* save_cron = std::get_if<SaveCronJob>(&m)) {
    cron_jobs_.Apply(*save_cron);
  } else if (const auto* remove_cron = std::get_if<RemoveCronJob>(&m)) {
    cron_jobs_.Apply(*remove_cron);
  } else if (const auto* mode = std::get_if<SaveHostMode>(&m)) {
    maintenance_.Apply(*mode);
  } else if (const auto* request = std::get_if<SaveMaintenanceRequest>(&m)) {
    maintenance_.Apply(*request);
  } else if (const auto* done = std::get_if<RemoveMaintenanceRequest>(&m)) {
    maintenance_.Apply(*done);
  }
}

void ClusterState::SaveInto(std::shared_ptr<const model::Task> task, SaveTasks* run) {
  ++version_;
  snapshot_.reset();
  // `replaced` lists `tasks` first, then `shared`: a run of copied tasks takes no more.
  if (run->replaced.size() < run->tasks.size()) {
    throw std::invalid_argument("ClusterState::SaveInto: the run's replaced list is short");
  }
  run->shared.push_back(task);
  run->replaced.push_back(Save(std::move(task)));
}

std::shared_ptr<const model::Task> ClusterState::Save(std::shared_ptr<const model::Task> stored) {
  std::shared_ptr<const model::Task> moved_job;  // the old version when the job changed
  const model::Task* before = nullptr;
  bool same_load = false;  // holds the same resources and ports on the same agent
  bool same_count = false;  // counts the same in active_by_job_
  // The id index's entry for this id, repointed below: the new version has the same id, so
  // the same hash and slot (one search instead of find, erase and insert).
  TaskPtr* slot = nullptr;
  if (auto old = by_id_.find(std::string_view(stored->task_id.str())); old != by_id_.end()) {
    before = old->get();
    slot = const_cast<TaskPtr*>(&*old);
    same_load = HoldsSameLoad(*before, *stored);
    same_count = before->config == stored->config &&
                 model::IsActive(before->status) == model::IsActive(stored->status);
    Unindex(*before, !same_load, !same_count);
    if (before->config != stored->config) {
      const model::JobKey& old_job = TaskTable::JobOf(*before);
      if (old_job != TaskTable::JobOf(*stored)) {
        moved_job = *slot;
        table_.Erase(old_job, stored->task_id);
      }
    }
  }
  const model::Task* now = stored.get();
  if (slot != nullptr) {
    *slot = stored;  // `before` stays alive: the table holds it until Put
  } else {
    by_id_.insert(stored);
  }
  std::shared_ptr<const model::Task> old = table_.Put(std::move(stored));
  Index(*now, !same_load, !same_count);
  if (same_load) {  // a status change on the agent (e.g. STARTING -> RUNNING): swap pointers
    AgentLoad& load = loads_.find(now->agent_id)->second;  // same_load: it is there
    load.tasks.erase(before);  // `old` or `moved_job` keeps it alive
    load.tasks.insert(now);
    load.stamp = ++load_stamps_;
  }
  return old ? old : moved_job;
}

std::shared_ptr<const model::Task> ClusterState::FindTaskPtr(const model::TaskId& task_id) const {
  auto it = by_id_.find(std::string_view(task_id.str()));
  return it == by_id_.end() ? nullptr : *it;
}

const model::TaskId* ClusterState::Unknown(const ChangeTasks& m) const {
  for (const TaskDelta& d : m.deltas) {
    if (FindTask(d.task_id) == nullptr) return &d.task_id;
  }
  return nullptr;
}

void ClusterState::CountActive(const model::Task& t, int64_t delta) {
  if (t.config == nullptr || !model::IsActive(t.status)) return;
  auto it = active_by_job_.try_emplace(t.config->job, 0).first;
  it->second += delta;
  if (it->second == 0) active_by_job_.erase(it);
  const std::string& role = t.config->job.role;
  auto use = quota_use_.find(role);
  if (use == quota_use_.end()) use = quota_use_.try_emplace(role).first;
  model::AddConfigToConsumption(*t.config, delta, use->second);
  if (use->second == model::QuotaConsumption{}) quota_use_.erase(use);
}

const model::QuotaConsumption& ClusterState::QuotaUse(const std::string& role) const {
  static const model::QuotaConsumption kNone;
  auto it = quota_use_.find(role);
  return it == quota_use_.end() ? kNone : it->second;
}

void ClusterState::SetParked(const std::shared_ptr<const model::TaskConfig>& config,
                             bool parked) {
  if (config == nullptr || parked == IsParked(config.get())) return;
  // The config's PENDING tasks, among its job's tasks.
  std::vector<const model::Task*> tasks;
  const TaskTable::JobTasks* job = table_.Job(config->job);
  if (job != nullptr) {
    for (const auto& [id, t] : *job) {
      if (t->status == ScheduleStatus::kPending && t->config == config) tasks.push_back(t.get());
    }
  }
  if (parked) {
    Parked& p = parked_[config.get()];
    p.config = config;
    p.tasks = tasks.size();
    for (const model::Task* t : tasks) runnable_.erase(t);
  } else {
    parked_.erase(config.get());
    for (const model::Task* t : tasks) runnable_.insert(t);
  }
}

size_t ClusterState::ParkedTasks(const model::TaskConfig* config) const {
  auto it = parked_.find(config);
  return it == parked_.end() ? 0 : it->second.tasks;
}

int64_t ClusterState::ActiveTaskCount(const model::JobKey& job) const {
  auto it = active_by_job_.find(job);
  return it == active_by_job_.end() ? 0 : it->second;
}

const model::Task* ClusterState::FindTask(const model::TaskId& task_id) const {
  auto it = by_id_.find(std::string_view(task_id.str()));
  return it == by_id_.end() ? nullptr : it->get();
}

const AgentLoad* ClusterState::LoadOf(const model::AgentId& agent_id) const {
  auto it = loads_.find(agent_id);
  return it == loads_.end() ? nullptr : &it->second;
}

const model::Resources* ClusterState::FindQuota(const std::string& role) const {
  auto it = quotas_.find(role);
  return it == quotas_.end() ? nullptr : &it->second;
}

std::vector<model::Task> ClusterState::AllTasks() const {
  std::vector<model::Task> out;
  out.reserve(table_.size());
  for (const auto& [id, t] : table_) out.push_back(*t);
  return out;
}

}  // namespace borealis::state
