// Building api::Response values for the scheduler's Thrift handlers: a response code with
// an optional message, the mapping from absl::Status to Aurora's ResponseCode, and one
// SetResult overload per member of the Result union (setting exactly that member).
// Plain functions on values; thread-safe.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "gen-cpp/api_types.h"

namespace borealis::wire {

// A response with `code`, an empty ServerInfo, no result, and `message` as its single
// detail (no detail when `message` is empty).
api::Response MakeResponse(api::ResponseCode::type code, std::string message);

// MakeResponse(OK, message).
api::Response OkResponse(std::string message = "");

// MakeResponse(ResponseCodeFor(status), status.message()). `status` should not be OK.
api::Response ErrorResponse(const absl::Status& status);

// OK -> OK; InvalidArgument, NotFound, AlreadyExists, FailedPrecondition, OutOfRange ->
// INVALID_REQUEST; PermissionDenied, Unauthenticated -> AUTH_FAILED; Aborted (a
// conflicting job update) -> JOB_UPDATING_ERROR; Unavailable, DeadlineExceeded,
// ResourceExhausted -> ERROR_TRANSIENT; anything else -> ERROR.
api::ResponseCode::type ResponseCodeFor(const absl::Status& status);

// Appends a detail message.
void AddDetail(api::Response* response, std::string message);

void SetServerInfo(api::Response* response, std::string cluster_name,
                   std::string stats_url_prefix);

// Sets response->result to a Result holding only the given member.
void SetResult(api::Response* response, api::PopulateJobResult result);
void SetResult(api::Response* response, api::ScheduleStatusResult result);
void SetResult(api::Response* response, api::GetJobsResult result);
void SetResult(api::Response* response, api::GetQuotaResult result);
void SetResult(api::Response* response, api::ListBackupsResult result);
void SetResult(api::Response* response, api::StartMaintenanceResult result);
void SetResult(api::Response* response, api::DrainHostsResult result);
void SetResult(api::Response* response, api::QueryRecoveryResult result);
void SetResult(api::Response* response, api::MaintenanceStatusResult result);
void SetResult(api::Response* response, api::EndMaintenanceResult result);
void SetResult(api::Response* response, api::RoleSummaryResult result);
void SetResult(api::Response* response, api::JobSummaryResult result);
void SetResult(api::Response* response, api::ConfigSummaryResult result);
void SetResult(api::Response* response, api::GetPendingReasonResult result);
void SetResult(api::Response* response, api::StartJobUpdateResult result);
void SetResult(api::Response* response, api::GetJobUpdateSummariesResult result);
void SetResult(api::Response* response, api::GetJobUpdateDetailsResult result);
void SetResult(api::Response* response, api::PulseJobUpdateResult result);
void SetResult(api::Response* response, api::GetJobUpdateDiffResult result);
void SetResult(api::Response* response, api::GetTierConfigResult result);

}  // namespace borealis::wire
