// HttpCall: one request over one connection, driven on the caller's thread by a private
// io_context, under a single deadline for the whole exchange (see http_client.h).
#include "borealis/net/http_client.h"

#include <limits>

#include "borealis/net/internal/beast.h"

namespace borealis::net {
namespace {

namespace asio = internal::asio;
namespace beast = internal::beast;
namespace http = internal::http;
using internal::error_code;
using internal::Millis;
using internal::tcp;

// The steps of one exchange: resolve -> connect -> write -> read. Every completion runs on
// the thread inside Run(), so `this` outlives them all.
class HttpExchange {
 public:
  HttpExchange(std::string host, int port, std::string description)
      : host_(std::move(host)), port_(port), description_(std::move(description)) {}

  absl::StatusOr<HttpResponse> Run(http::request<http::string_body> request, int timeout_ms) {
    request_ = std::move(request);
    parser_.body_limit(std::numeric_limits<std::uint64_t>::max());
    deadline_.expires_after(Millis(timeout_ms));
    deadline_.async_wait([this](const error_code& ec) {
      if (ec || done_) return;
      timed_out_ = true;
      resolver_.cancel();
      stream_.close();
    });
    resolver_.async_resolve(host_, std::to_string(port_),
                            [this](const error_code& ec, tcp::resolver::results_type results) {
                              OnResolve(ec, results);
                            });
    ioc_.run();
    if (timed_out_) {
      return absl::DeadlineExceededError(description_ + " timed out after " +
                                         std::to_string(timeout_ms) + " ms");
    }
    if (!status_.ok()) return status_;
    const auto& msg = parser_.get();
    HttpResponse response;
    response.status = static_cast<int>(msg.result_int());
    response.content_type = std::string(msg[http::field::content_type]);
    for (auto& [name, value] : internal::LowerCaseHeaders(msg)) {
      response.headers.emplace_back(name, value);
    }
    response.body = std::move(parser_.get().body());
    return response;
  }

 private:
  void OnResolve(const error_code& ec, const tcp::resolver::results_type& results) {
    if (ec) return Fail("resolve", ec);
    stream_.async_connect(results, [this](const error_code& connect_ec, const tcp::endpoint&) {
      if (connect_ec) return Fail("connect", connect_ec);
      error_code ignored;
      stream_.socket().set_option(tcp::no_delay(true), ignored);
      http::async_write(stream_, request_, [this](const error_code& write_ec, size_t) {
        // A server may answer (413) and close before reading the whole body: read anyway.
        if (write_ec && write_ec != asio::error::broken_pipe &&
            write_ec != asio::error::connection_reset) {
          return Fail("write", write_ec);
        }
        http::async_read(stream_, buffer_, parser_, [this](const error_code& read_ec, size_t) {
          if (read_ec) return Fail("read", read_ec);
          Finish();
        });
      });
    });
  }

  void Fail(const char* step, const error_code& ec) {
    status_ = absl::UnavailableError(description_ + " failed at " + step + ": " + ec.message());
    Finish();
  }

  void Finish() {
    done_ = true;
    deadline_.cancel();
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  const std::string host_;
  const int port_;
  const std::string description_;
  asio::io_context ioc_{1};
  tcp::resolver resolver_{ioc_};
  beast::tcp_stream stream_{ioc_};
  asio::steady_timer deadline_{ioc_};
  http::request<http::string_body> request_;
  http::response_parser<http::string_body> parser_;
  beast::flat_buffer buffer_;
  absl::Status status_;
  bool done_ = false;
  bool timed_out_ = false;
};

}  // namespace

absl::StatusOr<HttpResponse> HttpCall(const std::string& method, const std::string& host,
                                      int port, const std::string& target,
                                      const std::string& body, const std::string& content_type,
                                      int timeout_ms,
                                      const std::vector<std::pair<std::string, std::string>>&
                                          headers) {
  const std::string url = "http://" + host + ":" + std::to_string(port) + target;
  if (port <= 0 || port > 65535) {
    return absl::InvalidArgumentError("HTTP " + method + " " + url + ": port out of range");
  }
  http::request<http::string_body> request;
  try {
    const http::verb verb = http::string_to_verb(method);
    if (verb == http::verb::unknown) {
      request.method_string(method);
    } else {
      request.method(verb);
    }
    request.target(target.empty() ? "/" : target);
    request.version(11);
    request.set(http::field::host, host + ":" + std::to_string(port));
    request.set(http::field::user_agent, "borealis");
    if (!content_type.empty()) request.set(http::field::content_type, content_type);
    for (const auto& [name, value] : headers) request.insert(name, value);
    request.keep_alive(false);
    request.body() = body;
    request.prepare_payload();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError("HTTP " + method + " " + url +
                                      ": cannot build the request: " + e.what());
  }
  HttpExchange exchange(host, port, "HTTP " + method + " " + url);
  return exchange.Run(std::move(request), timeout_ms);
}

}  // namespace borealis::net
