// HttpConnection: the per-connection HTTP/1.1 state machine (see http_connection.h).
#include "borealis/net/internal/http_connection.h"

#include <cstdio>

#include <boost/beast/core/string.hpp>

#include "borealis/base/log.h"
#include "borealis/net/internal/ws_server_session.h"
#include "borealis/net/url.h"

namespace borealis::net::internal {
namespace {

constexpr size_t kHeaderLimit = 64 * 1024;
constexpr int kWriteTimeoutMs = 30'000;
constexpr int kLingerTimeoutMs = 2'000;
constexpr size_t kLingerMaxBytes = 4 << 20;

bool IsHttpProtocolError(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

HttpResponse InvokeHandler(const HttpHandler& handler, const HttpRequest& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    LOG_ERROR("http server: handler for {} {} threw: {}", request.method, request.path, e.what());
    return HttpResponse::Text(500, "internal error in handler for " + request.path + "\n");
  } catch (...) {
    LOG_ERROR("http server: handler for {} {} threw", request.method, request.path);
    return HttpResponse::Text(500, "internal error in handler for " + request.path + "\n");
  }
}

}  // namespace

HttpConnection::HttpConnection(std::shared_ptr<ServerCore> core, tcp::socket socket)
    : core_(std::move(core)),
      id_(core_->NextConnectionId()),
      stream_(std::move(socket)),
      executor_(stream_.get_executor()),
      remote_(PeerString(stream_.socket())) {
  error_code ignored;
  stream_.socket().set_option(tcp::no_delay(true), ignored);
}

HttpConnection::~HttpConnection() { core_->Unregister(id_); }

void HttpConnection::Start() {
  if (!core_->Register(id_, weak_from_this())) {
    asio::post(executor_, [self = shared_from_this()] { self->CloseSocket(); });
    return;
  }
  asio::post(executor_, [self = shared_from_this()] { self->ReadHeader(); });
}

void HttpConnection::Abort() {
  asio::post(executor_, [self = shared_from_this()] { self->CloseSocket(); });
}

void HttpConnection::ReadHeader() {
  if (closed_) return;
  parser_.emplace();
  parser_->body_limit(core_->options().max_body_bytes);
  parser_->header_limit(kHeaderLimit);
  stream_.expires_after(Millis(core_->options().idle_timeout_ms));
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](const error_code& ec, size_t) {
                            self->OnHeader(ec);
                          });
}

void HttpConnection::OnHeader(const error_code& ec) {
  if (ec) {
    OnReadError(ec);
    return;
  }
  const auto& req = parser_->get();
  version_ = req.version();
  request_description_ = std::string(req.method_string()) + " " + std::string(req.target());
  if (!parser_->is_done() && beast::iequals(req[http::field::expect], "100-continue")) {
    continue_response_ = http::response<http::empty_body>(http::status::continue_, version_);
    stream_.expires_after(Millis(kWriteTimeoutMs));
    http::async_write(stream_, continue_response_,
                      [self = shared_from_this()](const error_code& write_ec, size_t) {
                        if (write_ec) {
                          self->CloseSocket();
                        } else {
                          self->ReadBody();
                        }
                      });
    return;
  }
  ReadBody();
}

void HttpConnection::ReadBody() {
  if (closed_) return;
  if (parser_->is_done()) {
    Dispatch();
    return;
  }
  stream_.expires_after(Millis(core_->options().idle_timeout_ms));
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](const error_code& ec, size_t) { self->OnBody(ec); });
}

void HttpConnection::OnBody(const error_code& ec) {
  if (ec) {
    OnReadError(ec);
    return;
  }
  Dispatch();
}

void HttpConnection::OnReadError(const error_code& ec) {
  if (closed_ || ec == http::error::end_of_stream || ec == http::error::partial_message ||
      !IsHttpProtocolError(ec)) {
    CloseSocket();  // the peer went away, timed out, or we were aborted
  } else if (ec == http::error::body_limit) {
    SendErrorAndClose(413, "request body exceeds " +
                               std::to_string(core_->options().max_body_bytes) + " bytes\n");
  } else if (ec == http::error::header_limit) {
    SendErrorAndClose(431, "request header exceeds " + std::to_string(kHeaderLimit) +
                               " bytes\n");
  } else {
    SendErrorAndClose(400, "malformed HTTP request: " + ec.message() + "\n");
  }
}

