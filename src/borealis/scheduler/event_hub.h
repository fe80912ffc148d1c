// EventHub: the scheduler's event stream (docs/events.md). SchedulerCore hands it each
// commit's events once durable (EventSink); it numbers them and keeps the newest in a
// bounded window (core/event_window.h), and passes them on to the open GET /events streams
// and to its listeners (the webhook).
//
// Each stream has a bounded queue of lines its connection has not taken yet; a stream
// whose queue is full (a client reading slower than events come) gets a final line saying
// so, with the index to resume after, and ends. At most `max_streams` streams are open.
//
// Thread contract: the EventSink methods run on the core's thread; Subscribe and the
// accessors on any thread; streams are pulled on the HTTP server's I/O threads. One mutex
// guards the window and the list of streams, so a new stream's replay and its live events
// neither overlap nor leave a gap.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "borealis/base/mutex.h"
#include "borealis/core/event_window.h"
#include "borealis/model/event.h"
#include "borealis/net/http.h"
#include "borealis/scheduler/event_sink.h"

namespace borealis::scheduler {

struct EventHubOptions {
  size_t window = 10'000;        // events kept for resuming (--event-window)
  size_t max_streams = 64;       // open GET /events streams (--event-max-streams)
  size_t client_queue = 10'000;  // lines a stream may have waiting (--event-client-queue)
};

// One event as its stream line's JSON (without the newline).
std::string EventJson(const model::SchedulerEvent& e);

class EventSubscriber;

class EventHub final : public EventSink {
 public:
  explicit EventHub(EventHubOptions options) : options_(options), window_(options.window) {}

  void StartAt(uint64_t first_seq) override ABSL_LOCKS_EXCLUDED(mu_);
  void Restarted() override ABSL_LOCKS_EXCLUDED(mu_);
  void PublishRecord(uint64_t seq, std::vector<model::SchedulerEvent> events) override
      ABSL_LOCKS_EXCLUDED(mu_);
  void PublishUnrecorded(std::vector<model::SchedulerEvent> events) override
      ABSL_LOCKS_EXCLUDED(mu_);

  // Why a stream was refused: the HTTP status (410 gone, 503 too many streams) and a JSON
  // body.
  struct Refusal {
    int status;
    std::string body;
  };
  // A stream of the events after index `after` (nullopt: only those to come) that pass
  // `filter`.
  std::variant<std::shared_ptr<net::ResponseStream>, Refusal> Subscribe(
      core::EventFilter filter, std::optional<uint64_t> after) ABSL_LOCKS_EXCLUDED(mu_);

  // Called with each published run of numbered events, on the core's thread; must not
  // block (the webhook queues them).
  using Listener = std::function<void(const std::vector<model::SchedulerEvent>&)>;
  void AddListener(Listener listener) ABSL_LOCKS_EXCLUDED(mu_);

  size_t open_streams() const ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t last_index() const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t slow_consumers_dropped() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Deliver(const std::vector<model::SchedulerEvent>& events) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  size_t PruneLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const EventHubOptions options_;
  mutable base::Mutex mu_;
  core::EventWindow window_ ABSL_GUARDED_BY(mu_);
  std::vector<std::weak_ptr<EventSubscriber>> subscribers_ ABSL_GUARDED_BY(mu_);
  std::vector<Listener> listeners_ ABSL_GUARDED_BY(mu_);
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace borealis::scheduler
