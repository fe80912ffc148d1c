// ExecServer (see exec_server.h): grants, the command sessions and their pumps.
#include "borealis/agent/exec_server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "borealis/agent/exec_process.h"
#include "borealis/agent/observer_tasks.h"
#include "borealis/base/log.h"
#include "borealis/model/schedule_status.h"
#include "borealis/wire/exec_grant.h"

namespace borealis::agent {

struct ExecServer::Session {
  std::shared_ptr<net::WebSocketSession> ws;
  base::Mutex mu;
  bool started ABSL_GUARDED_BY(mu) = false;
  std::string input ABSL_GUARDED_BY(mu);  // bytes for the command, not written yet
  bool input_closed ABSL_GUARDED_BY(mu) = false;
  int rows ABSL_GUARDED_BY(mu) = 0, cols ABSL_GUARDED_BY(mu) = 0;  // a resize asked for
  bool closed ABSL_GUARDED_BY(mu) = false;  // the client went away: kill the command
  int wake_fd = -1;                         // eventfd that wakes the pump
  std::thread pump;

  ~Session() {
    if (wake_fd >= 0) ::close(wake_fd);
  }
  void Wake() const {
    uint64_t one = 1;
    ssize_t ignored = ::write(wake_fd, &one, sizeof(one));
    (void)ignored;
  }
};

namespace {

std::string ExitFrame(int exit_code, const std::string& error) {
  nlohmann::json j = {{"exit_code", exit_code}};
  if (!error.empty()) j["error"] = error;
  return "x" + j.dump();
}

struct PumpLimits {
  const base::Clock* clock;
  int64_t deadline_ms;  // monotonic ms
  int64_t max_output_bytes;
};

int64_t MonoMs(const base::Clock& clock) { return clock.MonoNowNs() / 1'000'000; }

// Moves bytes between the command and the client until the command ends (and its output
// is drained), the client goes away, or the deadline passes. Sends the exit frame.
void Pump(ExecServer::Session& s, ExecProcess& p, const PumpLimits& limits) {
  int64_t sent = 0;
  bool capped = false, output_open = true;
  std::string error;
  int64_t exited_at = -1;
  char buf[16384];
  while (true) {
    std::string input;
    bool close_input = false, closed = false;
    int rows = 0, cols = 0;
    {
      base::MutexLock lock(&s.mu);
      input.swap(s.input);
      close_input = s.input_closed;
      closed = s.closed;
      rows = s.rows;
      cols = s.cols;
      s.rows = s.cols = 0;
    }
    if (closed) {
      p.Kill();
      break;
    }
    if (rows > 0) p.Resize(rows, cols);
    while (!input.empty() && p.input_fd() >= 0) {
      const ssize_t n = ::write(p.input_fd(), input.data(), input.size());
      if (n > 0) {
        input.erase(0, static_cast<size_t>(n));
      } else if (n < 0 && errno == EAGAIN) {
        pollfd out{p.input_fd(), POLLOUT, 0};
        ::poll(&out, 1, 50);
      } else {
        input.clear();  // the command closed its input
      }
    }
    if (close_input) p.CloseInput();
    const int64_t now = MonoMs(*limits.clock);
    if (now >= limits.deadline_ms) {
      p.Kill();
      error = "timed out";
    }
    pollfd fds[2] = {{output_open ? p.output_fd() : -1, POLLIN, 0}, {s.wake_fd, POLLIN, 0}};
    ::poll(fds, 2, 100);
    if (fds[1].revents & POLLIN) {
      uint64_t v;
      ssize_t ignored = ::read(s.wake_fd, &v, sizeof(v));
      (void)ignored;
    }
    if (output_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      const ssize_t n = ::read(p.output_fd(), buf, sizeof(buf));
      if (n > 0) {
        if (sent + n <= limits.max_output_bytes) {
          s.ws->Send("o" + std::string(buf, static_cast<size_t>(n)));
          sent += n;
        } else if (!capped) {
          capped = true;
          s.ws->Send(absl::StrCat("o\n[borealis: output capped at ", limits.max_output_bytes,
                                  " bytes]\n"));
        }
      } else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        output_open = false;  // EOF (EIO on a pty whose last user is gone)
      }
    }
    std::optional<int> status = p.Poll();
    if (status.has_value()) {
      if (exited_at < 0) exited_at = now;
      // Output left by the command is drained; what a background child keeps open is not
      // waited for beyond a moment.
      if (!output_open || now - exited_at > 500) {
        s.ws->Send(ExitFrame(*status, error));
        break;
      }
    }
  }
  s.ws->Close();
}

}  // namespace

ExecServer::ExecServer(ExecServerOptions options) : options_(std::move(options)) {}

ExecServer::~ExecServer() {
  std::vector<std::thread> threads;
  {
    base::MutexLock lock(&mu_);
    stopping_ = true;
    for (auto& [id, s] : sessions_) {
      {
        base::MutexLock session_lock(&s->mu);
        s->closed = true;
      }
      if (s->wake_fd >= 0) s->Wake();
      if (s->pump.joinable()) threads.push_back(std::move(s->pump));
    }
    sessions_.clear();
    for (auto& t : finished_) threads.push_back(std::move(t));
    finished_.clear();
  }
  for (auto& t : threads) t.join();
}