void HttpConnection::Dispatch() {
  stream_.expires_never();
  http::request<http::string_body> msg = parser_->release();
  parser_.reset();
  const bool keep_alive = msg.keep_alive();
  HttpRequest request;
  request.method = std::string(msg.method_string());
  request.target = std::string(msg.target());
  ParsedTarget parsed = ParseTarget(request.target);
  request.path = std::move(parsed.path);
  request.query = std::move(parsed.query);
  request.headers = LowerCaseHeaders(msg);
  request.remote_address = remote_;

  if (auto ws_handlers = core_->router().FindWebSocket(request.path)) {
    if (websocket::is_upgrade(msg)) {
      Upgrade(std::move(ws_handlers), std::move(msg));
    } else {
      Respond(HttpResponse::Text(426, "use a WebSocket upgrade on " + request.path + "\n"),
              keep_alive);
    }
    return;
  }
  request.body = std::move(msg.body());
  RouteMatch match = core_->router().Find(request.method, request.path);
  if (!match.handler) {
    HttpResponse r = HttpResponse::Text(
        match.status, (match.status == 405 ? "method " + request.method + " not allowed on "
                                           : "no route for " + request.method + " ") +
                          request.path + "\n");
    if (!match.allow.empty()) r.headers.emplace_back("Allow", match.allow);
    Respond(std::move(r), keep_alive);
    return;
  }
  auto self = shared_from_this();
  bool posted = core_->PostToHandlers(
      [self, handler = std::move(match.handler), request = std::move(request), keep_alive] {
        HttpResponse response = InvokeHandler(*handler, request);
        asio::post(self->executor_, [self, response = std::move(response), keep_alive]() mutable {
          self->Respond(std::move(response), keep_alive);
        });
      });
  if (!posted) CloseSocket();  // the server is stopping
}

void HttpConnection::Upgrade(std::shared_ptr<const WebSocketHandlers> handlers,
                             http::request<http::string_body> request) {
  upgraded_ = true;
  auto session = std::make_shared<WsServerSession>(core_, std::move(stream_), remote_,
                                                   std::move(handlers));
  session->Start(std::move(request));
}

void HttpConnection::Respond(HttpResponse response, bool keep_alive) {
  if (closed_) {
    if (response.stream) response.stream->Close();
    return;
  }
  if (response.stream) {
    StartStream(std::move(response));
    return;
  }
  try {
    response_ = http::response<http::string_body>();
    response_.version(version_);
    const bool valid_status = response.status >= 100 && response.status <= 999;
    response_.result(valid_status ? static_cast<unsigned>(response.status) : 500u);
    response_.set(http::field::server, core_->options().server_name);
    response_.set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) response_.insert(name, value);
    response_.keep_alive(keep_alive && !core_->stopping());
    response_.body() = std::move(response.body);
    response_.prepare_payload();
  } catch (const std::exception& e) {
    LOG_ERROR("http server: cannot build the response to {}: {}", request_description_,
              e.what());
    CloseSocket();
    return;
  }
  stream_.expires_after(Millis(kWriteTimeoutMs));
  http::async_write(stream_, response_,
                    [self = shared_from_this(), again = response_.keep_alive()](
                        const error_code& ec, size_t) { self->OnWrite(ec, again); });
}

