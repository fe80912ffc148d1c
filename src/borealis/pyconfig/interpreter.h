// The embedded interpreter (internal to pyconfig). CallLoader runs one function of the
// embedded `aurora_loader` module with (path, binds[, job_key if not empty]) and returns its result converted by
// the bootstrap: a str as is, a list of str joined with '\n'. A Python exception becomes
// InvalidArgument "FILE:LINE: field.path: message".
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace borealis::pyconfig {

absl::StatusOr<std::string> CallLoader(const char* function, const std::string& path,
                                       const std::vector<std::string>& binds,
                                       const std::string& job_key);

}  // namespace borealis::pyconfig
