#include "borealis/state/task_table.h"

#include <stdexcept>
#include <string>

namespace borealis::state {

namespace {
const model::JobKey& NoJob() {
  static const model::JobKey none;
  return none;
}
}  // namespace

TaskTable::TaskTable() : jobs_(std::make_shared<Jobs>()) {}

const model::JobKey& TaskTable::JobOf(const model::Task& task) {
  return task.config ? task.config->job : NoJob();
}

const TaskTable::JobTasks* TaskTable::Job(const model::JobKey& job) const {
  auto it = jobs_->find(job);
  return it == jobs_->end() ? nullptr : it->second.get();
}

const TaskPtr& TaskTable::at(std::string_view task_id) const {
  for (const auto& [job, tasks] : *jobs_) {
    auto it = tasks->find(task_id);
    if (it != tasks->end()) return it->second;
  }
  throw std::out_of_range("TaskTable::at: unknown task id " + std::string(task_id));
}

TaskTable::JobTasks& TaskTable::MutableJob(const model::JobKey& job) {
  // A snapshot may share the outer map: copy it (job pointers only) before changing it.
  if (jobs_.use_count() > 1) {
    jobs_ = std::make_shared<Jobs>(*jobs_);
    last_ = LastJob();
  }
  if (last_.tasks == nullptr || *last_.key != job) {
    auto it = jobs_->try_emplace(job).first;
    last_.key = &it->first;
    last_.tasks = &it->second;
  }
  std::shared_ptr<JobTasks>& tasks = *last_.tasks;
  if (!tasks) {
    tasks = std::make_shared<JobTasks>();
  } else if (tasks.use_count() > 1) {
    tasks = std::make_shared<JobTasks>(*tasks);  // a snapshot still reads the old one
  }
  return *tasks;
}

TaskPtr TaskTable::Put(TaskPtr task) {
  JobTasks& tasks = MutableJob(JobOf(*task));
  auto it = tasks.find(task->task_id);
  if (it == tasks.end()) {
    const std::string_view id = task->task_id;
    tasks.emplace(id, std::move(task));
    ++size_;
    return nullptr;
  }
  // The key views the old task's id: re-key the node to the new task's before the old one
  // can go (no allocation: the node is reused).
  auto node = tasks.extract(it++);
  TaskPtr old = std::move(node.mapped());
  node.key() = task->task_id;
  node.mapped() = std::move(task);
  tasks.insert(it, std::move(node));
  return old;
}

bool TaskTable::Erase(const model::JobKey& job_ref, std::string_view task_id_ref) {
  // `job_ref` may live in the task being erased (its config): keep a copy.
  const model::JobKey job = job_ref;
  const std::string id(task_id_ref);  // likewise its id
  auto found = jobs_->find(job);
  if (found == jobs_->end() || found->second->count(id) == 0) return false;
  JobTasks& tasks = MutableJob(job);
  tasks.erase(id);
  --size_;
  if (tasks.empty()) {
    jobs_->erase(job);  // MutableJob made jobs_ ours
    last_ = LastJob();
  }
  return true;
}

}  // namespace borealis::state
