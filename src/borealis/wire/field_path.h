// Field-path error messages for decoders of outside input. A decoder reports a problem as
// an InvalidArgument status whose message starts with the path of the offending field,
// relative to the value it was given ("resources: numCpus appears twice"); an enclosing
// decoder prefixes its own field name ("taskConfig.resources: ..."), so the caller sees
// the full path from the request parameter down. Stateless and thread-safe.
#pragma once

#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace borealis::wire {

// InvalidArgument "<field>: <problem>".
absl::Status FieldError(std::string_view field, std::string_view problem);

// Prefixes the message of a non-OK `inner` with "<field>." (when it starts with a path)
// or "<field>: " (when it does not), keeping its code. OK stays OK.
absl::Status InField(std::string_view field, const absl::Status& inner);

// The same for a StatusOr: the value when OK, else the prefixed status.
template <typename T>
absl::StatusOr<T> InField(std::string_view field, absl::StatusOr<T> inner) {
  if (inner.ok()) return inner;
  return InField(field, inner.status());
}

}  // namespace borealis::wire
