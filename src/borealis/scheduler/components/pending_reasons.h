// PendingReasonTracker: why each PENDING task waits, as the last placement pass explained
// it (host counts per veto), for readers (getPendingReason, /pendingtasks, the UI).
//
// The map is published as a shared immutable value: a pass replaces it whole, and a task
// that leaves PENDING for good (terminal, deleted) is dropped by copying it, so readers
// holding an earlier view never see it change.
//
// Thread contract: the owner's thread; published() maps are immutable and may go anywhere.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "borealis/model/ids.h"

namespace borealis::scheduler {

using PendingReasons = std::map<model::TaskId, std::string>;  // why each task waits

class PendingReasonTracker {
 public:
  // The reasons of a whole pass (every task still PENDING after it).
  void Replace(PendingReasons reasons);
  // No task is PENDING.
  void Clear();
  // `task_id` is no longer PENDING and will not be again.
  void Forget(const model::TaskId& task_id);

  const std::shared_ptr<const PendingReasons>& published() const { return reasons_; }

 private:
  std::shared_ptr<const PendingReasons> reasons_ = std::make_shared<const PendingReasons>();
};

}  // namespace borealis::scheduler
