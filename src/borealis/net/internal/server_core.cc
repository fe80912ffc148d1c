// ServerCore: listener, accept loop, connection registry and handler pool (see
// server_core.h).
#include "borealis/net/internal/server_core.h"

#include <algorithm>

#include "borealis/base/log.h"
#include "borealis/net/internal/http_connection.h"

namespace borealis::net::internal {

ServerCore::ServerCore(HttpServer::Options options)
    : options_(std::move(options)),
      handler_pool_(static_cast<size_t>(std::max(1, options_.threads))),
      ioc_(std::max(1, options_.io_threads)),
      work_(asio::make_work_guard(ioc_)),
      acceptor_(asio::make_strand(ioc_)),
      accept_retry_(acceptor_.get_executor()) {}

ServerCore::~ServerCore() {
  // Normally drained by HttpServer::Stop(); this covers a server never started.
  {
    base::MutexLock l(&pool_mu_);
    pool_closed_ = true;
  }
  handler_pool_.join();
}

absl::StatusOr<int> ServerCore::Listen() {
  const std::string where = options_.bind_address + ":" + std::to_string(options_.port);
  error_code ec;
  asio::ip::address address = asio::ip::make_address(options_.bind_address, ec);
  if (ec) {
    return absl::InvalidArgumentError("bind address '" + options_.bind_address +
                                      "' is not an IP address: " + ec.message());
  }
  if (options_.port < 0 || options_.port > 65535) {
    return absl::InvalidArgumentError("port " + std::to_string(options_.port) +
                                      " is out of range");
  }
  tcp::endpoint endpoint(address, static_cast<uint16_t>(options_.port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor_.close(ignored);
    return absl::UnavailableError("cannot listen on " + where + ": " + ec.message());
  }
  tcp::endpoint bound = acceptor_.local_endpoint(ec);
  if (ec) return absl::UnavailableError("cannot read the port of " + where + ": " + ec.message());
  return static_cast<int>(bound.port());
}

void ServerCore::StartAccepting() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->Accept(); });
}

void ServerCore::Accept() {
  if (stopping_ || !acceptor_.is_open()) return;
  acceptor_.async_accept(asio::make_strand(ioc_),
                         [self = shared_from_this()](const error_code& ec, tcp::socket socket) {
                           self->OnAccept(ec, std::move(socket));
                         });
}

void ServerCore::OnAccept(const error_code& ec, tcp::socket socket) {
  if (stopping_ || ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // Out of descriptors and the like: back off briefly instead of spinning.
    LOG_WARN("http server: accept failed: {}", ec.message());
    accept_retry_.expires_after(std::chrono::milliseconds(50));
    accept_retry_.async_wait([self = shared_from_this()](const error_code& wait_ec) {
      if (!wait_ec) self->Accept();
    });
    return;
  }
  auto connection = std::make_shared<HttpConnection>(shared_from_this(), std::move(socket));
  connection->Start();
  Accept();
}

bool ServerCore::Register(uint64_t id, std::weak_ptr<Abortable> connection) {
  base::MutexLock l(&registry_mu_);
  if (registry_closed_) return false;
  connections_[id] = std::move(connection);
  return true;
}

void ServerCore::Unregister(uint64_t id) {
  base::MutexLock l(&registry_mu_);
  connections_.erase(id);
}

bool ServerCore::PostToHandlers(std::function<void()> task) {
  base::MutexLock l(&pool_mu_);
  if (pool_closed_) return false;
  asio::post(handler_pool_, std::move(task));
  return true;
}

void ServerCore::CloseListenerAndConnections() {
  stopping_ = true;
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    error_code ignored;
    self->acceptor_.close(ignored);
    self->accept_retry_.cancel();
  });
  std::vector<std::shared_ptr<Abortable>> live;
  {
    base::MutexLock l(&registry_mu_);
    registry_closed_ = true;
    for (auto& [id, weak] : connections_) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
    connections_.clear();
  }
  for (auto& c : live) c->Abort();
}

void ServerCore::DrainHandlers() {
  {
    base::MutexLock l(&pool_mu_);
    pool_closed_ = true;
  }
  handler_pool_.join();  // runs every task posted before the pool closed
}

void ServerCore::ReleaseWork() { work_.reset(); }

void ServerCore::BeginIoThreads(int n) {
  base::MutexLock l(&io_mu_);
  io_running_ += n;
}

void ServerCore::RunIo() {
  for (;;) {
    try {
      ioc_.run();
      break;
    } catch (const std::exception& e) {
      LOG_ERROR("http server: I/O thread caught: {}", e.what());
    } catch (...) {
      LOG_ERROR("http server: I/O thread caught a non-standard exception");
    }
  }
  base::MutexLock l(&io_mu_);
  io_running_--;
  io_cv_.SignalAll();
}

bool ServerCore::WaitForIoThreads(std::chrono::milliseconds timeout) {
  base::MutexLock l(&io_mu_);
  return io_cv_.WaitFor(&io_mu_, timeout, [&] {
    io_mu_.AssertHeld();
    return io_running_ == 0;
  });
}

}  // namespace borealis::net::internal
