// Aurora's webhook (see webhook.h).
#include "borealis/scheduler/webhook.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "borealis/base/clock.h"
#include "borealis/base/log.h"
#include "borealis/model/schedule_status.h"
#include "borealis/net/http_client.h"
#include "borealis/wire/codec.h"
#include "borealis/wire/convert.h"
#include "borealis/wire/idl_table.h"
#include "borealis/wire/named_json.h"

namespace borealis::scheduler {
namespace {

absl::Status ParseTarget(const std::string& url, const std::string& where, WebhookConfig* out) {
  const std::string kHttp = "http://";
  if (!absl::StartsWith(url, kHttp)) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, "targetURL: expected http://host[:port][/path], got '", url,
        absl::StartsWith(url, "https://") ? "' (https is not supported yet)" : "'"));
  }
  std::string rest = url.substr(kHttp.size());
  const size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  out->target = slash == std::string::npos ? "/" : rest.substr(slash);
  const size_t colon = authority.rfind(':');
  if (colon != std::string::npos) {
    if (!absl::SimpleAtoi(authority.substr(colon + 1), &out->port) || out->port <= 0 ||
        out->port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "targetURL: bad port in '", url, "'"));
    }
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, "targetURL: no host in '", url, "'"));
  }
  out->host = authority;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<WebhookConfig> ParseWebhookConfig(const std::string& text, const std::string& file) {
  const std::string where = file + ": ";
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(where + "not a JSON object");
  }
  WebhookConfig out;
  if (!j.contains("targetURL") || !j["targetURL"].is_string()) {
    return absl::InvalidArgumentError(where + "targetURL: required, a string");
  }
  out.target_url = j["targetURL"].get<std::string>();
  if (absl::Status s = ParseTarget(out.target_url, where, &out); !s.ok()) return s;
  if (j.contains("timeoutMsec")) {
    if (!j["timeoutMsec"].is_number_integer() || j["timeoutMsec"].get<int64_t>() <= 0) {
      return absl::InvalidArgumentError(where + "timeoutMsec: expected a positive integer");
    }
    out.timeout_ms = static_cast<int>(std::min<int64_t>(j["timeoutMsec"].get<int64_t>(), 600'000));
  }
  if (j.contains("headers")) {
    if (!j["headers"].is_object()) {
      return absl::InvalidArgumentError(where + "headers: expected an object of strings");
    }
    for (const auto& [name, value] : j["headers"].items()) {
      if (!value.is_string()) {
        return absl::InvalidArgumentError(absl::StrCat(where, "headers.", name, ": expected a string"));
      }
      out.headers.emplace_back(name, value.get<std::string>());
    }
  }
  if (j.contains("statuses") && !j["statuses"].is_null()) {
    if (!j["statuses"].is_array()) {
      return absl::InvalidArgumentError(where + "statuses: expected a list of task statuses");
    }
    std::set<std::string> statuses;
    bool all = false;
    for (size_t i = 0; i < j["statuses"].size(); ++i) {
      const auto& s = j["statuses"][i];
      const std::string name = s.is_string() ? s.get<std::string>() : "";
      if (name == "*") {
        all = true;
        continue;
      }
      if (!model::ParseStatus(name).has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(where, "statuses[", i,
                                                       "]: not a task status: ", s.dump()));
      }
      statuses.insert(name);
    }
    if (!all) out.statuses = std::move(statuses);
  }
  return out;
}

Webhook::Webhook(WebhookConfig config, WebhookOptions options, TasksSource tasks)
    : config_(std::move(config)), options_(options), tasks_(std::move(tasks)) {
  thread_ = std::thread([this] { Run(); });
}

Webhook::~Webhook() {
  {
    base::MutexLock l(&mu_);
    stopping_ = true;
  }
  cv_.SignalAll();
  thread_.join();
}

void Webhook::Enqueue(const std::vector<model::SchedulerEvent>& events) {
  int64_t dropped = 0;
  {
    base::MutexLock l(&mu_);
    for (const model::SchedulerEvent& e : events) {
      if (e.type != "task") continue;
      if (config_.statuses.has_value() && !config_.statuses->contains(e.status)) continue;
      if (queue_.size() >= options_.queue) {
        ++dropped;
        continue;
      }
      queue_.push_back(e);
    }
    if (dropped > 0) counters_["webhooks_dropped"] += dropped;
  }
  if (dropped > 0) {
    LOG_WARN("webhook: queue full ({} events): dropped {} task state changes", options_.queue,
             dropped);
  }
  cv_.Signal();
}

