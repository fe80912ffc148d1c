// HttpServer: an HTTP/1.1 server with WebSocket upgrade, on Boost.Beast (kept out of this
// header). Every daemon serves its API, UI, metrics and agent channel through one of these.
//
// Behaviour: exact routes win over prefix routes and the longest matching prefix wins;
// a path that matches only with other methods -> 405 with Allow; no match -> 404; a body
// over Options::max_body_bytes -> 413 and close; malformed HTTP -> 400 and close; a plain
// GET on a WebSocket path -> 426. Keep-alive is honoured; "Expect: 100-continue" is
// answered. WebSocket messages are sent as binary frames; text frames are accepted.
//
// Threads: network I/O runs on Options::io_threads threads; HTTP handlers run on a
// separate pool of Options::threads threads, so a handler that blocks never stalls other
// connections or WebSocket traffic (and at most `threads` handlers run at once). WebSocket
// callbacks run on the I/O threads, one at a time and in order per session; they must not
// block for long. Route(), RoutePrefix() and WebSocket() may be called at any time, from
// any thread. Stop() must not be called from a handler or callback.
//
// Lifetime: after Stop() no handler or callback is running or will run, every open
// WebSocket session has had on_close, and sessions still held by users are inert (Send and
// Close do nothing). Nothing throws out of this class.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "borealis/base/mutex.h"
#include "borealis/net/http.h"

namespace borealis::net {

namespace internal {
class ServerCore;
}  // namespace internal

// One accepted WebSocket connection (server side).
class WebSocketSession {
 public:
  virtual ~WebSocketSession() = default;
  virtual uint64_t id() const = 0;                     // unique within the server
  virtual std::string remote_address() const = 0;      // "ip:port"
  virtual void Send(std::string binary_message) = 0;  // thread-safe; queued; never blocks
  virtual void Close() = 0;  // thread-safe; flushes queued messages, then a close frame
};

struct WebSocketHandlers {
  // After the handshake, before any on_message.
  std::function<void(std::shared_ptr<WebSocketSession>)> on_open;
  std::function<void(const std::shared_ptr<WebSocketSession>&, std::string message)> on_message;
  // Exactly once per session that had on_open: peer closed, peer vanished (idle timeout),
  // Close(), or the server stopped.
  std::function<void(const std::shared_ptr<WebSocketSession>&)> on_close;
};

class HttpServer {
 public:
  struct Options {
    std::string bind_address = "127.0.0.1";
    int port = 0;  // 0: an ephemeral port, read it back with port()
    int threads = 4;  // HTTP handler threads
    size_t max_body_bytes = 64 << 20;  // also the largest WebSocket message accepted
    int io_threads = 1;
    int idle_timeout_ms = 60'000;     // keep-alive connection with no request -> closed
    int ws_idle_timeout_ms = 30'000;  // no frame from the peer (pings are sent at half) -> closed
    std::string server_name = "borealis";  // the Server header
  };

  explicit HttpServer(Options options);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void Route(std::string method, std::string path, HttpHandler handler);  // exact path
  void RoutePrefix(std::string method, std::string prefix, HttpHandler handler);  // longest wins
  void WebSocket(std::string path, WebSocketHandlers handlers);  // GET upgrade on path

  // Binds and listens; port() is valid afterwards. Fails on a bad address or a port in use,
  // or when called twice.
  absl::Status Start() ABSL_LOCKS_EXCLUDED(lifecycle_mu_);
  int port() const;
  // Closes the listener and all connections and sessions, waits for running handlers, joins
  // the threads. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(lifecycle_mu_);

 private:
  std::shared_ptr<internal::ServerCore> core_;
  base::Mutex lifecycle_mu_;  // serialises Start and Stop
  std::vector<std::thread> io_threads_ ABSL_GUARDED_BY(lifecycle_mu_);
  std::atomic<int> port_{0};
  bool started_ ABSL_GUARDED_BY(lifecycle_mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(lifecycle_mu_) = false;
};

}  // namespace borealis::net
