// The plain HTTP value types shared by the server, the client call and their users. No
// Boost here: modules that only route requests never compile Beast.
//
// HttpRequest is what a handler sees: the method and raw target as sent, the decoded path
// and query, header names in lower case (repeated headers joined with ", "), the body and
// the peer as "ip:port". HttpResponse is what a handler returns; the server adds
// Content-Length, Content-Type, Server and Connection itself.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace borealis::net {

struct HttpRequest {
  std::string method;                          // "GET", "POST"
  std::string target;                          // raw target, "/api?x=1"
  std::string path;                            // decoded path without query, "/api"
  std::map<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string remote_address;

  // The header's value, or `fallback` when absent. `name` must be lower case.
  std::string Header(const std::string& name, const std::string& fallback = "") const;
  // The query parameter's value, or `fallback` when absent.
  std::string Query(const std::string& name, const std::string& fallback = "") const;
};

// A response body written as it is produced, with chunked transfer encoding (a long-lived
// stream such as the scheduler's GET /events). The server calls Open once, on an I/O
// thread, with `wake`, which the producer calls (from any thread, any number of times) when
// it has more; the server then calls Pull, never from two threads at once. Close is called
// once when the connection ends for any reason (the peer went away, a write failed or
// timed out, the server stops, or Pull reported the end); no Pull follows it.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual void Open(std::function<void()> wake) = 0;
  // The bytes ready now (may be empty); sets *done when the body ends after them. Never
  // blocks.
  virtual std::string Pull(bool* done) = 0;
  virtual void Close() = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // When set, the body is this stream (and `body` is ignored); the connection closes after.
  std::shared_ptr<ResponseStream> stream;

  // A short text response, e.g. Text(404, "no route for GET /x").
  static HttpResponse Text(int status, std::string body);
  // A response with the given content type, e.g. Of(200, "application/json", "{}").
  static HttpResponse Of(int status, std::string content_type, std::string body);
};

// Called on one of the server's handler threads; may block for a while (the scheduler
// waits on its control loop inside a handler). Must not call HttpServer::Stop().
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

}  // namespace borealis::net
