// WsServerSession: handshake, read loop, write queue and the single end of a server-side
// WebSocket (see ws_server_session.h).
#include "borealis/net/internal/ws_server_session.h"

#include "borealis/base/log.h"

namespace borealis::net::internal {
namespace {

template <class Fn>
void RunCallback(const char* what, const std::string& remote, Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    LOG_ERROR("websocket {}: {} callback threw: {}", remote, what, e.what());
  } catch (...) {
    LOG_ERROR("websocket {}: {} callback threw", remote, what);
  }
}

}  // namespace

WsServerSession::WsServerSession(std::shared_ptr<ServerCore> core, beast::tcp_stream stream,
                                 std::string remote,
                                 std::shared_ptr<const WebSocketHandlers> handlers)
    : core_(std::move(core)),
      id_(core_->NextConnectionId()),
      remote_(std::move(remote)),
      handlers_(std::move(handlers)),
      ws_(std::move(stream)),
      executor_(ws_.get_executor()) {}

WsServerSession::~WsServerSession() { core_->Unregister(id_); }

void WsServerSession::Start(http::request<http::string_body> request) {
  if (!core_->Register(id_, weak_from_this())) {
    beast::get_lowest_layer(ws_).close();  // the server is stopping
    return;
  }
  upgrade_request_ = std::move(request);
  beast::get_lowest_layer(ws_).expires_never();  // the WebSocket timeouts take over
  ws_.set_option(WebSocketTimeouts(core_->options().ws_idle_timeout_ms));
  ws_.set_option(websocket::stream_base::decorator(
      [name = core_->options().server_name](websocket::response_type& res) {
        res.set(http::field::server, name);
      }));
  ws_.read_message_max(core_->options().max_body_bytes);
  ws_.binary(true);
  ws_.async_accept(upgrade_request_, [self = shared_from_this()](const error_code& ec) {
    self->OnAccept(ec);
  });
}

void WsServerSession::OnAccept(const error_code& ec) {
  upgrade_request_ = {};
  if (ec || ended_) {
    End(ec);  // not opened: no callbacks
    return;
  }
  opened_ = true;
  if (handlers_->on_open) {
    RunCallback("on_open", remote_, [&] { handlers_->on_open(shared_from_this()); });
  }
  Read();
}

void WsServerSession::Read() {
  if (ended_) return;
  ws_.async_read(read_buffer_, [self = shared_from_this()](const error_code& ec, size_t) {
    self->OnRead(ec);
  });
}

void WsServerSession::OnRead(const error_code& ec) {
  if (ended_) return;
  if (ec) {
    End(ec);
    return;
  }
  std::string message = beast::buffers_to_string(read_buffer_.data());
  read_buffer_.consume(read_buffer_.size());
  if (handlers_->on_message) {
    RunCallback("on_message", remote_, [&] {
      handlers_->on_message(shared_from_this(), std::move(message));
    });
  }
  Read();
}

void WsServerSession::Send(std::string binary_message) {
  base::MutexLock l(&mu_);
  if (closed_) return;
  asio::post(executor_, [self = shared_from_this(), m = std::move(binary_message)]() mutable {
    self->Enqueue(Outgoing{std::move(m), false});
  });
}

void WsServerSession::Close() {
  base::MutexLock l(&mu_);
  if (closed_) return;
  asio::post(executor_, [self = shared_from_this()] { self->Enqueue(Outgoing{{}, true}); });
}

void WsServerSession::Abort() {
  base::MutexLock l(&mu_);
  if (closed_) return;
  asio::post(executor_, [self = shared_from_this()] { self->End(asio::error::shut_down); });
}

void WsServerSession::Enqueue(Outgoing out) {
  if (ended_ || !opened_ || close_queued_) return;
  close_queued_ = out.close;
  queue_.push_back(std::move(out));
  if (!writing_) WriteNext();
}

void WsServerSession::WriteNext() {
  if (ended_ || queue_.empty()) {
    writing_ = false;
    queue_.clear();  // nothing is being written from it now
    return;
  }
  writing_ = true;
  if (queue_.front().close) {
    ws_.async_close(websocket::close_code::normal,
                    [self = shared_from_this()](const error_code& ec) {
                      self->writing_ = false;
                      // Success: the pending read sees the peer's close and ends the session.
                      if (ec) self->End(ec);
                    });
    return;
  }
  ws_.async_write(asio::buffer(queue_.front().data),
                  [self = shared_from_this()](const error_code& ec, size_t) {
                    self->OnWrite(ec);
                  });
}

void WsServerSession::OnWrite(const error_code& ec) {
  if (ec) {
    writing_ = false;
    End(ec);
    return;
  }
  queue_.pop_front();
  WriteNext();
}

void WsServerSession::End(const error_code& why) {
  if (ended_) return;
  ended_ = true;
  {
    base::MutexLock l(&mu_);
    closed_ = true;
  }
  ws_.set_option(NoWebSocketTimeouts());  // cancels Beast's idle/ping timer
  beast::get_lowest_layer(ws_).close();  // aborts a pending write or close
  if (!writing_) queue_.clear();         // else the write's buffer must live until it returns
  core_->Unregister(id_);
  if (!opened_) return;
  LOG_DEBUG("websocket {} (session {}) ended: {}", remote_, id_, why.message());
  if (handlers_->on_close) {
    RunCallback("on_close", remote_, [&] { handlers_->on_close(shared_from_this()); });
  }
}

}  // namespace borealis::net::internal
