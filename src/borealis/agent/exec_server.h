// ExecServer: the agent's end of `task run`, `task ssh` and `task scp`
// (docs/architecture/exec-grants.md; the endpoints are listed in docs/observer.md).
//
//   WebSocket /exec/v1        the first message is a JSON request {"grant", "action": "run"
//                             | "ssh", "command", "pty", "rows", "cols", "term",
//                             "executor_sandbox", "timeout_ms"}; then frames whose first
//                             byte says what they carry: client → agent 'i' input bytes,
//                             'c' end of input, 'r' {"rows","cols"}; agent → client 'o'
//                             output bytes and, last, 'x' {"exit_code", "error"?}.
//   GET  /exec/file?path=P    scp from the sandbox: the file's bytes (grant header)
//   PUT  /exec/file?path=P    scp into the sandbox: the body becomes the file (grant header)
//
// Every request carries a grant (exec_grant.h) that this agent verifies with the key the
// scheduler gave it: signature, this agent, the action, the expiry, and the task active
// here. The command runs as the task's user in its sandbox, bounded by a timeout and an
// output cap. Files are resolved inside the sandbox by observer_fs.h's rule (no symlink
// followed, no `..`, no absolute path), written as the task's user, within a size cap.
//
// Thread contract: Register once; handlers run on the server's threads; each command has
// its own pump thread. The destructor kills every running command and joins its thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "borealis/agent/agent_core.h"
#include "borealis/base/clock.h"
#include "borealis/base/mutex.h"
#include "borealis/isolation/users.h"
#include "borealis/net/http_server.h"

namespace borealis::agent {

struct ExecServerOptions {
  std::string work_dir;
  std::string agent_id;
  std::function<std::vector<TaskView>()> tasks;  // thread-safe
  std::function<std::string()> key;              // the exec key now ("" until registered)
  base::Clock* clock = nullptr;                  // grant expiry, command deadlines
  bool run_as_agent_user = false;                // the isolation setting of the tasks
  int64_t max_timeout_ms = 3'600'000;            // the longest a command may run
  int64_t default_run_timeout_ms = 600'000;      // a `task run` command without timeout_ms
  int64_t max_output_bytes = 16 << 20;           // output forwarded per command
  int64_t max_file_bytes = 32 << 20;             // one scp file
};

class ExecServer {
 public:
  explicit ExecServer(ExecServerOptions options);
  ~ExecServer();
  ExecServer(const ExecServer&) = delete;
  ExecServer& operator=(const ExecServer&) = delete;

  void Register(net::HttpServer& server);

  struct Session;  // one WebSocket session (exec_server.cc)

 private:
  // The task a verified grant names, with its directories and user.
  struct Target {
    std::string task_id;
    std::string task_dir;
    std::string sandbox;
    std::optional<isolation::UserIdentity> user;  // nullopt: the agent's own
  };
  // The target of `token` for `action`; PermissionDenied with the reason otherwise.
  absl::StatusOr<Target> Authorize(const std::string& token, const std::string& action) const;
  void OnMessage(const std::shared_ptr<net::WebSocketSession>& ws, std::string message);
  void OnClose(const std::shared_ptr<net::WebSocketSession>& ws);
  void Start(const std::shared_ptr<net::WebSocketSession>& ws, const std::string& request);
  net::HttpResponse GetFile(const net::HttpRequest& request) const;
  net::HttpResponse PutFile(const net::HttpRequest& request) const;

  ExecServerOptions options_;
  base::Mutex mu_;
  std::map<uint64_t, std::shared_ptr<Session>> sessions_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> finished_ ABSL_GUARDED_BY(mu_);  // pumps to join
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace borealis::agent
