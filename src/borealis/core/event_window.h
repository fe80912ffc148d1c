// The event stream's window (docs/events.md): the newest events, numbered from the storage
// log, bounded by count; what a client resuming after an index gets, or that it is gone.
//
// Numbering: an event derived from log record `seq` is (seq << kEventSeqShift) | its
// position among that record's events, so the same record numbers its events the same way
// when it is replayed after a restart. Host events belong to no record: they take the
// indexes after the last one given. After a restart they start half-way through the last
// record's range, above any host event numbered before the restart.
//
// Invariant: the window holds, in index order, every event with an index above floor()
// (the index of the newest event dropped, or everything before the first record replayed).
// Pure value; not thread-safe (scheduler/event_hub.h locks it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "borealis/model/event.h"

namespace borealis::core {

// Query filters of GET /events: an event passes when, for each non-empty set, one of its
// values matches (job "role/env/name", role, host, type).
struct EventFilter {
  std::set<std::string> jobs;
  std::set<std::string> roles;
  std::set<std::string> hosts;
  std::set<std::string> types;

  bool Matches(const model::SchedulerEvent& e) const;
};

class EventWindow {
 public:
  explicit EventWindow(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Before the records replayed at recovery: `first_seq` is the sequence of the first
  // record the log still holds (or of the next one when it holds none); the events of
  // earlier records are unknown.
  void StartAt(uint64_t first_seq);
  // After the replayed records: host events from now on sort after any numbered before the
  // restart within the last record's range.
  void Restarted();
  // Numbers the events of log record `seq` (in their canonical order) and keeps them.
  // Returns them numbered.
  std::vector<model::SchedulerEvent> AppendRecord(uint64_t seq,
                                                  std::vector<model::SchedulerEvent> events);
  // Numbers events that belong to no record, after the last index given.
  std::vector<model::SchedulerEvent> AppendUnrecorded(std::vector<model::SchedulerEvent> events);

  struct Gone {
    uint64_t oldest_index;     // the oldest event still held (0: none)
    uint64_t first_resumable;  // the smallest index a client may resume after
  };
  // The events after index `after` that pass `filter`, or Gone when some event after
  // `after` has been dropped.
  std::variant<std::vector<model::SchedulerEvent>, Gone> Since(uint64_t after,
                                                               const EventFilter& filter) const;

  uint64_t floor() const { return floor_; }
  uint64_t last_index() const { return last_; }
  size_t size() const { return events_.size(); }

 private:
  void Keep(model::SchedulerEvent e);

  size_t capacity_;
  std::deque<model::SchedulerEvent> events_;
  uint64_t floor_ = 0;
  uint64_t last_ = 0;
};

}  // namespace borealis::core