void ExecServer::Register(net::HttpServer& server) {
  net::WebSocketHandlers ws;
  ws.on_open = [this](std::shared_ptr<net::WebSocketSession> session) {
    auto s = std::make_shared<Session>();
    s->ws = session;
    s->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    base::MutexLock lock(&mu_);
    sessions_[session->id()] = std::move(s);
  };
  ws.on_message = [this](const std::shared_ptr<net::WebSocketSession>& s, std::string m) {
    OnMessage(s, std::move(m));
  };
  ws.on_close = [this](const std::shared_ptr<net::WebSocketSession>& s) { OnClose(s); };
  server.WebSocket("/exec/v1", ws);
  server.Route("GET", "/exec/file", [this](const net::HttpRequest& r) { return GetFile(r); });
  server.Route("PUT", "/exec/file", [this](const net::HttpRequest& r) { return PutFile(r); });
}

absl::StatusOr<ExecServer::Target> ExecServer::Authorize(const std::string& token,
                                                         const std::string& action) const {
  wire::ExecGrantCheck check{options_.agent_id, action, options_.clock->NowMs()};
  ASSIGN_OR_RETURN(wire::ExecGrant grant, wire::VerifyExecGrant(token, options_.key(), check));
  for (const TaskView& view : options_.tasks()) {
    if (view.task_id != grant.task_id) continue;
    if (!view.state.has_value() || !model::IsActive(*view.state)) break;
    AgentPaths paths{options_.work_dir};
    Target target;
    target.task_id = view.task_id;
    target.task_dir = paths.TaskDir(view.task_id);
    target.sandbox = paths.Sandbox(view.task_id);
    if (!options_.run_as_agent_user) {
      const ObservedTask task = LoadObservedTask(paths, view);
      ASSIGN_OR_RETURN(isolation::UserIdentity user, isolation::LookupUser(task.role));
      if (user.uid != ::geteuid()) target.user = std::move(user);
    }
    return target;
  }
  return absl::PermissionDeniedError(
      absl::StrCat("exec grant refused: task ", grant.task_id, " is not active on this agent"));
}

void ExecServer::OnMessage(const std::shared_ptr<net::WebSocketSession>& ws, std::string message) {
  std::shared_ptr<Session> s;
  {
    base::MutexLock lock(&mu_);
    auto it = sessions_.find(ws->id());
    if (it == sessions_.end()) return;
    s = it->second;
  }
  bool started;
  {
    base::MutexLock lock(&s->mu);
    started = s->started;
    s->started = true;
    if (started && !message.empty()) {
      if (message[0] == 'i') {
        s->input.append(message, 1);
      } else if (message[0] == 'c') {
        s->input_closed = true;
      } else if (message[0] == 'r') {
        nlohmann::json j = nlohmann::json::parse(message.substr(1), nullptr, false);
        if (j.is_object()) {
          s->rows = j.value("rows", 0);
          s->cols = j.value("cols", 0);
        }
      }
    }
  }
  if (!started) {
    Start(ws, message);
  } else {
    s->Wake();
  }
}

void ExecServer::OnClose(const std::shared_ptr<net::WebSocketSession>& ws) {
  base::MutexLock lock(&mu_);
  auto it = sessions_.find(ws->id());
  if (it == sessions_.end()) return;
  std::shared_ptr<Session> s = it->second;
  sessions_.erase(it);
  {
    base::MutexLock session_lock(&s->mu);
    s->closed = true;
  }
  s->Wake();
  if (s->pump.joinable()) finished_.push_back(std::move(s->pump));
}

void ExecServer::Start(const std::shared_ptr<net::WebSocketSession>& ws,
                       const std::string& request) {
  auto refuse = [&](const std::string& why) {
    ws->Send(ExitFrame(-1, why));
    ws->Close();
  };
  nlohmann::json req = nlohmann::json::parse(request, nullptr, false);
  if (!req.is_object() || !req.contains("grant") || !req["grant"].is_string()) {
    return refuse("the first message must be a JSON request with a grant");
  }
  const std::string action = req.value("action", "");
  if (action != "run" && action != "ssh") return refuse("action: expected run or ssh");
  auto target = Authorize(req["grant"].get<std::string>(), action);
  if (!target.ok()) return refuse(std::string(target.status().message()));
  ExecSpec spec;
  spec.command = req.value("command", "");
  spec.pty = req.value("pty", false) && action == "ssh";
  if (spec.command.empty() && !spec.pty) return refuse("command: empty");
  spec.rows = req.value("rows", 24);
  spec.cols = req.value("cols", 80);
  spec.term = req.value("term", "xterm");
  spec.cwd = req.value("executor_sandbox", false) ? target->task_dir : target->sandbox;
  spec.home = target->sandbox;
  spec.user = target->user;
  int64_t timeout_ms = req.value("timeout_ms", int64_t{0});
  if (timeout_ms <= 0) timeout_ms = spec.pty ? options_.max_timeout_ms : options_.default_run_timeout_ms;
  timeout_ms = std::min(timeout_ms, options_.max_timeout_ms);
  auto process = ExecProcess::Spawn(spec);
  if (!process.ok()) return refuse(absl::StrCat("cannot start the command: ", process.status().message()));
  LOG_INFO("exec: {} on task {} (pid {})", action, target->task_id, (*process)->pid());

  std::shared_ptr<Session> s;
  base::MutexLock lock(&mu_);
  // Pumps that ended are joined here, off the server's threads' critical path.
  for (auto it = finished_.begin(); it != finished_.end();) {
    it->join();
    it = finished_.erase(it);
  }
  auto found = sessions_.find(ws->id());
  if (stopping_ || found == sessions_.end()) return;  // closed meanwhile: the process dies
  s = found->second;
  PumpLimits limits{options_.clock, MonoMs(*options_.clock) + timeout_ms, options_.max_output_bytes};
  s->pump = std::thread(
      [s, limits, p = std::shared_ptr<ExecProcess>(std::move(*process))] {
        Pump(*s, *p, limits);
      });
}

}  // namespace borealis::agent
