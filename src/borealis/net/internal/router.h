// Router: the server's route table. Exact routes win over prefix routes, the longest
// matching prefix wins among prefixes, and a path that some route matches only with other
// methods gives 405 with the methods it does allow. WebSocket routes are exact paths.
//
// Thread contract: all methods are thread-safe; handlers are returned as shared pointers so
// a lookup stays valid while the table changes.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "borealis/base/mutex.h"
#include "borealis/net/http.h"
#include "borealis/net/http_server.h"

namespace borealis::net::internal {

struct RouteMatch {
  std::shared_ptr<const HttpHandler> handler;  // null when status is 404 or 405
  int status = 404;
  std::string allow;  // for 405: "GET, POST"
};

class Router {
 public:
  void Add(std::string method, std::string path, HttpHandler handler);
  void AddPrefix(std::string method, std::string prefix, HttpHandler handler);
  void AddWebSocket(std::string path, WebSocketHandlers handlers);

  RouteMatch Find(const std::string& method, const std::string& path) const;
  // Null when `path` is not a WebSocket route.
  std::shared_ptr<const WebSocketHandlers> FindWebSocket(const std::string& path) const;

 private:
  using ByMethod = std::map<std::string, std::shared_ptr<const HttpHandler>>;

  mutable base::Mutex mu_;
  std::map<std::string, ByMethod> exact_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, ByMethod> prefix_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<const WebSocketHandlers>> websocket_ ABSL_GUARDED_BY(mu_);
};

}  // namespace borealis::net::internal
