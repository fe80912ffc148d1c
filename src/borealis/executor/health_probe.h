// The probes behind health checks and graceful shutdown (docs/aurora-compatibility.md), at
// the edge: a tiny HTTP/1.0 client and a TCP connect against 127.0.0.1, each bounded
// by a timeout, and BackgroundCall, which runs one such blocking call on its own
// thread and wakes the executor's poll loop through an eventfd when it is done.
//
// Thread contract: HttpCall/TcpProbe/CheckHttpResponse are thread-safe (the clock must
// be). A BackgroundCall is owned by one thread (the executor loop); its work runs on
// a thread of its own, which it joins in Take() or its destructor.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/base/clock.h"

namespace borealis::executor {

struct HttpReply {
  int code = 0;
  std::string body;
};

// `method` (GET or POST, empty body) of `path` on 127.0.0.1:`port`. Fails on a
// connection error, a malformed reply or when `timeout_ms` passes.
absl::StatusOr<HttpReply> HttpCall(const std::string& method, int port, const std::string& path,
                                   int64_t timeout_ms, const base::Clock& clock);

// Connects to 127.0.0.1:`port` within `timeout_ms` and closes the connection.
absl::Status TcpProbe(int port, int64_t timeout_ms, const base::Clock& clock);

// Judges an HTTP health reply: with `expected_code` != 0 only the code is compared;
// otherwise the code must be 2xx and, when `expected_body` is not empty, the body must
// equal it ignoring case and surrounding white space.
absl::Status CheckHttpResponse(const HttpReply& reply, const std::string& expected_body,
                               int expected_code);

class BackgroundCall {
 public:
  BackgroundCall();
  ~BackgroundCall();
  BackgroundCall(const BackgroundCall&) = delete;
  BackgroundCall& operator=(const BackgroundCall&) = delete;

  // Readable (POLLIN) once the running call is done; -1 if no eventfd could be made.
  int fd() const { return event_fd_; }
  bool busy() const { return thread_.joinable(); }
  // Starts `work` on a new thread. Must not be busy.
  void Start(std::function<absl::Status()> work);
  // When the call is done: joins its thread and returns its result. Otherwise nothing.
  std::optional<absl::Status> Take();

 private:
  int event_fd_ = -1;
  std::thread thread_;
  absl::Status result_;  // written by the thread before it signals the eventfd
};

}  // namespace borealis::executor
