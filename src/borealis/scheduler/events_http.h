// GET /events (docs/events.md): the query's filters and resume index, and the stream or
// the refusal (400 bad parameter, 410 gone, 503 too many streams) as an HTTP response.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "borealis/core/event_window.h"
#include "borealis/net/http.h"
#include "borealis/scheduler/event_hub.h"

namespace borealis::scheduler {

struct EventsQuery {
  core::EventFilter filter;
  std::optional<uint64_t> after;  // ?index=N
};

// Parses the raw target's query: job, role, host and type may repeat (or list values
// separated by commas); index once. An error names the parameter.
absl::StatusOr<EventsQuery> ParseEventsQuery(const std::string& target);

net::HttpResponse ServeEvents(EventHub& hub, const net::HttpRequest& request);

}  // namespace borealis::scheduler
