// Small file helpers for the CLI: whole-file reads and atomic replacement. Errors name the
// path. Nothing throws; thread-safe (callers serialise writes to one path).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace borealis::cli {

// NotFound when the file does not exist; other failures are Internal with errno text.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Writes `<path>.tmp.<pid>` and renames it over `path`, creating missing parent
// directories first.
absl::Status WriteFileAtomically(const std::string& path, const std::string& content);

// mkdir -p.
absl::Status MakeDirs(const std::string& path);

}  // namespace borealis::cli
