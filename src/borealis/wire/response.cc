// Implements response.h.
#include "borealis/wire/response.h"

#include <utility>

namespace borealis::wire {

api::Response MakeResponse(api::ResponseCode::type code, std::string message) {
  api::Response response;
  response.__set_responseCode(code);
  response.__set_serverInfo(api::ServerInfo());
  response.__set_details({});
  if (!message.empty()) AddDetail(&response, std::move(message));
  return response;
}

api::Response OkResponse(std::string message) {
  return MakeResponse(api::ResponseCode::OK, std::move(message));
}

api::Response ErrorResponse(const absl::Status& status) {
  return MakeResponse(ResponseCodeFor(status), std::string(status.message()));
}

api::ResponseCode::type ResponseCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return api::ResponseCode::OK;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return api::ResponseCode::INVALID_REQUEST;
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
      return api::ResponseCode::AUTH_FAILED;
    case absl::StatusCode::kAborted:
      return api::ResponseCode::JOB_UPDATING_ERROR;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
      return api::ResponseCode::ERROR_TRANSIENT;
    default:
      return api::ResponseCode::ERROR;
  }
}

void AddDetail(api::Response* response, std::string message) {
  api::ResponseDetail detail;
  detail.__set_message(std::move(message));
  response->details.push_back(std::move(detail));
  response->__isset.details = true;
}

void SetServerInfo(api::Response* response, std::string cluster_name,
                   std::string stats_url_prefix) {
  api::ServerInfo info;
  info.__set_clusterName(std::move(cluster_name));
  info.__set_statsUrlPrefix(std::move(stats_url_prefix));
  response->__set_serverInfo(std::move(info));
}

// Each overload replaces the whole union so that exactly one member is set.
#define BOREALIS_WIRE_SET_RESULT(Type, member)                  \
  void SetResult(api::Response* response, api::Type result) {  \
    api::Result holder;                                        \
    holder.member = std::move(result);                         \
    holder.__isset.member = true;                              \
    response->__set_result(std::move(holder));                 \
  }

BOREALIS_WIRE_SET_RESULT(PopulateJobResult, populateJobResult)
BOREALIS_WIRE_SET_RESULT(ScheduleStatusResult, scheduleStatusResult)
BOREALIS_WIRE_SET_RESULT(GetJobsResult, getJobsResult)
BOREALIS_WIRE_SET_RESULT(GetQuotaResult, getQuotaResult)
BOREALIS_WIRE_SET_RESULT(ListBackupsResult, listBackupsResult)
BOREALIS_WIRE_SET_RESULT(StartMaintenanceResult, startMaintenanceResult)
BOREALIS_WIRE_SET_RESULT(DrainHostsResult, drainHostsResult)
BOREALIS_WIRE_SET_RESULT(QueryRecoveryResult, queryRecoveryResult)
BOREALIS_WIRE_SET_RESULT(MaintenanceStatusResult, maintenanceStatusResult)
BOREALIS_WIRE_SET_RESULT(EndMaintenanceResult, endMaintenanceResult)
BOREALIS_WIRE_SET_RESULT(RoleSummaryResult, roleSummaryResult)
BOREALIS_WIRE_SET_RESULT(JobSummaryResult, jobSummaryResult)
BOREALIS_WIRE_SET_RESULT(ConfigSummaryResult, configSummaryResult)
BOREALIS_WIRE_SET_RESULT(GetPendingReasonResult, getPendingReasonResult)
BOREALIS_WIRE_SET_RESULT(StartJobUpdateResult, startJobUpdateResult)
BOREALIS_WIRE_SET_RESULT(GetJobUpdateSummariesResult, getJobUpdateSummariesResult)
BOREALIS_WIRE_SET_RESULT(GetJobUpdateDetailsResult, getJobUpdateDetailsResult)
BOREALIS_WIRE_SET_RESULT(PulseJobUpdateResult, pulseJobUpdateResult)
BOREALIS_WIRE_SET_RESULT(GetJobUpdateDiffResult, getJobUpdateDiffResult)
BOREALIS_WIRE_SET_RESULT(GetTierConfigResult, getTierConfigResult)

#undef BOREALIS_WIRE_SET_RESULT

}  // namespace borealis::wire
