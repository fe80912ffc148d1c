// WebSocketClient: connect (resolve, TCP, handshake under one deadline) on the caller's
// thread, then a read loop and a write queue on the client's own thread (see
// websocket_client.h).
//
// ClientCore owns the io_context and the stream. Closures posted to the io_context hold
// the core; Send()/Close() post only while the connection has not ended (checked under
// mu_, and End() flips that flag on the I/O thread), so every posted closure runs before
// the thread leaves run() and no reference cycle outlives the client.
#include "borealis/net/websocket_client.h"

#include <pthread.h>

#include <deque>

#include "absl/base/thread_annotations.h"
#include "borealis/base/log.h"
#include "borealis/base/mutex.h"
#include "borealis/net/internal/beast.h"

namespace borealis::net {
namespace internal {

class ClientCore : public std::enable_shared_from_this<ClientCore> {
 public:
  ClientCore(const std::string& host, int port, const std::string& path,
             WebSocketClient::Handlers handlers, WebSocketClient::Options options)
      : host_(host),
        port_(port),
        path_(path.empty() ? "/" : path),
        url_("ws://" + host + ":" + std::to_string(port) + path_),
        handlers_(std::move(handlers)),
        options_(options),
        resolver_(ioc_),
        ws_(ioc_),
        deadline_(ioc_) {}

  // Connects on the calling thread. On success the read loop is armed and RunIo() may
  // start; on failure nothing is pending.
  absl::Status ConnectBlocking(int timeout_ms);
  void RunIo();
  absl::Status Send(std::string message) ABSL_LOCKS_EXCLUDED(mu_);
  void Close() ABSL_LOCKS_EXCLUDED(mu_);
  // Ends the connection now, without waiting for the peer (the destructor's last resort).
  void Abort() ABSL_LOCKS_EXCLUDED(mu_);
  bool IsOpen() const ABSL_LOCKS_EXCLUDED(mu_);
  // Waits until the connection has ended; false on timeout.
  bool WaitForEnd(std::chrono::milliseconds timeout) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Outgoing {
    std::string data;
    bool close = false;
  };

  void OnResolve(const error_code& ec, const tcp::resolver::results_type& results);
  void OnConnect(const error_code& ec);
  void OnHandshake(const error_code& ec);
  void FinishConnect(absl::Status status);
  absl::Status ConnectError(const std::string& step, const error_code& ec) const;

  void Read();
  void OnRead(const error_code& ec);
  void Enqueue(Outgoing out);
  void WriteNext();
  void End(const error_code& why) ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status CloseReason(const error_code& why) ABSL_LOCKS_EXCLUDED(mu_);

  const std::string host_;
  const int port_;
  const std::string path_;
  const std::string url_;
  const WebSocketClient::Handlers handlers_;
  const WebSocketClient::Options options_;

  asio::io_context ioc_{1};
  tcp::resolver resolver_;
  websocket::stream<beast::tcp_stream> ws_;
  asio::steady_timer deadline_;
  websocket::response_type handshake_response_;
  beast::flat_buffer read_buffer_;

  // Connect phase (caller's thread).
  absl::Status connect_status_;
  bool connect_done_ = false;
  bool timed_out_ = false;

  // I/O thread only, after connect.
  std::deque<Outgoing> queue_;
  bool writing_ = false;
  bool ended_ = false;
  bool close_queued_ = false;

  mutable base::Mutex mu_;
  base::CondVar ended_cv_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;           // End() ran
  bool close_requested_ ABSL_GUARDED_BY(mu_) = false;  // this side asked to close
};

absl::Status ClientCore::ConnectBlocking(int timeout_ms) {
  deadline_.expires_after(Millis(timeout_ms));
  deadline_.async_wait([this](const error_code& ec) {
    if (ec || connect_done_) return;
    timed_out_ = true;
    resolver_.cancel();
    beast::get_lowest_layer(ws_).close();
  });
  resolver_.async_resolve(host_, std::to_string(port_),
                          [this](const error_code& ec, tcp::resolver::results_type results) {
                            OnResolve(ec, results);
                          });
  ioc_.run();  // returns once the connect chain and the deadline are both done
  ioc_.restart();
  if (!connect_status_.ok()) return connect_status_;
  ws_.set_option(WebSocketTimeouts(options_.idle_timeout_ms));
  ws_.read_message_max(options_.max_message_bytes);
  ws_.binary(true);
  Read();
  return absl::OkStatus();
}

void ClientCore::OnResolve(const error_code& ec, const tcp::resolver::results_type& results) {
  if (ec) {
    FinishConnect(ConnectError("resolve", ec));
    return;
  }
  beast::get_lowest_layer(ws_).async_connect(
      results, [this](const error_code& connect_ec, const tcp::endpoint&) {
        OnConnect(connect_ec);
      });
}

void ClientCore::OnConnect(const error_code& ec) {
  if (ec) {
    FinishConnect(ConnectError("connect", ec));
    return;
  }
  error_code ignored;
  beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ignored);
  ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(http::field::user_agent, "borealis");
  }));
  ws_.async_handshake(handshake_response_, host_ + ":" + std::to_string(port_), path_,
                      [this](const error_code& handshake_ec) { OnHandshake(handshake_ec); });
}

