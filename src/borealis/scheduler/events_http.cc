// GET /events (see events_http.h).
#include "borealis/scheduler/events_http.h"

#include <set>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "borealis/net/url.h"

namespace borealis::scheduler {
namespace {

const std::set<std::string>& KnownTypes() {
  static const std::set<std::string> kTypes = {"task",          "update",
                                               "update_instance", "host_registered",
                                               "host_lost",     "host_maintenance"};
  return kTypes;
}

net::HttpResponse JsonError(int status, const std::string& message) {
  nlohmann::ordered_json j;
  j["error"] = message;
  return net::HttpResponse::Of(status, "application/json", j.dump() + "\n");
}

}  // namespace

absl::StatusOr<EventsQuery> ParseEventsQuery(const std::string& target) {
  EventsQuery out;
  const size_t q = target.find('?');
  if (q == std::string::npos) return out;
  const std::string query = target.substr(q + 1);
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t eq = pair.find('=');
    const std::string name = net::PercentDecode(
        std::string_view(pair.data(), eq == absl::string_view::npos ? pair.size() : eq), true);
    const std::string value =
        eq == absl::string_view::npos
            ? ""
            : net::PercentDecode(std::string_view(pair.data() + eq + 1, pair.size() - eq - 1),
                                 true);
    if (name == "index") {
      uint64_t index = 0;
      if (out.after.has_value() || !absl::SimpleAtoi(value, &index)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "index: expected one non-negative integer (the last index seen), got '", value,
            "'"));
      }
      out.after = index;
      continue;
    }
    std::set<std::string>* set = name == "job"    ? &out.filter.jobs
                                 : name == "role" ? &out.filter.roles
                                 : name == "host" ? &out.filter.hosts
                                 : name == "type" ? &out.filter.types
                                                  : nullptr;
    if (set == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown parameter '", name, "' (expected job, role, host, type or index)"));
    }
    for (absl::string_view v : absl::StrSplit(value, ',', absl::SkipEmpty())) {
      std::string item(v);
      if (name == "job" && std::vector<std::string>(absl::StrSplit(item, '/')).size() != 3) {
        return absl::InvalidArgumentError(
            absl::StrCat("job: expected role/env/name, got '", item, "'"));
      }
      if (name == "type" && !KnownTypes().contains(item)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "type: unknown event type '", item,
            "' (expected task, update, update_instance, host_registered, host_lost or "
            "host_maintenance)"));
      }
      set->insert(std::move(item));
    }
  }
  return out;
}

net::HttpResponse ServeEvents(EventHub& hub, const net::HttpRequest& request) {
  absl::StatusOr<EventsQuery> query = ParseEventsQuery(request.target);
  if (!query.ok()) return JsonError(400, std::string(query.status().message()));
  auto subscribed = hub.Subscribe(std::move(query->filter), query->after);
  if (auto* refused = std::get_if<EventHub::Refusal>(&subscribed)) {
    return net::HttpResponse::Of(refused->status, "application/json", refused->body);
  }
  net::HttpResponse r;
  r.content_type = "application/x-ndjson";
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.stream = std::get<std::shared_ptr<net::ResponseStream>>(std::move(subscribed));
  return r;
}

}  // namespace borealis::scheduler
