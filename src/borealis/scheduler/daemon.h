// The scheduler daemon: wires the core to its edges. One event loop thread owns the
// SchedulerCore; the HTTP server's threads serve /api (Thrift), the UI, /health, /vars and
// /metrics, and carry the agents' WebSocket sessions on /agent/v1, posting everything
// that changes state to the loop.
//
// Group commit, pipelined: every posted event asks for a commit; the commit is posted
// behind the events already queued, so one fsync covers everything that arrived meanwhile.
// While a commit is being written on the core's Committer thread the loop goes on handling
// events; the Committer posts "durable" back to the loop, which releases that commit's
// effects and starts the next commit if one was asked for meanwhile.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "borealis/base/mutex.h"
#include "borealis/net/http_server.h"
#include "borealis/runtime/event_loop.h"
#include "borealis/scheduler/api_handler.h"
#include "borealis/scheduler/coordinator_client.h"
#include "borealis/scheduler/event_hub.h"
#include "borealis/scheduler/webhook.h"
#include "borealis/scheduler/scheduler_core.h"
#include "borealis/scheduler/scheduler_metrics.h"
#include "borealis/scheduler/sla_stats.h"

namespace borealis::scheduler {

struct DaemonOptions {
  std::string bind_address = "127.0.0.1";
  int http_port = 0;
  std::string port_file;  // written (atomically) with the bound port once serving
  std::string data_dir;
  int64_t tick_ms = 500;
  int http_threads = 4;
  int coordinator_timeout_ms = 60'000;  // --sla-coordinator-timeout-ms
  SchedulerOptions scheduler;
  // SLA metrics: refresh interval (the sample window) and categories per tier.
  core::SlaMetricsOptions sla;
  EventHubOptions events;  // GET /events (docs/events.md)
  std::optional<WebhookConfig> webhook;  // --webhook_config
  WebhookOptions webhook_options;
};

class Daemon : private CoreAccess, private AgentTransport {
 public:
  Daemon(DaemonOptions options, base::Clock& clock, uint64_t seed);
  ~Daemon() override;

  // Opens storage, recovers, starts serving. Errors name what failed.
  absl::Status Start();
  void Stop();
  int port() const { return server_ ? server_->port() : 0; }
  // Set when storage failed: the process must exit (memory is ahead of disk).
  bool failed() const { return failed_.load(); }

 private:
  // CoreAccess
  api::Response Call(std::function<api::Response(SchedulerCore&)> fn) override;
  std::shared_ptr<const SchedulerView> View() override { return core_->view(); }
  // AgentTransport
  // Called from the core's commit only (its loop thread), which builder_ relies on.
  bool Send(const model::AgentId& agent_id, const OutgoingMessage& message) override;

  void Post(std::function<void(SchedulerCore&)> fn);
  void RequestFlush();
  void StartCommit();       // a scheduling pass, then the commit (loop thread)
  void OnCommitDurable();   // releases the commit in flight (loop thread)
  void StorageFailed(const absl::Status& s);
  void ScheduleTick();
  // Hands the core's SLA coordinator questions to coordinators_ (loop thread).
  void AskCoordinators();
  void InstallRoutes();
  net::HttpResponse ServeApi(const net::HttpRequest& request);
  // /vars, /vars.json and /metrics.
  net::HttpResponse ServeMetrics(const std::string& format);
  void OnAgentFrame(const std::shared_ptr<net::WebSocketSession>& session, std::string frame);
  void OnAgentClosed(const std::shared_ptr<net::WebSocketSession>& session);

  DaemonOptions options_;
  base::Clock& clock_;
  uint64_t seed_;
  std::unique_ptr<state::Store> store_;
  std::unique_ptr<EventHub> events_;  // outlives the core and the server
  std::unique_ptr<runtime::EventLoop> loop_;
  std::unique_ptr<SchedulerCore> core_;
  std::unique_ptr<net::HttpServer> server_;
  std::shared_ptr<ApiHandler> api_handler_;
  base::MetricsRegistry registry_;
  SchedulerMetrics metrics_{registry_};
  std::unique_ptr<SlaStats> sla_;
  // Fed by events_ with what is published after recovery; reads core_'s view, so it is
  // destroyed first (after Stop, nothing is published).
  std::unique_ptr<Webhook> webhook_;
  // Loop thread only: a commit is posted; one was asked for while another was in flight.
  bool flush_posted_ = false;
  bool flush_wanted_ = false;
  std::atomic<bool> failed_{false};
  // Last: destroyed first, waiting for its calls, whose answers the stopped loop drops.
  std::unique_ptr<CoordinatorClient> coordinators_;

  AgentMessageBuilder builder_;  // Send's wire messages
  base::Mutex sessions_mu_;
  std::map<uint64_t, std::string> agent_of_session_ ABSL_GUARDED_BY(sessions_mu_);  // session → agent
  std::map<std::string, std::shared_ptr<net::WebSocketSession>> sessions_
      ABSL_GUARDED_BY(sessions_mu_);  // agent → session
};

}  // namespace borealis::scheduler
