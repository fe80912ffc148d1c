#include "borealis/state/task_table.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <string>

namespace borealis::state {

namespace {
const model::JobKey& NoJob() {
  static const model::JobKey none;
  return none;
}
}  // namespace

TaskTable::TaskTable() : chunks_(std::make_shared<Chunks>()) {}

const model::JobKey& TaskTable::JobOf(const model::Task& task) {
  return task.config ? task.config->job : NoJob();
}

size_t TaskTable::ChunkFor(const model::JobKey& job) const {
  const Chunks& chunks = *chunks_;
  auto it = std::partition_point(chunks.begin(), chunks.end(), [&](const auto& chunk) {
    return chunk->rbegin()->first < job;
  });
  if (it == chunks.end()) --it;
  return static_cast<size_t>(it - chunks.begin());
}

const TaskTable::JobTasks* TaskTable::Job(const model::JobKey& job) const {
  if (chunks_->empty()) return nullptr;
  const Jobs& chunk = *(*chunks_)[ChunkFor(job)];
  auto it = chunk.find(job);
  return it == chunk.end() ? nullptr : it->second.get();
}

const TaskPtr& TaskTable::at(const model::TaskId& task_id_ref) const {
  const std::string_view task_id = task_id_ref.str();
  for (const auto& chunk : *chunks_) {
    for (const auto& [job, tasks] : *chunk) {
      auto it = tasks->find(task_id);
      if (it != tasks->end()) return it->second;
    }
  }
  throw std::out_of_range("TaskTable::at: unknown task id " + std::string(task_id));
}

TaskTable::JobTasks& TaskTable::MutableJob(const model::JobKey& job) {
  // A snapshot may share the chunk list: copy it (chunk pointers only) before changing it.
  if (chunks_.use_count() > 1) {
    chunks_ = std::make_shared<Chunks>(*chunks_);
    last_ = LastJob();
  }
  if (last_.tasks == nullptr || *last_.key != job) {
    Chunks& chunks = *chunks_;
    if (chunks.empty()) chunks.push_back(std::make_shared<Jobs>());  // empty only until below
    const size_t c = chunks.front()->empty() ? 0 : ChunkFor(job);
    if (chunks[c].use_count() > 1) chunks[c] = std::make_shared<Jobs>(*chunks[c]);
    auto it = chunks[c]->try_emplace(job).first;
    // Taken before a split: pointers to a map element stay valid when its node moves.
    last_.key = &it->first;
    last_.tasks = &it->second;
    if (chunks[c]->size() > kMaxChunk) {  // split: the upper half becomes the next chunk
      auto upper = std::make_shared<Jobs>();
      Jobs& lower = *chunks[c];
      auto from = std::next(lower.begin(), static_cast<std::ptrdiff_t>(lower.size() / 2));
      while (from != lower.end()) upper->insert(upper->end(), lower.extract(from++));
      chunks.insert(chunks.begin() + static_cast<std::ptrdiff_t>(c) + 1, std::move(upper));
    }
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
  auto it = tasks.find(std::string_view(task->task_id.str()));
  if (it == tasks.end()) {
    const std::string_view id = task->task_id.str();
    tasks.emplace(id, std::move(task));
    ++size_;
    return nullptr;
  }
  // The key views the old task's id: re-key the node to the new task's before the old one
  // can go (no allocation: the node is reused).
  auto node = tasks.extract(it++);
  TaskPtr old = std::move(node.mapped());
  node.key() = task->task_id.str();
  node.mapped() = std::move(task);
  tasks.insert(it, std::move(node));
  return old;
}

bool TaskTable::Erase(const model::JobKey& job_ref, const model::TaskId& task_id_typed) {
  const std::string_view task_id_ref = task_id_typed.str();
  // `job_ref` may live in the task being erased (its config): keep a copy.
  const model::JobKey job = job_ref;
  const std::string id(task_id_ref);  // likewise its id
  const JobTasks* found = Job(job);
  if (found == nullptr || found->count(id) == 0) return false;
  JobTasks& tasks = MutableJob(job);  // makes the chunk list and the job's chunk ours
  tasks.erase(id);
  --size_;
  if (tasks.empty()) {
    Chunks& chunks = *chunks_;
    const size_t c = ChunkFor(job);
    chunks[c]->erase(job);
    if (chunks[c]->empty()) chunks.erase(chunks.begin() + static_cast<std::ptrdiff_t>(c));
    last_ = LastJob();
  }
  return true;
}

}  // namespace borealis::state
