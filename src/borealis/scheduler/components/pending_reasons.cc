#include "borealis/scheduler/components/pending_reasons.h"

#include <utility>

namespace borealis::scheduler {

void PendingReasonTracker::Replace(PendingReasons reasons) {
  reasons_ = std::make_shared<const PendingReasons>(std::move(reasons));
}

void PendingReasonTracker::Clear() {
  if (!reasons_->empty()) reasons_ = std::make_shared<const PendingReasons>();
}

void PendingReasonTracker::Forget(const model::TaskId& task_id) {
  if (reasons_->count(task_id) == 0) return;
  auto reasons = std::make_shared<PendingReasons>(*reasons_);  // readers share the map
  reasons->erase(task_id);
  reasons_ = std::move(reasons);
}

}  // namespace borealis::scheduler
