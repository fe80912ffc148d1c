// HttpCall: a simple blocking HTTP/1.1 client for CLIs and tests. One connection per call
// ("Connection: close"), no redirects, no TLS. Any HTTP status is a successful call; only
// transport failures are errors.
//
// Thread contract: thread-safe; each call uses its own io_context on the calling thread.
// Nothing throws.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "borealis/net/http.h"

namespace borealis::net {

// Sends `method target` to host:port and returns the response. `content_type` is sent when
// non-empty. The whole exchange (resolve, connect, write, read) must finish within
// `timeout_ms`: DeadlineExceeded otherwise; Unavailable when the connection fails.
// The response's `headers` hold every response header with a lower-case name.
absl::StatusOr<HttpResponse> HttpCall(const std::string& method, const std::string& host,
                                      int port, const std::string& target,
                                      const std::string& body, const std::string& content_type,
                                      int timeout_ms,
                                      const std::vector<std::pair<std::string, std::string>>&
                                          headers = {});

}  // namespace borealis::net
