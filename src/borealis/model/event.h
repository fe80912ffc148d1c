// One entry of the scheduler's event stream (docs/events.md): a task's state change, an
// update's or an update instance's state change, or a host event. A value; the stream's
// window (core/event_window.h) numbers and keeps them.
#pragma once

#include <cstdint>
#include <string>

#include "borealis/model/job_key.h"

namespace borealis::model {

struct SchedulerEvent {
  // Position in the stream: (log record sequence << kEventSeqShift) | position within the
  // record's events. 0 until the window numbers the event.
  uint64_t index = 0;
  int64_t time_ms = 0;  // UTC, milliseconds
  // "task", "update", "update_instance", "host_registered", "host_lost",
  // "host_maintenance" (the maintenance hook: SchedulerCore::PublishHostEvent).
  std::string type;
  JobKey job;            // task and update events
  std::string task_id;   // task events
  int32_t instance = -1;  // task and update_instance events
  std::string status;    // ScheduleStatus, UpdateStatus, UpdateAction or the host's mode
  std::string message;
  std::string host;       // task events (once assigned) and host events
  std::string update_id;  // update and update_instance events

  bool operator==(const SchedulerEvent&) const = default;
};

// Bits of an index that number the events within one log record.
inline constexpr int kEventSeqShift = 20;

}  // namespace borealis::model
