#include "borealis/scheduler/components/pending_reasons.h"

#include <utility>

namespace borealis::scheduler {

PendingReasons::PendingReasons(const std::vector<core::ClassReason>& classes,
                               const std::map<model::TaskId, std::string>& unclassed,
                               int64_t now) {
  by_class_.reserve(classes.size());
  for (const core::ClassReason& c : classes) {
    by_class_[c.config.get()] = ClassEntry{c.config, PendingReason{c.reason, c.tried_ms}};
  }
  for (const auto& [id, text] : unclassed) by_task_[id] = PendingReason{text, now};
}

const PendingReason* PendingReasons::Find(const model::Task& task) const {
  if (task.config != nullptr) {
    auto it = by_class_.find(task.config.get());
    if (it != by_class_.end()) return &it->second.reason;
  }
  if (by_task_.empty()) return nullptr;
  auto it = by_task_.find(task.task_id);
  return it == by_task_.end() ? nullptr : &it->second;
}

void PendingReasonTracker::Replace(const std::vector<core::ClassReason>& classes,
                                   const std::map<model::TaskId, std::string>& unclassed,
                                   int64_t now) {
  if (classes.empty() && unclassed.empty()) {
    Clear();
    return;
  }
  reasons_ = std::make_shared<const PendingReasons>(classes, unclassed, now);
}

void PendingReasonTracker::Clear() {
  if (!reasons_->empty()) reasons_ = std::make_shared<const PendingReasons>();
}

}  // namespace borealis::scheduler
