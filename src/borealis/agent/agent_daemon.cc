// AgentDaemon: threads, sockets and HTTP around AgentCore (see agent_daemon.h).
#include "borealis/agent/agent_daemon.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <future>
#include <map>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "borealis/agent/codec.h"
#include "borealis/base/log.h"
#include "borealis/isolation/cgroups.h"

namespace borealis::agent {

// One WebSocket session. `client` and `closed` are guarded by AgentDaemon::mu_.
struct AgentDaemon::Session {
  std::unique_ptr<net::WebSocketClient> client;
  bool closed = false;
  absl::Status why;
};

// Sends the core's messages on the open session; drops them when there is none (the
// core resends what matters after the next registration).
class AgentDaemon::SessionTransport final : public Transport {
 public:
  explicit SessionTransport(AgentDaemon& daemon) : daemon_(daemon) {}
  void Send(const agentproto::AgentMessage& message) override {
    std::string frame = EncodeAgentMessage(message);
    base::MutexLock lock(&daemon_.mu_);
    const std::shared_ptr<Session> session = daemon_.session_;
    if (session == nullptr || session->closed || session->client == nullptr) return;
    absl::Status sent = session->client->Send(std::move(frame));
    if (!sent.ok()) LOG_DEBUG("agent: dropped a message: {}", std::string(sent.message()));
  }

