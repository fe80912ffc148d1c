// TaskTable: every task, grouped by job, with copy-on-write at three levels so that
// publishing a read view after each commit costs neither O(tasks) nor O(jobs).
//
// A table is a shared pointer to an ordered run of chunks; a chunk is a shared map of up to
// kMaxChunk consecutive jobs (job → shared map of task id → task). Copying a TaskTable is
// cheap and gives an immutable snapshot. The writer's next change after a snapshot copies
// the chunk list (one pointer per chunk) once, each chunk it touches once, and each job's
// map it touches once: a commit that changes k jobs of J copies about J / kMaxChunk + k ×
// (kMaxChunk + that job's tasks) pointers, where one map of every job cost J nodes per
// commit once the cluster had tens of thousands of jobs.
//
// Iteration visits jobs in JobKey order and, within a job, tasks in id order, yielding
// `std::pair<const std::string_view, TaskPtr>` like a std::map (so `for (auto& [id, t] :
// table)`). The key views the task's own id (each entry's task outlives its key), so the id
// is stored once.
// Tasks without a config are kept under an empty JobKey.
//
// Thread contract: a TaskTable value is not synchronised; the writer owns its table and
// hands out copies (snapshots) that other threads may read concurrently.
#pragma once

#include <cstddef>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "borealis/model/job_key.h"
#include "borealis/model/task.h"


namespace borealis::state {

using TaskPtr = std::shared_ptr<const model::Task>;

class TaskTable {
 public:
  using JobTasks = std::map<std::string_view, TaskPtr>;  // task id (the task's own) → task
  using value_type = JobTasks::value_type;

 private:
  using Jobs = std::map<model::JobKey, std::shared_ptr<JobTasks>>;  // one chunk
  using Chunks = std::vector<std::shared_ptr<Jobs>>;  // in key order, none empty

 public:
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = TaskTable::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = const value_type*;
    using reference = const value_type&;

    const_iterator() = default;
    reference operator*() const { return *inner_; }
    pointer operator->() const { return &*inner_; }
    const_iterator& operator++() {
      ++inner_;
      Settle();
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const const_iterator& o) const {
      return chunk_ == o.chunk_ && (chunk_ == end_ || (job_ == o.job_ && inner_ == o.inner_));
    }

   private:
    friend class TaskTable;
    using Outer = Chunks::const_iterator;
    using Mid = Jobs::const_iterator;
    const_iterator(Outer chunk, Outer end) : chunk_(chunk), end_(end) {
      if (chunk_ != end_) EnterChunk();
      Settle();
    }
    void EnterChunk() {
      job_ = (*chunk_)->begin();
      if (job_ != (*chunk_)->end()) inner_ = job_->second->begin();
    }
    // Moves on from an exhausted job or chunk to the next task, or to the end.
    void Settle() {
      while (chunk_ != end_) {
        if (job_ == (*chunk_)->end()) {
          if (++chunk_ != end_) EnterChunk();
        } else if (inner_ == job_->second->end()) {
          if (++job_ != (*chunk_)->end()) inner_ = job_->second->begin();
        } else {
          return;
        }
      }
    }
    Outer chunk_, end_;
    Mid job_;
    JobTasks::const_iterator inner_;
  };

  TaskTable();

  const_iterator begin() const { return const_iterator(chunks_->begin(), chunks_->end()); }
  const_iterator end() const { return const_iterator(chunks_->end(), chunks_->end()); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // The tasks of one job (id order), or nullptr when it has none.
  const JobTasks* Job(const model::JobKey& job) const;
  // Finds a task by id without knowing its job, like std::map::at: O(jobs × log); throws
  // std::out_of_range when the id is unknown. The writer has its own id index
  // (ClusterState::FindTask); this is for readers of a snapshot.
  const TaskPtr& at(const model::TaskId& task_id) const;

  // ---- writer side (never on a snapshot that others read: copy-on-write guards it)
  // Stores `task` under its job, replacing the task of the same id in that job; returns the
  // task it replaced (null when there was none).
  TaskPtr Put(TaskPtr task);
  // Removes the task `task_id` of `job`; false when it is not there.
  bool Erase(const model::JobKey& job, const model::TaskId& task_id);

  // The job a task is filed under.
  static const model::JobKey& JobOf(const model::Task& task);

  // Jobs per chunk before it is split in two.
  static constexpr size_t kMaxChunk = 128;

 private:
  // The chunk that holds `job`, or would: the first whose last job is not below it, else
  // the last. Precondition: some chunk.
  size_t ChunkFor(const model::JobKey& job) const;
  JobTasks& MutableJob(const model::JobKey& job);

  // The writer's last job, a slot of one of its chunks: consecutive changes mostly touch
  // one job, and comparing its key once is cheaper than a search. Copies of the table
  // start without it, and it is dropped whenever the chunk list or a chunk is replaced,
  // split or erased from.
  struct LastJob {
    const model::JobKey* key = nullptr;
    std::shared_ptr<JobTasks>* tasks = nullptr;
    LastJob() = default;
    LastJob(const LastJob&) {}
    LastJob& operator=(const LastJob&) {
      key = nullptr;
      tasks = nullptr;
      return *this;
    }
  };

  std::shared_ptr<Chunks> chunks_;
  size_t size_ = 0;
  LastJob last_;
};

}  // namespace borealis::state
