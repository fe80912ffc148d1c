#include "borealis/state/cluster_state.h"

namespace borealis::state {

TaskMap& ClusterState::MutableTasks() {
  // Readers may hold the current map; never write into a map someone else can see.
  if (tasks_.use_count() > 1) tasks_ = std::make_shared<TaskMap>(*tasks_);
  return *tasks_;
}

void ClusterState::Apply(const Mutation& m) {
  ++version_;
  if (const auto* save = std::get_if<SaveTasks>(&m)) {
    TaskMap& tasks = MutableTasks();
    for (const auto& t : save->tasks) {
      TaskPtr& slot = tasks[t.task_id];
      if (slot) CountActive(*slot, -1);
      slot = std::make_shared<const model::Task>(t);
      CountActive(*slot, +1);
    }
  } else if (const auto* remove = std::get_if<RemoveTasks>(&m)) {
    TaskMap& tasks = MutableTasks();
    for (const auto& id : remove->task_ids) {
      auto it = tasks.find(id);
      if (it == tasks.end()) continue;
      CountActive(*it->second, -1);
      tasks.erase(it);
    }
  } else if (const auto* save_quota = std::get_if<SaveQuota>(&m)) {
    quotas_[save_quota->role] = save_quota->quota;
  } else if (const auto* remove_quota = std::get_if<RemoveQuota>(&m)) {
    quotas_.erase(remove_quota->role);
  }
}

void ClusterState::CountActive(const model::Task& t, int64_t delta) {
  if (t.config == nullptr || !model::IsActive(t.status)) return;
  auto it = active_by_job_.try_emplace(t.config->job, 0).first;
  it->second += delta;
  if (it->second == 0) active_by_job_.erase(it);
}

int64_t ClusterState::ActiveTaskCount(const model::JobKey& job) const {
  auto it = active_by_job_.find(job);
  return it == active_by_job_.end() ? 0 : it->second;
}

const model::Task* ClusterState::FindTask(const std::string& task_id) const {
  auto it = tasks_->find(task_id);
  return it == tasks_->end() ? nullptr : it->second.get();
}

const model::Resources* ClusterState::FindQuota(const std::string& role) const {
  auto it = quotas_.find(role);
  return it == quotas_.end() ? nullptr : &it->second;
}

std::vector<model::Task> ClusterState::AllTasks() const {
  std::vector<model::Task> out;
  out.reserve(tasks_->size());
  for (const auto& [id, t] : *tasks_) out.push_back(*t);
  return out;
}

}  // namespace borealis::state
