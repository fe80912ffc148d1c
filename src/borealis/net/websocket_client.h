// WebSocketClient: the client end of one WebSocket connection (the agent's channel to the
// scheduler), on Boost.Beast kept out of this header. Messages go out as binary frames.
//
// Invariants: Connect() returns only a connected client or an error; on_message runs on the
// client's own thread, one message at a time, in arrival order; on_close runs exactly once,
// on that thread, after the connection ends for any reason — with OK when this side asked
// for it (Close() or the destructor), otherwise with the reason (peer closed, peer vanished:
// no frame or pong within idle_timeout_ms, network error). After that, Send() fails.
//
// Thread contract: Send() and Close() are thread-safe and never block. The destructor
// closes and waits (bounded by the close handshake timeout) for the thread to finish; it
// may run inside a callback, in which case it does not wait. Nothing throws.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace borealis::net {

namespace internal {
class ClientCore;
}  // namespace internal

class WebSocketClient {
 public:
  struct Handlers {
    std::function<void(std::string message)> on_message;  // on the client's own thread
    std::function<void(absl::Status why)> on_close;         // exactly once, after Connect succeeded
  };
  struct Options {
    int idle_timeout_ms = 30'000;         // a ping goes out at half of this
    size_t max_message_bytes = 64 << 20;  // larger incoming messages end the connection
  };

  // Connects to ws://host:port/path within `timeout_ms` (resolve, TCP connect and handshake
  // together). DeadlineExceeded on timeout, Unavailable when refused or declined.
  static absl::StatusOr<std::unique_ptr<WebSocketClient>> Connect(
      const std::string& host, int port, const std::string& path, Handlers handlers,
      int timeout_ms);
  static absl::StatusOr<std::unique_ptr<WebSocketClient>> Connect(
      const std::string& host, int port, const std::string& path, Handlers handlers,
      int timeout_ms, Options options);

  ~WebSocketClient();  // closes and joins
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  // Queues a binary message. FailedPrecondition once the connection has ended.
  absl::Status Send(std::string binary_message);
  // Flushes queued messages, then closes with a close frame. Idempotent.
  void Close();
  // True until the connection has ended.
  bool IsOpen() const;

 private:
  explicit WebSocketClient(std::shared_ptr<internal::ClientCore> core);

  std::shared_ptr<internal::ClientCore> core_;
  std::thread thread_;
};

}  // namespace borealis::net
