#include "borealis/scheduler/daemon.h"

#include <openssl/rand.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <future>

#include <thrift/TProcessor.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TJSONProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "borealis/base/files.h"
#include "borealis/base/log.h"
#include "borealis/scheduler/api_beta.h"
#include "borealis/scheduler/plan.h"
#include "borealis/scheduler/exec_grants.h"
#include "borealis/scheduler/events_http.h"
#include "borealis/scheduler/pending_tasks.h"
#include "borealis/scheduler/ui.h"
#include "borealis/state/store.h"
#include "borealis/wire/codec.h"
#include "borealis/wire/response.h"

namespace borealis::scheduler {

namespace {

constexpr char kJsonMime[] = "application/vnd.apache.thrift.json";
constexpr char kBinaryMime[] = "application/vnd.apache.thrift.binary";

// Learns which method a Thrift request called: the processor names it when it dispatches
// (only for methods of the service, so the label's values are bounded).
class MethodName : public apache::thrift::TProcessorEventHandler {
 public:
  void* getContext(const char* fn_name, void* /*server_context*/) override {
    name_ = fn_name;  // "AuroraSchedulerManager.createJob": the method after the service
    if (const size_t dot = name_.rfind('.'); dot != std::string::npos) name_.erase(0, dot + 1);
    return nullptr;
  }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};
// `n` random bytes from OpenSSL's generator; empty if it fails.
std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) return "";
  return out;
}

std::string RandomHex(size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : RandomBytes(n)) {
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 15]);
  }
  return hex;
}

}  // namespace

Daemon::Daemon(DaemonOptions options, base::Clock& clock, uint64_t seed)
    : options_(std::move(options)), clock_(clock), seed_(seed) {}

Daemon::~Daemon() { Stop(); }

absl::Status Daemon::Start() {
  std::error_code ec;
  std::filesystem::create_directories(options_.data_dir, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot create data dir '", options_.data_dir, "': ", ec.message()));
  }
  auto store = state::SqliteStore::Open(options_.data_dir + "/scheduler.db");
  if (!store.ok()) return store.status();
  store_ = std::move(*store);
  // Exec grants (docs/architecture/exec-grants.md): a new master key per start; agents
  // get their keys again when they register with this scheduler.
  if (options_.scheduler.exec_master_key.empty()) {
    options_.scheduler.exec_master_key = RandomBytes(32);
    if (options_.scheduler.exec_master_key.empty()) {
      return absl::InternalError("cannot draw the exec grant key from OpenSSL's generator");
    }
  }
  core_ = std::make_unique<SchedulerCore>(options_.scheduler, clock_, *store_,
                                         static_cast<AgentTransport&>(*this), seed_);
  core_->set_histograms(CoreHistograms{&metrics_.placement_seconds, &metrics_.commit_seconds,
                                       &metrics_.status_update_delay_seconds});
  events_ = std::make_unique<EventHub>(options_.events);
  core_->SetEventSink(events_.get());
  absl::Status recovered = core_->Recover();
  if (!recovered.ok()) return recovered;
  LOG_INFO("recovered {} tasks from {}", core_->state().task_count(), options_.data_dir);
  // Recovered events are not state changes: the webhook hears only those from now on.
  if (options_.webhook.has_value()) {
    webhook_ = std::make_unique<Webhook>(*options_.webhook, options_.webhook_options, [this] {
      std::shared_ptr<const SchedulerView> view = core_->view();
      return view ? view->tasks : nullptr;
    });
    events_->AddListener([hook = webhook_.get()](const std::vector<model::SchedulerEvent>& es) {
      hook->Enqueue(es);
    });
  }
  loop_ = std::make_unique<runtime::EventLoop>("scheduler-core");
  coordinators_ = std::make_unique<CoordinatorClient>(options_.coordinator_timeout_ms);

  net::HttpServer::Options http;
  http.bind_address = options_.bind_address;
  http.port = options_.http_port;
  http.threads = options_.http_threads;
  server_ = std::make_unique<net::HttpServer>(http);
  api_handler_ = std::make_shared<ApiHandler>(static_cast<CoreAccess&>(*this),
                                              options_.scheduler.cluster_name);
  sla_ = std::make_unique<SlaStats>(options_.sla, clock_, [this] { return core_->view(); },
                                    &metrics_.sla_compute_seconds);
  sla_->Start();
  InstallRoutes();
  absl::Status started = server_->Start();
  if (!started.ok()) return started;
  ScheduleTick();
  if (!options_.port_file.empty()) {
    absl::Status s = base::WriteFileAtomically(options_.port_file, std::to_string(server_->port()) + "\n");
    if (!s.ok()) return s;
  }
  LOG_INFO("scheduler for cluster '{}' serving on {}:{}", options_.scheduler.cluster_name,
           options_.bind_address, server_->port());
  return absl::OkStatus();
}

