// Helpers shared by the two directions of named_json (named_json.cc, named_json_reply.cc):
// TJSON type tags and the JSON paths of error messages. Not for use outside wire/.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "borealis/wire/idl_table.h"
#include "borealis/wire/named_json.h"

namespace borealis::wire::internal {

// The TJSON type tag of a value of `kind`: "tf", "i8", "i16", "i32", "i64", "dbl", "str",
// "rec", "lst", "set", "map" (an enum is "i32", binary is "str").
const char* TJsonTag(IdlKind kind);

// A short description of a JSON value for error messages: "an object", "an array", or the
// value itself (strings quoted, cut at 40 characters).
std::string Describe(const NamedJson& value);

// InvalidArgument "<path>: <problem>", or just the problem when `path` is empty.
absl::Status PathError(const std::string& path, std::string_view problem);

// Paths: "a.b" (a member; "b" when `path` is empty), "a[3]" (an element), "a[\"k\"]" (a map
// entry).
std::string Member(const std::string& path, std::string_view name);
std::string Element(const std::string& path, size_t index);
std::string Entry(const std::string& path, const std::string& key);

}  // namespace borealis::wire::internal