 private:
  AgentDaemon& daemon_;
};

AgentDaemon::AgentDaemon(AgentDaemonOptions options, base::Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      executor_launches_(registry_.GetCounter("executor_launches", "Executors launched.")),
      executor_launch_failures_(registry_.GetCounter(
          "executor_launch_failures", "Launches that failed before the executor ran.")),
      launch_seconds_(registry_.GetHistogram(
          "task_launch_seconds", "From a launch's arrival to its executor running.",
          base::DelayBuckets())),
      unacknowledged_(registry_.GetGauge(
          "status_updates_unacknowledged",
          "Task status updates the scheduler has not acknowledged yet.")) {
  options_.core.executor_launches = &executor_launches_;
  options_.core.executor_launch_failures = &executor_launch_failures_;
  options_.core.launch_seconds = &launch_seconds_;
}

absl::StatusOr<std::unique_ptr<AgentDaemon>> AgentDaemon::Start(AgentDaemonOptions options,
                                                                base::Clock& clock) {
  std::unique_ptr<AgentDaemon> daemon(new AgentDaemon(std::move(options), clock));
  RETURN_IF_ERROR(daemon->StartServing());
  daemon->PublishSnapshot();  // before the loop owns the core
  daemon->loop_ = std::make_unique<runtime::EventLoop>("agent-loop");
  daemon->ScheduleTick();
  daemon->connector_ = std::thread([d = daemon.get()] { d->ConnectLoop(); });
  if (daemon->poke_fd_ >= 0) daemon->poker_ = std::thread([d = daemon.get()] { d->PokeLoop(); });
  if (daemon->options_.sandbox_gc.interval_ms > 0) {
    daemon->gc_ = std::thread([d = daemon.get()] { d->GcLoop(); });
  }
  return daemon;
}

absl::Status AgentDaemon::StartServing() {
  AgentPaths paths{options_.core.work_dir};
  RETURN_IF_ERROR(MakeDirs(paths.work_dir));
  // The poke socket: a path too long for sockaddr_un only costs latency (the core scans).
  std::string socket_path = paths.SocketPath();
  sockaddr_un addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) {
    LOG_WARN("agent: socket path '{}' is too long; executors will not poke", socket_path);
    options_.core.pass_agent_socket = false;
  } else {
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
    ::unlink(socket_path.c_str());
    poke_fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (poke_fd_ < 0 || ::bind(poke_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      return absl::InternalError(
          absl::StrCat("cannot bind '", socket_path, "': ", std::strerror(errno)));
    }
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) return absl::InternalError("cannot create an eventfd");
  }

  transport_ = std::make_unique<SessionTransport>(*this);
  ASSIGN_OR_RETURN(core_, AgentCore::Create(options_.core, clock_, *transport_));

  net::HttpServer::Options http_options;
  http_options.bind_address = options_.http_bind_address;
  http_options.port = options_.http_port;
  http_options.threads = 8;  // log follows (observer.h) wait in a handler
  http_ = std::make_unique<net::HttpServer>(http_options);
  http_->Route("GET", "/health",
               [](const net::HttpRequest&) { return net::HttpResponse::Text(200, "OK"); });
  for (const char* path : {"/metrics", "/vars", "/vars.json"}) {
    http_->Route("GET", path, [this, path](const net::HttpRequest&) { return ServeMetrics(path); });
  }
  http_->Route("GET", "/tasks", [this](const net::HttpRequest&) {
    return net::HttpResponse::Of(200, "application/json", TasksJson());
  });
  // Which isolation the executors apply (docs/isolation.md).
  http_->Route("GET", "/isolation", [this](const net::HttpRequest&) {
    const IsolationSettings& iso = options_.core.isolation;
    nlohmann::json out = {{"isolation", iso.mode},
                          {"run_as_agent_user", iso.run_as_agent_user},
                          {"disk_check_interval_ms", iso.disk_check_interval_ms}};
    if (iso.mode == "cgroups") {
      auto layout = isolation::DetectCgroupLayout(isolation::kDefaultCgroupRoot);
      out["cgroup_version"] =
          layout.ok() ? std::string(isolation::CgroupVersionName(layout->version)) : "unavailable";
      out["cgroup_parent"] = iso.cgroup_parent;
    }
    return net::HttpResponse::Of(200, "application/json", out.dump());
  });
  ObserverOptions observer;
  observer.work_dir = options_.core.work_dir;
  observer.tasks = [this] { return SnapshotTasks(); };
  observer.clock = &clock_;
  observer_ = std::make_unique<Observer>(std::move(observer));
  observer_->Register(*http_);
  ExecServerOptions exec;
  exec.work_dir = options_.core.work_dir;
  exec.agent_id = core_->agent_id();
  exec.tasks = [this] { return SnapshotTasks(); };
  exec.key = [this] {
    base::MutexLock lock(&exec_key_mu_);
    return exec_key_;
  };
  exec.clock = &clock_;
  exec.run_as_agent_user = options_.core.isolation.run_as_agent_user;
  exec_ = std::make_unique<ExecServer>(std::move(exec));
  exec_->Register(*http_);
  absl::Status started = http_->Start();
  if (!started.ok()) {
    return absl::Status(started.code(),
                        absl::StrCat("agent HTTP on ", options_.http_bind_address, ":",
                                     options_.http_port, ": ", started.message()));
  }
  http_port_ = http_->port();
  core_->set_http_port(http_port_);  // before the first session: registrations carry it
  if (!options_.port_file.empty()) {
    RETURN_IF_ERROR(base::WriteFileAtomically(options_.port_file, absl::StrCat(http_port_, "\n")));
  }
  LOG_INFO("agent {}: HTTP on {}:{}, scheduler at {}:{}", core_->agent_id(),
           options_.http_bind_address, http_port_, options_.master_host, options_.master_port);
  return absl::OkStatus();
}

AgentDaemon::~AgentDaemon() { Stop(); }

void AgentDaemon::Stop() {
  if (stopped_) return;
  stopped_ = true;
  {
    base::MutexLock lock(&mu_);
    stopping_ = true;
    if (session_ != nullptr && session_->client != nullptr) session_->client->Close();
  }
  cv_.SignalAll();
  if (connector_.joinable()) connector_.join();
  if (gc_.joinable()) gc_.join();  // before the loop stops: a GC pass may wait on it
  if (poker_.joinable()) {
    uint64_t one = 1;
    ssize_t ignored = ::write(wake_fd_, &one, sizeof(one));
    (void)ignored;
    poker_.join();
  }
  if (http_ != nullptr) http_->Stop();
  exec_.reset();  // kills the commands still running
  if (loop_ != nullptr) loop_->Stop();
  if (poke_fd_ >= 0) {
    ::close(poke_fd_);
    ::unlink(AgentPaths{options_.core.work_dir}.SocketPath().c_str());
  }
  if (wake_fd_ >= 0) ::close(wake_fd_);
  poke_fd_ = wake_fd_ = -1;
}

bool AgentDaemon::WaitOrStop(int64_t ms) {
  base::MutexLock lock(&mu_);
  cv_.WaitFor(&mu_, std::chrono::milliseconds(ms), [this] {
    mu_.AssertHeld();
    return stopping_;
  });
  return !stopping_;
}

void AgentDaemon::ConnectLoop() {
  int64_t backoff_ms = options_.backoff_initial_ms;
  bool quiet = false;  // log the first failure of a streak only
  while (true) {
    {
      base::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    auto session = std::make_shared<Session>();
    net::WebSocketClient::Handlers handlers;
    handlers.on_message = [this](std::string frame) {
      const int64_t received_ms = clock_.NowMs();  // launched_ms: before any queueing
      absl::StatusOr<agentproto::AgentMessage> message = DecodeAgentMessage(frame);
      if (!message.ok()) {
        LOG_WARN("agent: bad frame from the scheduler: {}",
                 std::string(message.status().message()));
        return;
      }
      if (message->__isset.registered && message->registered.__isset.execKey) {
        base::MutexLock lock(&exec_key_mu_);
        exec_key_ = message->registered.execKey;
      }
      OnLoop([m = *std::move(message), received_ms](AgentCore& core) {
        core.OnMessage(m, received_ms);
      });
    };
    handlers.on_close = [this, session](absl::Status why) {
      base::MutexLock lock(&mu_);
      session->closed = true;
      session->why = std::move(why);
      cv_.SignalAll();
    };
    absl::StatusOr<std::unique_ptr<net::WebSocketClient>> client =
        net::WebSocketClient::Connect(options_.master_host, options_.master_port, "/agent/v1",
                                      std::move(handlers), options_.connect_timeout_ms);
    if (!client.ok()) {
      if (!quiet) {
        LOG_WARN("agent: cannot reach the scheduler at {}:{}: {}; retrying", options_.master_host,
                 options_.master_port, std::string(client.status().message()));
      }
      quiet = true;
      if (!WaitOrStop(backoff_ms)) return;
      backoff_ms = std::min(backoff_ms * 2, options_.backoff_max_ms);
      continue;
    }
    LOG_INFO("agent: connected to the scheduler at {}:{}", options_.master_host,
             options_.master_port);
    quiet = false;
    backoff_ms = options_.backoff_initial_ms;
    {
      base::MutexLock lock(&mu_);
      session->client = *std::move(client);
      session_ = session;
    }
    OnLoop([](AgentCore& core) { core.OnConnected(); });
    std::unique_ptr<net::WebSocketClient> finished;
    {
      base::MutexLock lock(&mu_);
      while (!(session->closed || stopping_)) cv_.Wait(&mu_);
      session_.reset();
      finished = std::move(session->client);
      if (session->closed) {
        LOG_WARN("agent: scheduler session ended: {}", session->why.ToString());
      }
    }
    OnLoop([](AgentCore& core) { core.OnDisconnected(); });
    finished.reset();  // closes and joins the client's thread; outside mu_ (on_close locks it)
    if (!WaitOrStop(backoff_ms)) return;
    backoff_ms = std::min(backoff_ms * 2, options_.backoff_max_ms);
  }
}

void AgentDaemon::PokeLoop() {
  char buf[1024];
  while (true) {
    pollfd fds[2] = {{poke_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      LOG_ERROR("agent: poll on the poke socket failed: {}", std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    ssize_t len = ::recv(poke_fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (len <= 0) continue;
    std::string task_id(
        absl::StripAsciiWhitespace(absl::string_view(buf, static_cast<size_t>(len))));
    task_id.erase(std::find(task_id.begin(), task_id.end(), '\0'), task_id.end());
    if (task_id.empty()) continue;
    OnLoop([task_id](AgentCore& core) { core.OnExecutorPoke(task_id); });
  }
}

void AgentDaemon::ScheduleTick() {
  loop_->RunAfter(options_.tick_interval_ms, [this] {
    core_->Tick();
    PublishSnapshot();
    ScheduleTick();
  });
}

void AgentDaemon::OnLoop(std::function<void(AgentCore&)> fn) {
  loop_->Post([this, fn = std::move(fn)] {
    fn(*core_);
    PublishSnapshot();
  });
}

void AgentDaemon::PublishSnapshot() {
  auto tasks = std::make_shared<const std::vector<TaskView>>(core_->Tasks());
  unacknowledged_.Set(static_cast<double>(core_->pending_updates()));
  base::MutexLock lock(&snapshot_mu_);
  snapshot_ = std::move(tasks);
}

std::vector<TaskView> AgentDaemon::SnapshotTasks() const {
  base::MutexLock lock(&snapshot_mu_);
  return snapshot_ != nullptr ? *snapshot_ : std::vector<TaskView>();
}

net::HttpResponse AgentDaemon::ServeMetrics(const std::string& path) const {
  std::vector<base::MetricFamily> families = registry_.Collect();
  std::map<std::string, int64_t> by_state;
  for (model::ScheduleStatus s : model::AllStatuses()) by_state[std::string(model::StatusName(s))] = 0;
  for (const TaskView& t : SnapshotTasks()) {
    if (t.state) ++by_state[std::string(model::StatusName(*t.state))];
  }
  base::MetricFamily tasks{"tasks", "Tasks this agent knows, by their last reported state.",
                           base::MetricType::kGauge, {"state"}, {}};
  for (const auto& [state, n] : by_state) {
    tasks.samples.push_back(base::MetricSample{{state}, static_cast<double>(n), {}});
  }
  families.push_back(std::move(tasks));
  if (path == "/metrics") {
    return net::HttpResponse::Of(200, "text/plain; version=0.0.4; charset=utf-8",
                                 base::RenderPrometheus(families, "borealis_agent_"));
  }
  if (path == "/vars.json") {
    return net::HttpResponse::Of(200, "application/json", base::RenderVarsJson(families));
  }
  return net::HttpResponse::Of(200, "text/plain; charset=utf-8", base::RenderVars(families));
}

void AgentDaemon::GcLoop() {
  SandboxGc::Hooks hooks;
  hooks.tasks = [this] { return SnapshotTasks(); };
  hooks.forget = [this](const std::string& task_id) { return ForgetOnLoop(task_id); };
  SandboxGc gc(AgentPaths{options_.core.work_dir}, options_.sandbox_gc, clock_, std::move(hooks));
  while (WaitOrStop(options_.sandbox_gc.interval_ms)) gc.RunOnce();
}

absl::Status AgentDaemon::ForgetOnLoop(const std::string& task_id) {
  auto done = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> result = done->get_future();
  bool posted = loop_->Post([this, done, task_id] {
    absl::Status forgotten = core_->Forget(task_id);
    if (forgotten.ok()) {
      PublishSnapshot();
      forgotten = MoveTaskDirToTrash(AgentPaths{options_.core.work_dir}, task_id);
    }
    done->set_value(std::move(forgotten));
  });
  if (!posted) return absl::CancelledError("the agent is stopping");
  return result.get();
}

std::string AgentDaemon::TasksJson() const {
  std::shared_ptr<const std::vector<TaskView>> tasks;
  {
    base::MutexLock lock(&snapshot_mu_);
    tasks = snapshot_;
  }
  nlohmann::json out = nlohmann::json::array();
  if (tasks != nullptr) {
    for (const TaskView& task : *tasks) {
      out.push_back({
          {"task_id", task.task_id},
          {"state", task.state ? std::string(model::StatusName(*task.state)) : "ASSIGNED"},
          {"executor_pid", task.executor_pid},
          {"executor_alive", task.executor_alive},
          {"sandbox", task.sandbox},
      });
    }
  }
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace borealis::agent
