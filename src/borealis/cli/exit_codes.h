// Exit codes of the `borealis` CLI, Aurora's numbering (its client's EXIT_* constants), and
// how a failed command's absl::Status picks one.
//
// A command may pin its exit code on the status it returns (WithExitCode); otherwise the
// status code decides, by failure class:
//   InvalidArgument, OutOfRange                      -> kExitInvalidParameter (6)
//   Unavailable                                      -> kExitNetworkError (7)
//   DeadlineExceeded                                 -> kExitTimeout (9)
//   Unauthenticated, PermissionDenied                -> kExitAuthError (30)
//   FailedPrecondition, NotFound, AlreadyExists,
//   Aborted, ResourceExhausted, Unimplemented        -> kExitCommandFailure (4)
//   Cancelled                                        -> kExitInterrupted (130)
//   anything else (Internal, Unknown, DataLoss, ...) -> kExitUnknownError (20)
// kExitGeneric (1) is not Aurora's: only `job diff` uses it, as diff(1) does for "differs".
// Plain functions; thread-safe.
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
  kExitAuthError = 30,
  kExitInterrupted = 130,
};

// `status` (not OK) carrying `code` as its exit code.
absl::Status WithExitCode(absl::Status status, ExitCode code);

// The exit code for a command that ended with `status` (kExitOk when OK).
int ExitCodeFor(const absl::Status& status);

}  // namespace borealis::cli
