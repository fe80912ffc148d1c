// HttpServer: lifecycle (start, the I/O threads, an orderly stop) over ServerCore.
#include "borealis/net/http_server.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>

#include "borealis/base/log.h"
#include "borealis/net/internal/server_core.h"

namespace borealis::net {
namespace {

// How long Stop() lets the I/O threads finish the aborted connections before it stops the
// io_context outright. Every pending operation is cancelled by then, so this is a backstop.
constexpr auto kIoDrainTimeout = std::chrono::seconds(10);

}  // namespace

HttpServer::HttpServer(Options options)
    : core_(std::make_shared<internal::ServerCore>(std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(std::string method, std::string path, HttpHandler handler) {
  core_->router().Add(std::move(method), std::move(path), std::move(handler));
}

void HttpServer::RoutePrefix(std::string method, std::string prefix, HttpHandler handler) {
  core_->router().AddPrefix(std::move(method), std::move(prefix), std::move(handler));
}

void HttpServer::WebSocket(std::string path, WebSocketHandlers handlers) {
  core_->router().AddWebSocket(std::move(path), std::move(handlers));
}

absl::Status HttpServer::Start() {
  base::MutexLock l(&lifecycle_mu_);
  if (started_ || stopped_) {
    return absl::FailedPreconditionError("http server on " + core_->options().bind_address +
                                         " was already started or stopped");
  }
  absl::StatusOr<int> bound = core_->Listen();
  if (!bound.ok()) return bound.status();
  port_ = *bound;
  started_ = true;
  core_->StartAccepting();
  const int n = std::max(1, core_->options().io_threads);
  core_->BeginIoThreads(n);
  for (int i = 0; i < n; ++i) {
    io_threads_.emplace_back([core = core_] { core->RunIo(); });
    pthread_setname_np(io_threads_.back().native_handle(), "http-io");
  }
  LOG_DEBUG("http server listening on {}:{}", core_->options().bind_address, port_.load());
  return absl::OkStatus();
}

int HttpServer::port() const { return port_; }

void HttpServer::Stop() {
  base::MutexLock l(&lifecycle_mu_);
  if (stopped_) return;
  stopped_ = true;
  if (!started_) return;
  // 1. No new connections; every open one is aborted (WebSocket sessions get on_close).
  core_->CloseListenerAndConnections();
  // 2. Running handlers finish; their responses go nowhere.
  core_->DrainHandlers();
  // 3. With nothing left to do, the I/O threads leave run().
  core_->ReleaseWork();
  if (!core_->WaitForIoThreads(kIoDrainTimeout)) {
    LOG_ERROR("http server: connections did not finish within {}s; stopping I/O",
              kIoDrainTimeout.count());
    core_->ioc().stop();
  }
  for (auto& t : io_threads_) t.join();
  io_threads_.clear();
}

}  // namespace borealis::net
