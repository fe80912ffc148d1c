// TaskTable: every task, grouped by job, with copy-on-write at two levels so that
// publishing a read view after each commit costs O(jobs), not O(tasks).
//
// A table is a shared pointer to a job → (task id → task) map whose per-job maps are shared
// too. Copying a TaskTable is cheap and gives an immutable snapshot; the writer's next
// change to a job copies the outer map (pointers only) once per snapshot and that job's map
// once per snapshot. A commit that touches 40 of 1,000 jobs copies those 40 jobs' maps.
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

#include "borealis/model/types.h"

namespace borealis::state {

using TaskPtr = std::shared_ptr<const model::Task>;

class TaskTable {
 public:
  using JobTasks = std::map<std::string_view, TaskPtr>;  // task id (the task's own) → task
  using value_type = JobTasks::value_type;

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
      SkipEmpty();
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const const_iterator& o) const {
      return outer_ == o.outer_ && (outer_ == end_ || inner_ == o.inner_);
    }

   private:
    friend class TaskTable;
    using Outer = std::map<model::JobKey, std::shared_ptr<JobTasks>>::const_iterator;
    const_iterator(Outer outer, Outer end) : outer_(outer), end_(end) {
      if (outer_ != end_) inner_ = outer_->second->begin();
      SkipEmpty();
    }
    void SkipEmpty() {
      while (outer_ != end_ && inner_ == outer_->second->end()) {
        ++outer_;
        if (outer_ != end_) inner_ = outer_->second->begin();
      }
    }
    Outer outer_, end_;
    JobTasks::const_iterator inner_;
  };

  TaskTable();

  const_iterator begin() const { return const_iterator(jobs_->begin(), jobs_->end()); }
  const_iterator end() const { return const_iterator(jobs_->end(), jobs_->end()); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // The tasks of one job (id order), or nullptr when it has none.
  const JobTasks* Job(const model::JobKey& job) const;
  // Finds a task by id without knowing its job, like std::map::at: O(jobs × log); throws
  // std::out_of_range when the id is unknown. The writer has its own id index
  // (ClusterState::FindTask); this is for readers of a snapshot.
  const TaskPtr& at(std::string_view task_id) const;

  // ---- writer side (never on a snapshot that others read: copy-on-write guards it)
  // Stores `task` under its job, replacing the task of the same id in that job; returns the
  // task it replaced (null when there was none).
  TaskPtr Put(TaskPtr task);
  // Removes the task `task_id` of `job`; false when it is not there.
  bool Erase(const model::JobKey& job, std::string_view task_id);

  // The job a task is filed under.
  static const model::JobKey& JobOf(const model::Task& task);

 private:
  using Jobs = std::map<model::JobKey, std::shared_ptr<JobTasks>>;
  JobTasks& MutableJob(const model::JobKey& job);

  // The writer's last job, a slot of *jobs_: consecutive changes mostly touch one job, and
  // comparing its key once is cheaper than a search. Copies of the table start without it,
  // and it is dropped whenever jobs_ is replaced or a job erased.
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

  std::shared_ptr<Jobs> jobs_;
  size_t size_ = 0;
  LastJob last_;
};

}  // namespace borealis::state
