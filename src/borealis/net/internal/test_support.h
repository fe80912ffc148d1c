// Test-only helpers for net/ tests: a thread-safe collector that tests wait on with a
// deadline (never a sleep), and a raw blocking TCP/HTTP peer for protocol-level checks.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "borealis/base/mutex.h"
#include "borealis/net/internal/beast.h"

namespace borealis::net::internal {

inline constexpr auto kTestDeadline = std::chrono::seconds(20);

// Collects strings from any thread; tests wait until enough have arrived.
class Collector {
 public:
  void Add(std::string s) {
    base::MutexLock l(&mu_);
    items_.push_back(std::move(s));
    cv_.SignalAll();
  }
  // True when at least `n` items arrived before the deadline.
  bool WaitFor(size_t n) {
    base::MutexLock l(&mu_);
    return cv_.WaitFor(&mu_, kTestDeadline, [&] {
      mu_.AssertHeld();
      return items_.size() >= n;
    });
  }
  std::vector<std::string> Items() const {
    base::MutexLock l(&mu_);
    return items_;
  }
  size_t Size() const {
    base::MutexLock l(&mu_);
    return items_.size();
  }

 private:
  mutable base::Mutex mu_;
  base::CondVar cv_;
  std::vector<std::string> items_ ABSL_GUARDED_BY(mu_);
};

// A blocking TCP connection to 127.0.0.1:port for writing raw bytes and reading HTTP.
class RawPeer {
 public:
  explicit RawPeer(int port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                  static_cast<uint16_t>(port)));
  }
  void Write(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }
  // Reads one HTTP response; an error code (e.g. end_of_stream) when the server closed.
  error_code ReadResponse(http::response<http::string_body>& out) {
    error_code ec;
    http::read(socket_, buffer_, out, ec);
    return ec;
  }
  tcp::socket& socket() { return socket_; }
  std::string LocalAddress() const { return EndpointString(socket_.local_endpoint()); }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

}  // namespace borealis::net::internal
