// Route lookup (see router.h).
#include "borealis/net/internal/router.h"

#include <set>
#include <vector>

namespace borealis::net::internal {

void Router::Add(std::string method, std::string path, HttpHandler handler) {
  auto h = std::make_shared<const HttpHandler>(std::move(handler));
  base::MutexLock l(&mu_);
  exact_[std::move(path)][std::move(method)] = std::move(h);
}

void Router::AddPrefix(std::string method, std::string prefix, HttpHandler handler) {
  auto h = std::make_shared<const HttpHandler>(std::move(handler));
  base::MutexLock l(&mu_);
  prefix_[std::move(prefix)][std::move(method)] = std::move(h);
}

void Router::AddWebSocket(std::string path, WebSocketHandlers handlers) {
  auto h = std::make_shared<const WebSocketHandlers>(std::move(handlers));
  base::MutexLock l(&mu_);
  websocket_[std::move(path)] = std::move(h);
}

RouteMatch Router::Find(const std::string& method, const std::string& path) const {
  base::MutexLock l(&mu_);
  // Candidates, most specific first: the exact route, then prefixes from longest.
  std::vector<const ByMethod*> candidates;
  if (auto it = exact_.find(path); it != exact_.end()) candidates.push_back(&it->second);
  for (auto it = prefix_.rbegin(); it != prefix_.rend(); ++it) {
    // Reverse lexicographic order visits "/a/b" before "/a", so any prefix of `path`
    // appears after the longer ones that also match.
    if (path.compare(0, it->first.size(), it->first) == 0) candidates.push_back(&it->second);
  }
  std::set<std::string> allowed;
  for (const ByMethod* by_method : candidates) {
    if (auto h = by_method->find(method); h != by_method->end()) {
      RouteMatch match;
      match.handler = h->second;
      match.status = 200;
      return match;
    }
    for (const auto& [m, unused] : *by_method) allowed.insert(m);
  }
  RouteMatch miss;
  if (!candidates.empty()) {
    miss.status = 405;
    for (const std::string& m : allowed) {
      if (!miss.allow.empty()) miss.allow += ", ";
      miss.allow += m;
    }
  }
  return miss;
}

std::shared_ptr<const WebSocketHandlers> Router::FindWebSocket(const std::string& path) const {
  base::MutexLock l(&mu_);
  auto it = websocket_.find(path);
  return it == websocket_.end() ? nullptr : it->second;
}

}  // namespace borealis::net::internal
