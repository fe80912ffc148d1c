// Where SchedulerCore hands the stream's events (docs/events.md) once they are durable:
// the daemon's EventHub (event_hub.h). The core calls it on its owner's thread only.
#pragma once

#include <cstdint>
#include <vector>

#include "borealis/model/event.h"

namespace borealis::scheduler {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Recovery, before the replayed records: the first record the log still holds.
  virtual void StartAt(uint64_t first_seq) = 0;
  // Recovery, after the replayed records.
  virtual void Restarted() = 0;
  // The events of log record `seq`, durable now, in their canonical order.
  virtual void PublishRecord(uint64_t seq, std::vector<model::SchedulerEvent> events) = 0;
  // Events no record holds (host events), released with a commit.
  virtual void PublishUnrecorded(std::vector<model::SchedulerEvent> events) = 0;
};

}  // namespace borealis::scheduler