void Daemon::Stop() {
  if (server_) server_->Stop();
  if (sla_) sla_->Stop();
  if (loop_) loop_->Stop();
}

// ---------------------------------------------------------------- the core thread

void Daemon::Post(std::function<void(SchedulerCore&)> fn) {
  loop_->Post([this, fn = std::move(fn)] {
    fn(*core_);
    RequestFlush();
  });
}

void Daemon::RequestFlush() {
  if (flush_posted_) return;
  flush_posted_ = true;
  loop_->Post([this] {
    flush_posted_ = false;
    if (core_->commit_in_flight()) {
      flush_wanted_ = true;  // started once the one in flight is durable
      return;
    }
    StartCommit();
  });
}

void Daemon::StartCommit() {
  core_->Schedule();
  absl::StatusOr<bool> started = core_->StartCommit([this] {
    loop_->Post([this] { OnCommitDurable(); });  // false once stopping: nothing to release
  });
  if (!started.ok()) StorageFailed(started.status());
}

void Daemon::OnCommitDurable() {
  absl::Status s = core_->FinishCommit();
  if (!s.ok()) StorageFailed(s);
  if (flush_wanted_) {
    flush_wanted_ = false;
    StartCommit();
  }
}

void Daemon::StorageFailed(const absl::Status& s) {
  LOG_ERROR("storage failed, exiting so that a restart recovers the committed state: {}",
            s.ToString());
  failed_ = true;
  _exit(70);  // the line above is already written: the logger does not buffer
}

void Daemon::ScheduleTick() {
  loop_->RunAfter(options_.tick_ms, [this] {
    core_->Tick();
    AskCoordinators();
    RequestFlush();
    ScheduleTick();
  });
}

void Daemon::AskCoordinators() {
  for (CoordinatorQuery& q : core_->TakeCoordinatorQueries()) {
    LOG_INFO("asking SLA coordinator {} about {}", q.url, q.task_key);
    coordinators_->Ask(std::move(q), [this](CoordinatorAnswer answer) {
      if (!answer.error.empty()) {
        LOG_WARN("SLA coordinator question {}: {}", answer.id, answer.error);
      }
      Post([answer = std::move(answer)](SchedulerCore& c) { c.OnCoordinatorAnswer(answer); });
    });
  }
}

api::Response Daemon::Call(std::function<api::Response(SchedulerCore&)> fn) {
  auto promise = std::make_shared<std::promise<api::Response>>();
  std::future<api::Response> result = promise->get_future();
  const bool posted = loop_->Post([this, fn = std::move(fn), promise] {
    api::Response r = fn(*core_);
    core_->AfterCommit([promise, r = std::move(r)]() mutable { promise->set_value(std::move(r)); });
    RequestFlush();
  });
  if (!posted) {
    return wire::MakeResponse(api::ResponseCode::ERROR_TRANSIENT, "the scheduler is stopping");
  }
  return result.get();
}

// ---------------------------------------------------------------- agents

bool Daemon::Send(const model::AgentId& agent_id, const OutgoingMessage& message) {
  std::shared_ptr<net::WebSocketSession> session;
  {
    base::MutexLock l(&sessions_mu_);
    auto it = sessions_.find(agent_id.str());
    if (it == sessions_.end()) return false;
    session = it->second;
  }
  session->Send(wire::SerializeCompact(builder_.Build(message)));
  return true;
}

