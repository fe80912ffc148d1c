// Exit codes of the `borealis` CLI (Aurora's numbering, AURORA.md §9.1) and how a failed
// command's absl::Status picks one.
//
// A command may pin its exit code on the status it returns (WithExitCode); otherwise the
// status code decides: InvalidArgument -> kInvalidParameter, Unavailable -> kNetworkError,
// DeadlineExceeded -> kTimeout, FailedPrecondition -> kCommandFailure, Internal/Unknown ->
// kUnknownError, anything else -> kGeneric. Plain functions; thread-safe.
#pragma once

#include "absl/status/status.h"

namespace borealis::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitGeneric = 1,
  kExitInvalidConfig = 3,
  kExitCommandFailure = 4,
  kExitInvalidCommand = 5,
  kExitInvalidParameter = 6,
  kExitNetworkError = 7,
  kExitTimeout = 9,
  kExitApiError = 10,
  kExitUnknownError = 20,
};

// `status` (not OK) carrying `code` as its exit code.
absl::Status WithExitCode(absl::Status status, ExitCode code);

// The exit code for a command that ended with `status` (kExitOk when OK).
int ExitCodeFor(const absl::Status& status);

}  // namespace borealis::cli
