// HistoryPruner: removes terminal tasks from the state once their history is no longer
// wanted.
//
// Every history_prune_interval_ms (first on the first tick), terminal tasks get a removal
// deadline the first time the pruner sees them (core::PruneDeadlineMs), and
// core::SelectTasksToPrune picks what goes now — those past their deadline and, per job,
// the oldest beyond history_max_per_job_threshold. Removal is one RemoveTasks mutation.
//
// State: each terminal task's deadline, so that it is computed once. Thread contract: the
// owner's thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "borealis/scheduler/component.h"
#include "borealis/scheduler/rules.h"

namespace borealis::scheduler {

class HistoryPruner {
 public:
  explicit HistoryPruner(const RuleOptions& options) : options_(options) {}

  // Prunes when its interval has passed; returns whether it ran.
  bool Tick(int64_t now, ComponentContext& ctx);

  size_t tracked() const { return deadline_ms_.size(); }

 private:
  void Prune(int64_t now, ComponentContext& ctx);

  RuleOptions options_;
  bool started_ = false;
  int64_t next_prune_ms_ = 0;
  std::map<model::TaskId, int64_t> deadline_ms_;  // terminal task → when
};

}  // namespace borealis::scheduler
