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

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers

  // A short text response, e.g. Text(404, "no route for GET /x").
  static HttpResponse Text(int status, std::string body);
  // A response with the given content type, e.g. Of(200, "application/json", "{}").
  static HttpResponse Of(int status, std::string content_type, std::string body);
};

// Called on one of the server's handler threads; may block for a while (the scheduler
// waits on its control loop inside a handler). Must not call HttpServer::Stop().
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

}  // namespace borealis::net