void ClientCore::OnHandshake(const error_code& ec) {
  if (ec == websocket::error::upgrade_declined) {
    FinishConnect(absl::UnavailableError("websocket upgrade to " + url_ + " declined: HTTP " +
                                         std::to_string(handshake_response_.result_int())));
    return;
  }
  FinishConnect(ec ? ConnectError("handshake", ec) : absl::OkStatus());
}

void ClientCore::FinishConnect(absl::Status status) {
  connect_done_ = true;
  deadline_.cancel();
  if (timed_out_) {
    status = absl::DeadlineExceededError("websocket connect to " + url_ + " timed out");
  }
  if (!status.ok()) beast::get_lowest_layer(ws_).close();
  connect_status_ = std::move(status);
}

absl::Status ClientCore::ConnectError(const std::string& step, const error_code& ec) const {
  return absl::UnavailableError("websocket connect to " + url_ + " failed at " + step + ": " +
                                ec.message());
}

void ClientCore::RunIo() {
  for (;;) {
    try {
      ioc_.run();
      break;
    } catch (const std::exception& e) {
      LOG_ERROR("websocket client {}: I/O thread caught: {}", url_, e.what());
    } catch (...) {
      LOG_ERROR("websocket client {}: I/O thread caught a non-standard exception", url_);
    }
  }
}

absl::Status ClientCore::Send(std::string message) {
  base::MutexLock l(&mu_);
  if (closed_ || close_requested_) {
    return absl::FailedPreconditionError("websocket " + url_ + " is closed");
  }
  asio::post(ioc_, [self = shared_from_this(), m = std::move(message)]() mutable {
    self->Enqueue(Outgoing{std::move(m), false});
  });
  return absl::OkStatus();
}

void ClientCore::Close() {
  base::MutexLock l(&mu_);
  if (closed_ || close_requested_) return;
  close_requested_ = true;
  asio::post(ioc_, [self = shared_from_this()] { self->Enqueue(Outgoing{{}, true}); });
}

void ClientCore::Abort() {
  base::MutexLock l(&mu_);
  if (closed_) return;
  close_requested_ = true;
  asio::post(ioc_, [self = shared_from_this()] { self->End(asio::error::shut_down); });
}

bool ClientCore::IsOpen() const {
  base::MutexLock l(&mu_);
  return !closed_;
}

bool ClientCore::WaitForEnd(std::chrono::milliseconds timeout) {
  base::MutexLock l(&mu_);
  return ended_cv_.WaitFor(&mu_, timeout, [&] {
    mu_.AssertHeld();
    return closed_;
  });
}

void ClientCore::Read() {
  ws_.async_read(read_buffer_, [self = shared_from_this()](const error_code& ec, size_t) {
    self->OnRead(ec);
  });
}

void ClientCore::OnRead(const error_code& ec) {
  if (ended_) return;
  if (ec) {
    End(ec);
    return;
  }
  std::string message = beast::buffers_to_string(read_buffer_.data());
  read_buffer_.consume(read_buffer_.size());
  if (handlers_.on_message) {
    try {
      handlers_.on_message(std::move(message));
    } catch (const std::exception& e) {
      LOG_ERROR("websocket client {}: on_message threw: {}", url_, e.what());
    } catch (...) {
      LOG_ERROR("websocket client {}: on_message threw", url_);
    }
  }
  Read();
}

void ClientCore::Enqueue(Outgoing out) {
  if (ended_ || close_queued_) return;
  close_queued_ = out.close;
  queue_.push_back(std::move(out));
  if (!writing_) WriteNext();
}

