// Internal to net/: the Boost.Asio/Beast includes and aliases every implementation file
// uses, plus helpers to turn Beast's types and errors into ours. Not for other modules.
#pragma once

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace borealis::net::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

// "1.2.3.4:80" or "[::1]:80"; "?" when the endpoint cannot be read.
std::string EndpointString(const tcp::endpoint& endpoint);
// The connected peer of `socket`, as EndpointString; "?" if it is gone already.
std::string PeerString(const tcp::socket& socket);

// Header fields with lower-case names; repeated fields joined with ", ".
template <class Fields>
std::map<std::string, std::string> LowerCaseHeaders(const Fields& fields) {
  std::map<std::string, std::string> out;
  for (const auto& field : fields) {
    std::string name(field.name_string());
    for (char& c : name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    auto [it, inserted] = out.emplace(std::move(name), std::string(field.value()));
    if (!inserted) {
      it->second += ", ";
      it->second += std::string(field.value());
    }
  }
  return out;
}

inline std::chrono::milliseconds Millis(int64_t ms) {
  return std::chrono::milliseconds(ms < 0 ? 0 : ms);
}

// Beast's timeout settings for one side of a WebSocket: the close handshake is bounded,
// and a peer that sends nothing (not even a pong) for `idle_ms` is dropped.
websocket::stream_base::timeout WebSocketTimeouts(int64_t idle_ms);

// No timeouts. Setting this on a stream that has ended cancels Beast's internal timer,
// which would otherwise keep the io_context busy until the idle timeout fires.
websocket::stream_base::timeout NoWebSocketTimeouts();

}  // namespace borealis::net::internal