void HttpConnection::StartStream(HttpResponse response) {
  body_stream_ = std::move(response.stream);
  const bool valid_status = response.status >= 100 && response.status <= 999;
  const unsigned status = valid_status ? static_cast<unsigned>(response.status) : 500u;
  stream_out_ = "HTTP/1.1 " + std::to_string(status) + " " +
                std::string(http::obsolete_reason(http::int_to_status(status))) + "\r\n";
  stream_out_ += "Server: " + core_->options().server_name + "\r\n";
  stream_out_ += "Content-Type: " + response.content_type + "\r\n";
  for (const auto& [name, value] : response.headers) stream_out_ += name + ": " + value + "\r\n";
  stream_out_ += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  stream_writing_ = true;
  stream_.expires_after(Millis(kWriteTimeoutMs));
  asio::async_write(stream_, asio::buffer(stream_out_),
                    [self = shared_from_this()](const error_code& ec, size_t) {
                      self->stream_writing_ = false;
                      if (ec || self->closed_) {
                        self->CloseSocket();
                        return;
                      }
                      std::weak_ptr<HttpConnection> weak = self;
                      self->body_stream_->Open([weak] {
                        if (auto conn = weak.lock()) {
                          asio::post(conn->executor_, [conn] { conn->PumpStream(); });
                        }
                      });
                      self->WatchPeer();
                      self->PumpStream();
                    });
}

void HttpConnection::WatchPeer() {
  // The client sends nothing more; whatever completes this read (its close, a reset, our
  // own close) ends the stream.
  stream_.expires_never();
  stream_.async_read_some(asio::buffer(drain_buffer_),
                          [self = shared_from_this()](const error_code& ec, size_t) {
                            if (ec || self->closed_) {
                              self->CloseSocket();
                            } else {
                              self->WatchPeer();
                            }
                          });
}

void HttpConnection::PumpStream() {
  if (closed_ || stream_writing_ || !body_stream_) return;
  bool done = false;
  std::string data = body_stream_->Pull(&done);
  if (data.empty() && !done) return;
  stream_out_.clear();
  if (!data.empty()) {
    char size[32];
    snprintf(size, sizeof(size), "%zx\r\n", data.size());
    stream_out_ += size;
    stream_out_ += data;
    stream_out_ += "\r\n";
  }
  if (done) stream_out_ += "0\r\n\r\n";
  stream_writing_ = true;
  stream_.expires_after(Millis(kWriteTimeoutMs));
  asio::async_write(stream_, asio::buffer(stream_out_),
                    [self = shared_from_this(), done](const error_code& ec, size_t) {
                      self->stream_writing_ = false;
                      if (ec || done || self->closed_) {
                        self->CloseSocket();
                        return;
                      }
                      self->PumpStream();
                    });
}

void HttpConnection::OnWrite(const error_code& ec, bool keep_alive) {
  if (ec || closed_) {
    CloseSocket();
    return;
  }
  if (keep_alive) {
    ReadHeader();
    return;
  }
  LingerClose();
}

void HttpConnection::SendErrorAndClose(int status, std::string text) {
  if (closed_) return;
  response_ = http::response<http::string_body>();
  response_.version(version_);
  response_.result(static_cast<unsigned>(status));
  response_.set(http::field::server, core_->options().server_name);
  response_.set(http::field::content_type, "text/plain; charset=utf-8");
  response_.keep_alive(false);
  response_.body() = std::move(text);
  response_.prepare_payload();
  stream_.expires_after(Millis(kWriteTimeoutMs));
  http::async_write(stream_, response_, [self = shared_from_this()](const error_code& ec, size_t) {
    if (ec) {
      self->CloseSocket();
    } else {
      self->LingerClose();
    }
  });
}

void HttpConnection::LingerClose() {
  if (closed_) return;
  error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  drained_bytes_ = 0;
  stream_.expires_after(Millis(kLingerTimeoutMs));
  Drain();
}

void HttpConnection::Drain() {
  stream_.async_read_some(asio::buffer(drain_buffer_),
                          [self = shared_from_this()](const error_code& ec, size_t n) {
                            self->drained_bytes_ += n;
                            if (ec || self->closed_ || self->drained_bytes_ > kLingerMaxBytes) {
                              self->CloseSocket();
                            } else {
                              self->Drain();
                            }
                          });
}

void HttpConnection::CloseSocket() {
  if (upgraded_ || closed_) return;
  closed_ = true;
  if (body_stream_) {
    body_stream_->Close();
    body_stream_.reset();
  }
  stream_.close();
}

}  // namespace borealis::net::internal