void ClientCore::WriteNext() {
  if (ended_ || queue_.empty()) {
    writing_ = false;
    queue_.clear();
    return;
  }
  writing_ = true;
  if (queue_.front().close) {
    ws_.async_close(websocket::close_code::normal,
                    [self = shared_from_this()](const error_code& ec) {
                      self->writing_ = false;
                      if (ec) self->End(ec);  // else the read loop sees the close
                    });
    return;
  }
  ws_.async_write(asio::buffer(queue_.front().data),
                  [self = shared_from_this()](const error_code& ec, size_t) {
                    if (ec) {
                      self->writing_ = false;
                      self->End(ec);
                      return;
                    }
                    self->queue_.pop_front();
                    self->WriteNext();
                  });
}

absl::Status ClientCore::CloseReason(const error_code& why) {
  {
    base::MutexLock l(&mu_);
    if (close_requested_) return absl::OkStatus();
  }
  if (why == websocket::error::closed) {
    const websocket::close_reason& reason = ws_.reason();
    return absl::UnavailableError("websocket " + url_ + " closed by the peer (code " +
                                  std::to_string(reason.code) + ")");
  }
  if (why == beast::error::timeout) {
    return absl::UnavailableError("websocket " + url_ + ": the peer stopped responding");
  }
  return absl::UnavailableError("websocket " + url_ + ": " + why.message());
}

void ClientCore::End(const error_code& why) {
  if (ended_) return;
  ended_ = true;
  absl::Status reason = CloseReason(why);
  {
    base::MutexLock l(&mu_);
    closed_ = true;
  }
  ws_.set_option(NoWebSocketTimeouts());  // cancels Beast's idle/ping timer
  beast::get_lowest_layer(ws_).close();
  if (!writing_) queue_.clear();
  if (handlers_.on_close) {
    try {
      handlers_.on_close(reason);
    } catch (const std::exception& e) {
      LOG_ERROR("websocket client {}: on_close threw: {}", url_, e.what());
    } catch (...) {
      LOG_ERROR("websocket client {}: on_close threw", url_);
    }
  }
  ended_cv_.SignalAll();
}

}  // namespace internal

namespace {

// How long the destructor waits for a graceful close before it drops the connection.
constexpr auto kGracefulCloseTimeout = std::chrono::seconds(5);

}  // namespace

absl::StatusOr<std::unique_ptr<WebSocketClient>> WebSocketClient::Connect(
    const std::string& host, int port, const std::string& path, Handlers handlers,
    int timeout_ms) {
  return Connect(host, port, path, std::move(handlers), timeout_ms, Options());
}

absl::StatusOr<std::unique_ptr<WebSocketClient>> WebSocketClient::Connect(
    const std::string& host, int port, const std::string& path, Handlers handlers,
    int timeout_ms, Options options) {
  if (port <= 0 || port > 65535) {
    return absl::InvalidArgumentError("websocket port " + std::to_string(port) +
                                      " is out of range");
  }
  auto core = std::make_shared<internal::ClientCore>(host, port, path, std::move(handlers),
                                                     options);
  if (absl::Status s = core->ConnectBlocking(timeout_ms); !s.ok()) return s;
  std::unique_ptr<WebSocketClient> client(new WebSocketClient(core));
  try {
    client->thread_ = std::thread([core] { core->RunIo(); });
  } catch (const std::system_error& e) {
    core->Abort();
    core->RunIo();  // runs the abort and the aborted read here, so nothing is left pending
    return absl::ResourceExhaustedError(std::string("cannot start a websocket thread: ") +
                                        e.what());
  }
  pthread_setname_np(client->thread_.native_handle(), "ws-client");
  return client;
}

WebSocketClient::WebSocketClient(std::shared_ptr<internal::ClientCore> core)
    : core_(std::move(core)) {}

WebSocketClient::~WebSocketClient() {
  if (!core_) return;
  core_->Close();
  if (!thread_.joinable()) return;
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();  // inside a callback: the thread holds the core and finishes on its own
    return;
  }
  if (!core_->WaitForEnd(kGracefulCloseTimeout)) core_->Abort();
  thread_.join();
}

absl::Status WebSocketClient::Send(std::string binary_message) {
  return core_->Send(std::move(binary_message));
}

void WebSocketClient::Close() { core_->Close(); }

bool WebSocketClient::IsOpen() const { return core_->IsOpen(); }

}  // namespace borealis::net
