// HttpConnection: one accepted TCP connection speaking HTTP/1.1. It reads one request at
// a time (header first, so "Expect: 100-continue" and oversized bodies are answered before
// the body arrives), runs the handler on the server's handler pool, writes the response,
// and either reads the next request (keep-alive) or closes. A WebSocket upgrade hands the
// socket to a WsServerSession and this object goes away.
//
// States: reading -> (handler running) -> writing -> reading | closing; or, for a streamed
// body, reading -> (handler running) -> streaming -> closing. Protocol errors are
// answered (400/413/431) and followed by a lingering close: the send side is shut down and
// whatever the client still sends is read and dropped for a short while, so the client
// reads our answer rather than a reset.
//
// Thread contract: all methods except Abort() run on the connection's strand.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "borealis/net/http.h"
#include "borealis/net/internal/beast.h"
#include "borealis/net/internal/server_core.h"

namespace borealis::net::internal {

class HttpConnection : public Abortable, public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(std::shared_ptr<ServerCore> core, tcp::socket socket);
  ~HttpConnection() override;

  void Start();
  void Abort() override;

 private:
  void ReadHeader();
  void OnHeader(const error_code& ec);
  void ReadBody();
  void OnBody(const error_code& ec);
  // Turns a read error into an answer (400/413/431) or a plain close.
  void OnReadError(const error_code& ec);
  void Dispatch();
  void Upgrade(std::shared_ptr<const WebSocketHandlers> handlers,
               http::request<http::string_body> request);
  void Respond(HttpResponse response, bool keep_alive);
  // A streamed body (HttpResponse::stream): the header, then chunks as the stream has
  // them, while a read watches for the peer going away; the connection closes after.
  void StartStream(HttpResponse response);
  void WatchPeer();
  void PumpStream();
  void OnWrite(const error_code& ec, bool keep_alive);
  void SendErrorAndClose(int status, std::string text);
  void LingerClose();
  void Drain();
  void CloseSocket();

  std::shared_ptr<ServerCore> core_;  // first: destroyed after the socket
  const uint64_t id_;
  beast::tcp_stream stream_;
  const asio::any_io_executor executor_;  // the strand
  const std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::empty_body> continue_response_;
  http::response<http::string_body> response_;
  unsigned version_ = 11;  // of the request being answered
  std::string request_description_;  // "GET /x" for logs
  bool upgraded_ = false;  // stream_ was moved into a WebSocket session
  bool closed_ = false;
  std::shared_ptr<ResponseStream> body_stream_;  // while streaming
  std::string stream_out_;                       // the bytes being written
  bool stream_writing_ = false;
  size_t drained_bytes_ = 0;
  char drain_buffer_[4096];
};

}  // namespace borealis::net::internal