void Daemon::OnAgentFrame(const std::shared_ptr<net::WebSocketSession>& session,
                          std::string frame) {
  agentproto::AgentMessage msg;
  absl::Status s = wire::DeserializeCompact(frame, &msg);
  if (!s.ok()) {
    LOG_WARN("agent session {} sent a malformed message, closing: {}", session->remote_address(),
             s.ToString());
    session->Close();
    return;
  }
  if (msg.__isset.registerAgent) {
    const std::string agent_id = msg.registerAgent.agentId;
    if (agent_id.empty()) {
      LOG_WARN("agent at {} registered without an id, closing", session->remote_address());
      session->Close();
      return;
    }
    std::shared_ptr<net::WebSocketSession> previous;
    {
      base::MutexLock l(&sessions_mu_);
      agent_of_session_[session->id()] = agent_id;
      auto& slot = sessions_[agent_id];
      if (slot && slot->id() != session->id()) previous = slot;
      slot = session;
    }
    if (previous) previous->Close();
    LOG_INFO("agent {} ({}) registered from {}", agent_id, msg.registerAgent.host,
             session->remote_address());
    Post([reg = std::move(msg.registerAgent)](SchedulerCore& c) { c.OnAgentRegister(reg); });
    return;
  }
  std::string agent_id;
  {
    base::MutexLock l(&sessions_mu_);
    auto it = agent_of_session_.find(session->id());
    if (it != agent_of_session_.end()) agent_id = it->second;
  }
  if (agent_id.empty()) {
    LOG_WARN("agent session {} sent a message before registering, closing",
             session->remote_address());
    session->Close();
    return;
  }
  if (msg.__isset.statusUpdate) {
    Post([agent_id, u = std::move(msg.statusUpdate)](SchedulerCore& c) {
      c.OnStatusUpdate(model::AgentId(agent_id), u);
    });
  } else if (msg.__isset.heartbeat) {
    Post([agent_id](SchedulerCore& c) { c.OnHeartbeat(model::AgentId(agent_id)); });
  }
}

void Daemon::OnAgentClosed(const std::shared_ptr<net::WebSocketSession>& session) {
  std::string agent_id;
  {
    base::MutexLock l(&sessions_mu_);
    auto it = agent_of_session_.find(session->id());
    if (it == agent_of_session_.end()) return;
    agent_id = it->second;
    agent_of_session_.erase(it);
    auto cur = sessions_.find(agent_id);
    if (cur == sessions_.end() || cur->second->id() != session->id()) return;  // replaced
    sessions_.erase(cur);
  }
  LOG_INFO("agent {} disconnected", agent_id);
  Post([agent_id](SchedulerCore& c) { c.OnAgentDisconnected(model::AgentId(agent_id)); });
}

// ---------------------------------------------------------------- HTTP

net::HttpResponse Daemon::ServeApi(const net::HttpRequest& request) {
  using apache::thrift::protocol::TBinaryProtocol;
  using apache::thrift::protocol::TJSONProtocol;
  using apache::thrift::protocol::TProtocol;
  using apache::thrift::transport::TMemoryBuffer;
  auto header = [&](const char* name) {
    auto it = request.headers.find(name);
    return it == request.headers.end() ? std::string() : it->second;
  };
  const std::string content_type = header("content-type");
  bool binary_in = false;
  if (absl::StrContains(content_type, kBinaryMime)) {
    binary_in = true;
  } else if (content_type.empty() || absl::StrContains(content_type, "application/x-thrift")) {
    // Generic Thrift HTTP clients (Python's THttpClient among them) send this for every
    // protocol: a strict binary message starts with its version byte 0x80, TJSON with '['.
    binary_in = !request.body.empty() && static_cast<unsigned char>(request.body[0]) == 0x80;
  } else if (!absl::StrContains(content_type, "application/json") &&
             !absl::StrContains(content_type, kJsonMime)) {
    net::HttpResponse r;
    r.status = 415;
    r.body = "unsupported Content-Type '" + content_type + "': use " + kJsonMime + " or " +
             kBinaryMime + "\n";
    return r;
  }
  // The answer is in the protocol asked for by Accept, else in the request's own.
  const std::string accept = header("accept");
  const bool binary_out = absl::StrContains(accept, kBinaryMime) ||
                          (binary_in && !absl::StrContains(accept, kJsonMime) &&
                           !absl::StrContains(accept, "application/json"));
  try {
    auto in_buf = std::make_shared<TMemoryBuffer>(
        reinterpret_cast<uint8_t*>(const_cast<char*>(request.body.data())),
        static_cast<uint32_t>(request.body.size()), TMemoryBuffer::COPY);
    auto out_buf = std::make_shared<TMemoryBuffer>();
    std::shared_ptr<TProtocol> in = binary_in ? std::shared_ptr<TProtocol>(std::make_shared<TBinaryProtocol>(in_buf))
                                              : std::make_shared<TJSONProtocol>(in_buf);
    std::shared_ptr<TProtocol> out = binary_out ? std::shared_ptr<TProtocol>(std::make_shared<TBinaryProtocol>(out_buf))
                                                : std::make_shared<TJSONProtocol>(out_buf);
    const std::string check_token = header(kCheckTokenHeader);
    api::AuroraAdminProcessor processor(
        check_token.empty() ? api_handler_ : api_handler_->WithCheckToken(check_token));
    auto method = std::make_shared<MethodName>();
    processor.setEventHandler(method);
    const int64_t t0 = clock_.MonoNowNs();
    processor.process(in, out, nullptr);
    if (!method->name().empty()) {
      metrics_.api_seconds.With({method->name()})
          .Observe(static_cast<double>(clock_.MonoNowNs() - t0) / 1e9);
    }
    net::HttpResponse r;
    r.content_type = binary_out ? kBinaryMime : kJsonMime;
    r.body = out_buf->getBufferAsString();
    return r;
  } catch (const std::exception& e) {
    net::HttpResponse r;
    r.status = 400;
    r.body = absl::StrCat("malformed Thrift request: ", e.what(), "\n");
    return r;
  }
}

