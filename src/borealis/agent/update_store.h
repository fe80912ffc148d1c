// The agent's unacknowledged status updates, one file each under <work-dir>/updates/.
//
// Invariants: an update is on disk before Add() returns and stays there until Acknowledge()
// of its uuid; updates of one task keep the order they were added in (also across
// restarts: file names carry a counter); a uuid appears at most once.
// Thread contract: not thread-safe; owned by the agent's control thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "borealis/base/status.h"
#include "borealis/model/schedule_status.h"

namespace borealis::agent {

struct PendingUpdate {
  uint64_t order = 0;  // assigned by the store; increasing
  std::string uuid;
  std::string task_id;
  model::ScheduleStatus status = model::ScheduleStatus::kInit;
  std::string message;
  int64_t timestamp_ms = 0;
};

class UpdateStore {
 public:
  // Loads every update file of `dir` (creating the directory if needed). Leftover temp
  // files are removed; an unreadable update file is an error naming it.
  static absl::StatusOr<UpdateStore> Open(std::string dir);

  // Persists `update` (its order is assigned here) and queues it behind the task's others.
  // Returns the stored copy.
  absl::StatusOr<PendingUpdate> Add(PendingUpdate update);

  // Forgets the update with this uuid and deletes its file. Returns its task id, or nullopt
  // when the uuid is not pending (a duplicate acknowledgement).
  absl::StatusOr<std::optional<std::string>> Acknowledge(const std::string& uuid);

  // Pointers below stay valid until the next Add or Acknowledge.
  // The oldest pending update of a task, or nullptr.
  const PendingUpdate* Head(const std::string& task_id) const;
  // The oldest pending update of every task, in the order they were added.
  std::vector<const PendingUpdate*> Heads() const;
  // Every pending update, in the order they were added.
  std::vector<const PendingUpdate*> All() const;

  bool ContainsUuid(const std::string& uuid) const { return by_uuid_.contains(uuid); }
  size_t size() const { return by_uuid_.size(); }

 private:
  explicit UpdateStore(std::string dir) : dir_(std::move(dir)) {}
  std::string FileFor(uint64_t order) const;

  std::string dir_;
  uint64_t next_order_ = 1;
  std::map<std::string, std::deque<PendingUpdate>> by_task_;
  std::map<std::string, std::string> by_uuid_;  // uuid -> task id
};

// JSON form of one update file.
std::string EncodePendingUpdate(const PendingUpdate& update);
absl::StatusOr<PendingUpdate> DecodePendingUpdate(std::string_view json);

}  // namespace borealis::agent
