// Helpers shared by the net/ implementation files (see beast.h).
#include "borealis/net/internal/beast.h"

namespace borealis::net::internal {

std::string EndpointString(const tcp::endpoint& endpoint) {
  error_code ec;
  std::string address = endpoint.address().to_string(ec);
  if (ec) return "?";
  if (endpoint.address().is_v6()) address = "[" + address + "]";
  return address + ":" + std::to_string(endpoint.port());
}

std::string PeerString(const tcp::socket& socket) {
  error_code ec;
  tcp::endpoint peer = socket.remote_endpoint(ec);
  return ec ? "?" : EndpointString(peer);
}

websocket::stream_base::timeout WebSocketTimeouts(int64_t idle_ms) {
  websocket::stream_base::timeout t{};
  t.handshake_timeout = std::chrono::seconds(10);
  t.idle_timeout = Millis(idle_ms);
  t.keep_alive_pings = true;
  return t;
}

websocket::stream_base::timeout NoWebSocketTimeouts() {
  websocket::stream_base::timeout t{};
  t.handshake_timeout = websocket::stream_base::none();
  t.idle_timeout = websocket::stream_base::none();
  t.keep_alive_pings = false;
  return t;
}

}  // namespace borealis::net::internal
