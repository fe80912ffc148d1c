// PendingReasonTracker: why each PENDING task waits, for readers (getPendingReason,
// /pendingtasks, the UI). A task placement left unplaced belongs to a class parked by the
// blocked set (components/blocked_set.h): its reason is its class's, the veto counts (host
// counts per veto) of the class's last try, with the time of that try; the class's
// reason is refreshed whenever it is woken or re-checked and fails again. A task placement
// has not tried yet, or whose class fits again, has no reason.
//
// The reasons are published as a shared immutable value, one entry per class (not per
// task: a backlog of 50,000 tasks in a few hundred classes publishes a few hundred
// entries), replaced whole when the parked classes change.
//
// Thread contract: the owner's thread; published() values are immutable and may go
// anywhere.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "borealis/core/blocked.h"
#include "borealis/model/ids.h"
#include "borealis/model/task.h"

namespace borealis::scheduler {

struct PendingReason {
  std::string text;      // "3 hosts: insufficient ram; 1 host: limit rack"
  int64_t tried_ms = 0;  // when placement last tried the task's class
};

// The reasons of the parked classes (and of tasks that belong to none).
class PendingReasons {
 public:
  PendingReasons() = default;
  PendingReasons(const std::vector<core::ClassReason>& classes,
                 const std::map<model::TaskId, std::string>& unclassed, int64_t now);
  // Why `task` (PENDING) waits, or null when placement has no reason for it.
  const PendingReason* Find(const model::Task& task) const;
  bool empty() const { return by_class_.empty() && by_task_.empty(); }
  size_t classes() const { return by_class_.size(); }

 private:
  struct ClassEntry {
    std::shared_ptr<const model::TaskConfig> config;  // keeps the key's address unique
    PendingReason reason;
  };
  absl::flat_hash_map<const model::TaskConfig*, ClassEntry> by_class_;
  std::map<model::TaskId, PendingReason> by_task_;  // tasks without a config
};

class PendingReasonTracker {
 public:
  // The reasons after a pass at `now`: the parked classes' and those of `unclassed` tasks.
  void Replace(const std::vector<core::ClassReason>& classes,
               const std::map<model::TaskId, std::string>& unclassed, int64_t now);
  // No task is PENDING.
  void Clear();

  const std::shared_ptr<const PendingReasons>& published() const { return reasons_; }

 private:
  std::shared_ptr<const PendingReasons> reasons_ = std::make_shared<const PendingReasons>();
};

}  // namespace borealis::scheduler
