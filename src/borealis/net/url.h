// Request-target parsing: percent-decoding and splitting "/path?a=1&b=2" into a decoded
// path and query map. Pure functions; malformed escapes are kept literally, never an
// error, because a server must answer any target it is sent.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace borealis::net {

// Decodes %XX escapes; with `plus_is_space` (query strings) '+' becomes ' '. A '%' not
// followed by two hex digits is kept as is.
std::string PercentDecode(std::string_view in, bool plus_is_space);

// Encodes everything except unreserved characters (RFC 3986: A-Z a-z 0-9 - . _ ~) and, if
// `keep_slash`, '/'. For building targets in clients.
std::string PercentEncode(std::string_view in, bool keep_slash = false);

struct ParsedTarget {
  std::string path;                          // decoded; "/" when the target has none
  std::map<std::string, std::string> query;  // decoded; a repeated key keeps its last value
};

// Splits a request target (origin form "/a/b?x=1#frag"; a fragment is dropped). An
// absolute-form target ("http://host/a") is reduced to its path.
ParsedTarget ParseTarget(std::string_view target);

}  // namespace borealis::net