std::map<std::string, int64_t> Webhook::counters() const {
  base::MutexLock l(&mu_);
  return counters_;
}

void Webhook::Count(const std::string& name) {
  base::MutexLock l(&mu_);
  ++counters_[name];
}

void Webhook::Run() {
  while (true) {
    model::SchedulerEvent e;
    {
      base::MutexLock l(&mu_);
      while (!stopping_ && queue_.empty()) cv_.Wait(&mu_);
      if (stopping_) return;
      e = std::move(queue_.front());
      queue_.pop_front();
    }
    Deliver(e);
  }
}

void Webhook::Deliver(const model::SchedulerEvent& e) {
  const std::string body = Body(e);
  int64_t delay_ms = options_.retry_initial_ms;
  for (int attempt = 1;; ++attempt) {
    Count("webhooks_attempts");
    auto headers = config_.headers;
    headers.emplace_back("Timestamp", absl::StrCat(base::RealClock::Get().NowMs()));
    bool has_type = false;
    for (const auto& [name, value] : headers) has_type |= absl::EqualsIgnoreCase(name, "Content-Type");
    absl::StatusOr<net::HttpResponse> r =
        net::HttpCall("POST", config_.host, config_.port, config_.target, body,
                      has_type ? "" : "application/json", config_.timeout_ms, headers);
    bool retry = false;
    if (!r.ok()) {
      Count("webhooks_errors");
      LOG_WARN("webhook: posting {} {} to {} failed (attempt {}): {}", e.task_id, e.status,
               config_.target_url, attempt, std::string(r.status().message()));
      retry = true;
    } else if (r->status / 100 == 2) {
      Count("webhooks_success");
      return;
    } else {
      Count("webhooks_user_errors");
      retry = r->status >= 500;
      LOG_WARN("webhook: {} answered {} to {} {}", config_.target_url, r->status, e.task_id,
               e.status);
    }
    if (!retry || attempt >= options_.max_attempts) return;
    Count("webhooks_retries");
    base::MutexLock l(&mu_);
    if (cv_.WaitFor(&mu_, std::chrono::milliseconds(delay_ms), [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return stopping_;
        })) {
      return;
    }
    delay_ms *= 2;
  }
}

std::string Webhook::Body(const model::SchedulerEvent& e) const {
  nlohmann::ordered_json body;
  std::shared_ptr<const state::TaskMap> tasks = tasks_ ? tasks_() : nullptr;
  const state::TaskTable::JobTasks* job = tasks ? tasks->Job(e.job) : nullptr;
  auto it = job ? job->find(e.task_id) : state::TaskTable::JobTasks::const_iterator();
  std::optional<std::string> old_state;
  if (job != nullptr && it != job->end()) {
    model::Task task = *it->second;
    // The task as of this event: its events up to it, its status.
    for (size_t i = 0; i < task.events.size(); ++i) {
      const model::TaskEvent& te = task.events[i];
      if (te.timestamp_ms == e.time_ms && model::StatusName(te.status) == e.status) {
        if (i > 0) old_state = std::string(model::StatusName(task.events[i - 1].status));
        task.events.resize(i + 1);
        task.status = te.status;
        break;
      }
    }
    auto natural = wire::TJsonStructToNatural(wire::ApiIdl(), "ScheduledTask",
                                              wire::SerializeJson(wire::ToThrift(task)));
    if (natural.ok()) body["task"] = std::move(*natural);
  }
  if (!body.contains("task")) {  // gone from the published tasks: what the event names
    nlohmann::ordered_json t;
    t["assignedTask"]["taskId"] = e.task_id;
    t["assignedTask"]["slaveHost"] = e.host;
    t["assignedTask"]["instanceId"] = e.instance;
    t["assignedTask"]["task"]["job"] = {
        {"role", e.job.role}, {"environment", e.job.environment}, {"name", e.job.name}};
    t["status"] = e.status;
    body["task"] = std::move(t);
  }
  body["oldState"] = nlohmann::ordered_json::object();
  if (old_state) body["oldState"]["reference"] = *old_state;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace borealis::scheduler
