// AgentDaemon: the agent's process edge around AgentCore.
//
//  - control loop (runtime::EventLoop): the only thread that touches the AgentCore; it
//    runs Tick() every tick_interval_ms and everything the other threads post;
//  - connector thread: keeps one WebSocket session to ws://MASTER/agent/v1, reconnecting
//    with backoff (backoff_initial_ms doubling to backoff_max_ms) forever; frames are
//    decoded on the client's thread and posted to the loop;
//  - poke thread: reads the unix datagram socket <work-dir>/agent.sock, where executors
//    send their task id after each status.json write, and posts OnExecutorPoke;
//  - HTTP server on --host:--http-port: GET /health -> "OK", GET /tasks -> JSON list of
//    {task_id, state, executor_pid, sandbox}, served from a snapshot the loop publishes,
//    GET /isolation -> JSON of the isolation executors apply (docs/isolation.md),
//    the observer under /observer (observer.h), and the exec endpoints of `task run`,
//    `task ssh` and `task scp` under /exec (exec_server.h), checked with the key the
//    scheduler's registration reply carries;
//  - sandbox GC thread: every sandbox_gc.interval_ms runs SandboxGc (sandbox_gc.h); the
//    core forgets a collected task on the loop.
// Thread contract: Start() and Stop() from one owning thread; http_port() from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "borealis/agent/agent_core.h"
#include "borealis/agent/exec_server.h"
#include "borealis/agent/observer.h"
#include "borealis/agent/sandbox_gc.h"
#include "borealis/base/clock.h"
#include "borealis/base/metrics.h"
#include "borealis/base/mutex.h"
#include "borealis/base/status.h"
#include "borealis/net/http_server.h"
#include "borealis/net/websocket_client.h"
#include "borealis/runtime/event_loop.h"

namespace borealis::agent {

struct AgentDaemonOptions {
  AgentCoreOptions core;
  std::string master_host;
  int master_port = 0;
  std::string http_bind_address = "127.0.0.1";
  int http_port = 0;      // 0: ephemeral
  std::string port_file;  // when set, the bound HTTP port is written here (atomically)
  int64_t tick_interval_ms = 100;
  int connect_timeout_ms = 5000;
  int64_t backoff_initial_ms = 100;
  int64_t backoff_max_ms = 2000;
  GcPolicy sandbox_gc;  // interval_ms <= 0: no sandbox GC
};

class AgentDaemon {
 public:
  // Recovers the core from the work dir, binds the HTTP port and the poke socket, writes
  // the port file, and starts connecting to the scheduler.
  static absl::StatusOr<std::unique_ptr<AgentDaemon>> Start(AgentDaemonOptions options,
                                                            base::Clock& clock);
  ~AgentDaemon();  // Stop()
  AgentDaemon(const AgentDaemon&) = delete;
  AgentDaemon& operator=(const AgentDaemon&) = delete;

  // Stops every thread and closes the session; executors keep running. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);
  int http_port() const { return http_port_; }

 private:
  class SessionTransport;
  struct Session;

  AgentDaemon(AgentDaemonOptions options, base::Clock& clock);
  absl::Status StartServing();
  void ConnectLoop() ABSL_LOCKS_EXCLUDED(mu_);
  void PokeLoop();
  void ScheduleTick();
  // Runs `fn` on the control loop, then republishes the task snapshot.
  void OnLoop(std::function<void(AgentCore&)> fn);
  void PublishSnapshot() ABSL_LOCKS_EXCLUDED(snapshot_mu_);
  std::string TasksJson() const ABSL_LOCKS_EXCLUDED(snapshot_mu_);
  std::vector<TaskView> SnapshotTasks() const ABSL_LOCKS_EXCLUDED(snapshot_mu_);
  // /metrics (Prometheus), /vars and /vars.json.
  net::HttpResponse ServeMetrics(const std::string& path) const;
  void GcLoop();
  // On the loop: the core forgets a collected task and its directory goes to the trash.
  absl::Status ForgetOnLoop(const std::string& task_id);
  // Waits up to `ms` or until Stop(); false when stopping.
  bool WaitOrStop(int64_t ms) ABSL_LOCKS_EXCLUDED(mu_);

  AgentDaemonOptions options_;
  base::Clock& clock_;
  base::MetricsRegistry registry_;
  base::Counter& executor_launches_;
  base::Counter& executor_launch_failures_;
  base::Histogram& launch_seconds_;
  base::Gauge& unacknowledged_;  // status updates not acknowledged yet (set by the loop)
  std::unique_ptr<SessionTransport> transport_;
  std::unique_ptr<AgentCore> core_;  // touched only on loop_
  std::unique_ptr<runtime::EventLoop> loop_;
  std::unique_ptr<net::HttpServer> http_;
  std::unique_ptr<Observer> observer_;
  std::unique_ptr<ExecServer> exec_;
  int http_port_ = 0;

  base::Mutex mu_;
  base::CondVar cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<Session> session_ ABSL_GUARDED_BY(mu_);  // the open session, if any

  mutable base::Mutex exec_key_mu_;
  std::string exec_key_ ABSL_GUARDED_BY(exec_key_mu_);  // from the last registration reply

  mutable base::Mutex snapshot_mu_;
  std::shared_ptr<const std::vector<TaskView>> snapshot_ ABSL_GUARDED_BY(snapshot_mu_);

  int poke_fd_ = -1;
  int wake_fd_ = -1;  // eventfd that ends PokeLoop
  std::thread connector_;
  std::thread poker_;
  std::thread gc_;
  bool stopped_ = false;
};

}  // namespace borealis::agent
