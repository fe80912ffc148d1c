// Small helpers on the HTTP value types (see http.h).
#include "borealis/net/http.h"

namespace borealis::net {

std::string HttpRequest::Header(const std::string& name, const std::string& fallback) const {
  auto it = headers.find(name);
  return it == headers.end() ? fallback : it->second;
}

std::string HttpRequest::Query(const std::string& name, const std::string& fallback) const {
  auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

HttpResponse HttpResponse::Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::Of(int status, std::string content_type, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

}  // namespace borealis::net
