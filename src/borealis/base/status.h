// Errors as values: absl::Status / absl::StatusOr plus the two propagation macros the
// whole project uses. Project code does not throw; adapters turn library exceptions
// into a Status at the edge.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define BOREALIS_CONCAT_INNER(a, b) a##b
#define BOREALIS_CONCAT(a, b) BOREALIS_CONCAT_INNER(a, b)

// Returns from the enclosing function when `expr` (a Status) is not OK.
#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    ::absl::Status _borealis_status = (expr);      \
    if (!_borealis_status.ok()) return _borealis_status; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, Foo());` — binds the value or returns the error.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  BOREALIS_ASSIGN_OR_RETURN_IMPL(BOREALIS_CONCAT(_borealis_statusor_, __LINE__), lhs, rexpr)
#define BOREALIS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                   \
  if (!tmp.ok()) return std::move(tmp).status();        \
  lhs = std::move(tmp).value()
