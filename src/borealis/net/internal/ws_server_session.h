// WsServerSession: the server side of one WebSocket connection, created by an
// HttpConnection when a request upgrades on a WebSocket route. It is also the
// WebSocketSession users hold.
//
// Invariants: on_open runs once after the handshake and before any on_message; messages
// are delivered one at a time in arrival order; outgoing messages are written in Send()
// order, one write at a time; on_close runs exactly once for a session that had on_open,
// whatever ended it (peer close, peer vanished, Close(), server stop). After the end,
// Send() and Close() do nothing.
//
// Thread contract: Send(), Close(), Abort(), id() and remote_address() are thread-safe; all
// other methods run on the session's strand. A Send() that returns before the session
// ends has its message handed to the strand before the I/O threads can run out of work,
// so no posted closure outlives the server's threads.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "borealis/base/mutex.h"
#include "borealis/net/http_server.h"
#include "borealis/net/internal/beast.h"
#include "borealis/net/internal/server_core.h"

namespace borealis::net::internal {

class WsServerSession : public WebSocketSession,
                        public Abortable,
                        public std::enable_shared_from_this<WsServerSession> {
 public:
  WsServerSession(std::shared_ptr<ServerCore> core, beast::tcp_stream stream,
                  std::string remote, std::shared_ptr<const WebSocketHandlers> handlers);
  ~WsServerSession() override;

  // Answers the upgrade request. Must be called on the stream's strand.
  void Start(http::request<http::string_body> request);

  uint64_t id() const override { return id_; }
  std::string remote_address() const override { return remote_; }
  void Send(std::string binary_message) override ABSL_LOCKS_EXCLUDED(mu_);
  void Close() override ABSL_LOCKS_EXCLUDED(mu_);
  void Abort() override ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Outgoing {
    std::string data;
    bool close = false;  // a close frame instead of data
  };

  void OnAccept(const error_code& ec);
  void Read();
  void OnRead(const error_code& ec);
  void Enqueue(Outgoing out);
  void WriteNext();
  void OnWrite(const error_code& ec);
  void End(const error_code& why) ABSL_LOCKS_EXCLUDED(mu_);

  std::shared_ptr<ServerCore> core_;  // first: destroyed after the stream
  const uint64_t id_;
  const std::string remote_;
  const std::shared_ptr<const WebSocketHandlers> handlers_;
  websocket::stream<beast::tcp_stream> ws_;
  const asio::any_io_executor executor_;  // the strand
  http::request<http::string_body> upgrade_request_;
  beast::flat_buffer read_buffer_;

  // Strand only.
  std::deque<Outgoing> queue_;
  bool writing_ = false;
  bool opened_ = false;
  bool ended_ = false;
  bool close_queued_ = false;

  base::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;  // set by End(), gates Send() and Close()
};

}  // namespace borealis::net::internal
