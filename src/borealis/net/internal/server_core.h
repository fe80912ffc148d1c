// ServerCore: everything an HttpServer's connections share — the io_context, the
// listener, the route table, the handler pool and the registry of live connections.
//
// Lifetime: connections and WebSocket sessions hold a shared_ptr to the core, so the
// io_context outlives every socket even when a user keeps a session after the server is
// gone. No core member holds a connection strongly except pending work in the io_context
// and the handler pool, which HttpServer::Stop() drains before it returns.
//
// Thread contract: Register/Unregister/CloseAll, PostToHandlers and the Router are
// thread-safe; the acceptor is used only on its strand.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "borealis/base/mutex.h"
#include "borealis/net/http_server.h"
#include "borealis/net/internal/beast.h"
#include "borealis/net/internal/router.h"

namespace borealis::net::internal {

// A connection the server can tear down when it stops (HTTP connection or WebSocket
// session). Abort() is thread-safe and closes the socket without a goodbye.
class Abortable {
 public:
  virtual ~Abortable() = default;
  virtual void Abort() = 0;
};

class ServerCore : public std::enable_shared_from_this<ServerCore> {
 public:
  explicit ServerCore(HttpServer::Options options);
  ~ServerCore();

  const HttpServer::Options& options() const { return options_; }
  asio::io_context& ioc() { return ioc_; }
  Router& router() { return router_; }
  uint64_t NextConnectionId() { return next_id_.fetch_add(1) + 1; }

  // Binds and listens; returns the bound port.
  absl::StatusOr<int> Listen();
  // Starts the accept loop (on the acceptor's strand).
  void StartAccepting();

  // False once CloseAll() ran: the caller must close its socket and go away.
  bool Register(uint64_t id, std::weak_ptr<Abortable> connection) ABSL_LOCKS_EXCLUDED(registry_mu_);
  void Unregister(uint64_t id) ABSL_LOCKS_EXCLUDED(registry_mu_);

  // Runs `task` on the handler pool; false once the pool is closed.
  bool PostToHandlers(std::function<void()> task) ABSL_LOCKS_EXCLUDED(pool_mu_);

  // Stop, in order: stop accepting and abort every connection; drain and join the handler
  // pool; then let the I/O threads run out of work (ReleaseWork).
  void CloseListenerAndConnections() ABSL_LOCKS_EXCLUDED(registry_mu_);
  void DrainHandlers() ABSL_LOCKS_EXCLUDED(pool_mu_);
  void ReleaseWork();
  bool stopping() const { return stopping_.load(); }

  // I/O threads: BeginIoThreads(n) before spawning n threads that each call RunIo(), which
  // runs the io_context until it is out of work (exceptions are logged, not fatal).
  // WaitForIoThreads returns false if they are still running after `timeout`.
  void BeginIoThreads(int n) ABSL_LOCKS_EXCLUDED(io_mu_);
  void RunIo() ABSL_LOCKS_EXCLUDED(io_mu_);
  bool WaitForIoThreads(std::chrono::milliseconds timeout) ABSL_LOCKS_EXCLUDED(io_mu_);

 private:
  void Accept();
  void OnAccept(const error_code& ec, tcp::socket socket);

  const HttpServer::Options options_;
  Router router_;
  std::atomic<uint64_t> next_id_{0};
  std::atomic<bool> stopping_{false};

  base::Mutex registry_mu_;
  bool registry_closed_ ABSL_GUARDED_BY(registry_mu_) = false;
  std::map<uint64_t, std::weak_ptr<Abortable>> connections_ ABSL_GUARDED_BY(registry_mu_);

  base::Mutex io_mu_;
  base::CondVar io_cv_;
  int io_running_ ABSL_GUARDED_BY(io_mu_) = 0;

  base::Mutex pool_mu_;
  bool pool_closed_ ABSL_GUARDED_BY(pool_mu_) = false;
  // Posted to under pool_mu_ (so that nothing is posted once it is closed); joined without.
  asio::thread_pool handler_pool_;

  // Asio objects last: they are destroyed first, while the members above still exist.
  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
};

}  // namespace borealis::net::internal