net::HttpResponse Daemon::ServeMetrics(const std::string& path) {
  std::shared_ptr<const SchedulerView> view = core_->view();
  std::shared_ptr<const std::vector<core::SlaMetric>> sla = sla_->latest();
  net::HttpResponse r;
  if (path == "/metrics") {
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = base::RenderPrometheus(CollectForPrometheus(*view, registry_, *sla), "borealis_");
  } else if (path == "/vars.json") {
    r.content_type = "application/json";
    r.body = base::RenderVarsJson(CollectForVars(*view, registry_, *sla));
  } else {
    r.content_type = "text/plain; charset=utf-8";
    r.body = base::RenderVars(CollectForVars(*view, registry_, *sla));
  }
  return r;
}

void Daemon::InstallRoutes() {
  server_->Route("POST", "/api", [this](const net::HttpRequest& r) { return ServeApi(r); });
  server_->RoutePrefix("POST", "/apibeta/", [this](const net::HttpRequest& r) {
    return ServeApiBeta(r, api_handler_, options_.scheduler.cluster_name);
  });
  server_->Route("GET", "/apibeta", [](const net::HttpRequest&) { return ServeApiBetaIndex(); });
  server_->Route("POST", "/plan", [this](const net::HttpRequest& r) {
    return ServePlan(r, *core_->view(), options_.scheduler.executor_overhead);
  });
  auto ok = [](const net::HttpRequest&) {
    net::HttpResponse r;
    r.body = "OK\n";
    return r;
  };
  server_->Route("GET", "/health", ok);
  server_->Route("GET", "/leaderhealth", ok);
  for (const char* path : {"/vars", "/vars.json", "/metrics"}) {
    server_->Route("GET", path, [this, path](const net::HttpRequest&) { return ServeMetrics(path); });
  }
  server_->Route("GET", "/pendingtasks", [this](const net::HttpRequest&) {
    net::HttpResponse r;
    r.content_type = "application/json";
    r.body = RenderPendingTasks(*core_->view());
    return r;
  });
  server_->Route("POST", "/exec/grant", [this](const net::HttpRequest& req) {
    ExecGrantContext context{options_.scheduler.exec_master_key, clock_.NowMs(),
                             [] { return RandomHex(16); }};
    return ServeExecGrant(*core_->view(), req, context);
  });
  server_->Route("GET", "/events",
                 [this](const net::HttpRequest& r) { return ServeEvents(*events_, r); });
  server_->RoutePrefix("GET", "/", [this](const net::HttpRequest& req) {
    return RenderUi(*core_->view(), options_.scheduler.cluster_name, req);
  });
  net::WebSocketHandlers ws;
  ws.on_open = [](std::shared_ptr<net::WebSocketSession>) {};
  ws.on_message = [this](const std::shared_ptr<net::WebSocketSession>& s, std::string m) {
    OnAgentFrame(s, std::move(m));
  };
  ws.on_close = [this](const std::shared_ptr<net::WebSocketSession>& s) { OnAgentClosed(s); };
  server_->WebSocket("/agent/v1", ws);
}

}  // namespace borealis::scheduler
