// Webhook: Aurora's webhook (docs/events.md, "Webhooks"): every task state change the
// stream publishes, POSTed as JSON to the URL of `--webhook_config`, in Aurora's body shape
// ({"task": <ScheduledTask>, "oldState": {...}}) with the configured headers and a
// "Timestamp" header.
//
// Delivery is asynchronous and off the core's thread: Enqueue (the EventHub listener, on
// the core's thread) only copies the event into a bounded queue; one thread of its own
// posts them in order, retrying a failed post (no answer, or a 5xx answer) with a doubling
// delay up to `max_attempts`. When the queue is full the event is dropped, counted and
// logged. Counters as Aurora names them: webhooks_attempts, webhooks_success,
// webhooks_errors (no answer), webhooks_user_errors (an answer other than 2xx), plus
// webhooks_retries and webhooks_dropped.
//
// Thread contract: Enqueue and the accessors from any thread; the destructor stops the
// thread (dropping what is still queued).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "borealis/base/mutex.h"
#include "borealis/model/event.h"
#include "borealis/state/cluster_state.h"

namespace borealis::scheduler {

// Aurora's webhook.json: targetURL (http://host:port/path), headers, timeoutMsec, and the
// optional statuses whitelist ("*" or absent: every status).
struct WebhookConfig {
  std::string target_url;
  std::string host;
  int port = 80;
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  int timeout_ms = 5000;
  std::optional<std::set<std::string>> statuses;  // nullopt: all
};

// Parses the file's text; an error names `file` and the field.
absl::StatusOr<WebhookConfig> ParseWebhookConfig(const std::string& text, const std::string& file);

struct WebhookOptions {
  size_t queue = 10'000;        // events waiting to be posted
  int max_attempts = 5;         // posts of one event, the first included
  int64_t retry_initial_ms = 200;  // wait before the first retry; doubles
};

class Webhook {
 public:
  // `tasks` gives the published tasks (a view's), read when an event is posted, for the
  // body's task.
  using TasksSource = std::function<std::shared_ptr<const state::TaskMap>()>;
  Webhook(WebhookConfig config, WebhookOptions options, TasksSource tasks);
  ~Webhook();
  Webhook(const Webhook&) = delete;
  Webhook& operator=(const Webhook&) = delete;

  // Queues the task events whose status passes the whitelist; never blocks.
  void Enqueue(const std::vector<model::SchedulerEvent>& events) ABSL_LOCKS_EXCLUDED(mu_);
  std::map<std::string, int64_t> counters() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Run() ABSL_LOCKS_EXCLUDED(mu_);
  // Posts one event until it is accepted, the attempts run out, or the hook stops.
  void Deliver(const model::SchedulerEvent& e) ABSL_LOCKS_EXCLUDED(mu_);
  std::string Body(const model::SchedulerEvent& e) const;
  void Count(const std::string& name) ABSL_LOCKS_EXCLUDED(mu_);

  const WebhookConfig config_;
  const WebhookOptions options_;
  const TasksSource tasks_;
  mutable base::Mutex mu_;
  base::CondVar cv_;
  std::deque<model::SchedulerEvent> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, int64_t> counters_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace borealis::scheduler
