// Exit codes travel as a status payload so that helpers deep in a command can decide them.
#include "borealis/cli/exit_codes.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"

namespace borealis::cli {
namespace {

constexpr char kExitCodeUrl[] = "type.borealis/cli.exit_code";

}  // namespace

absl::Status WithExitCode(absl::Status status, ExitCode code) {
  if (status.ok()) return status;
  status.SetPayload(kExitCodeUrl, absl::Cord(std::to_string(static_cast<int>(code))));
  return status;
}

int ExitCodeFor(const absl::Status& status) {
  if (status.ok()) return kExitOk;
  auto payload = status.GetPayload(kExitCodeUrl);
  int code = 0;
  if (payload.has_value() && absl::SimpleAtoi(std::string(*payload), &code)) return code;
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return kExitInvalidParameter;
    case absl::StatusCode::kUnavailable:
      return kExitNetworkError;
    case absl::StatusCode::kDeadlineExceeded:
      return kExitTimeout;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return kExitAuthError;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kUnimplemented:
      return kExitCommandFailure;
    case absl::StatusCode::kCancelled:
      return kExitInterrupted;
    default:
      return kExitUnknownError;
  }
}

}  // namespace borealis::cli
