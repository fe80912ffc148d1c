// The CLI's Thrift client: generated AuroraAdminClient over memory buffers, bytes carried
// by net::HttpCall (see scheduler_client.h).
#include "borealis/cli/scheduler_client.h"

#include <memory>
#include <utility>

#include <thrift/TApplicationException.h>
#include <thrift/protocol/TJSONProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "borealis/base/status.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/net/http_client.h"
#include "borealis/wire/codec.h"
#include "gen-cpp/AuroraAdmin.h"

namespace borealis::cli {
namespace {

constexpr char kJsonMime[] = "application/vnd.apache.thrift.json";
constexpr char kUserAgent[] = "Borealis CLI";

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > 200) line = line.substr(0, 200) + "...";
  return line;
}

absl::Status ApiError(const char* method, const api::Response& response) {
  const std::string message = absl::StrCat(method, ": ", DescribeResponse(response));
  absl::Status status;
  switch (response.responseCode) {
    case api::ResponseCode::INVALID_REQUEST:
      status = absl::InvalidArgumentError(message);
      break;
    case api::ResponseCode::AUTH_FAILED:
      status = absl::PermissionDeniedError(message);
      break;
    case api::ResponseCode::ERROR_TRANSIENT:
      status = absl::UnavailableError(message);
      break;
    case api::ResponseCode::JOB_UPDATING_ERROR:
      status = absl::AbortedError(message);
      break;
    default:
      status = absl::InternalError(message);
  }
  return WithExitCode(status, kExitApiError);
}

}  // namespace

std::string DescribeResponse(const api::Response& response) {
  auto it = api::_ResponseCode_VALUES_TO_NAMES.find(response.responseCode);
  std::string out = it != api::_ResponseCode_VALUES_TO_NAMES.end()
                        ? it->second
                        : absl::StrCat("response code ", static_cast<int>(response.responseCode));
  std::vector<std::string> details;
  for (const api::ResponseDetail& d : response.details) {
    if (!d.message.empty()) details.push_back(d.message);
  }
  if (!details.empty()) absl::StrAppend(&out, ": ", absl::StrJoin(details, "; "));
  return out;
}

absl::StatusOr<HttpUri> ParseHttpUri(const std::string& uri) {
  absl::string_view rest = uri;
  if (absl::ConsumePrefix(&rest, "https://")) {
    return absl::UnimplementedError(
        absl::StrCat("scheduler_uri '", uri, "': https is not supported yet"));
  }
  if (!absl::ConsumePrefix(&rest, "http://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("scheduler_uri '", uri, "' must start with http://"));
  }
  HttpUri out;
  const size_t slash = rest.find('/');
  absl::string_view authority = rest.substr(0, slash);
  if (slash != absl::string_view::npos) {
    out.path_prefix = std::string(rest.substr(slash));
    while (!out.path_prefix.empty() && out.path_prefix.back() == '/') out.path_prefix.pop_back();
  }
  absl::string_view port_text;
  if (absl::ConsumePrefix(&authority, "[")) {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("scheduler_uri '", uri, "': missing ']'"));
    }
    out.host = std::string(authority.substr(0, close));
    absl::string_view after = authority.substr(close + 1);
    if (absl::ConsumePrefix(&after, ":")) port_text = after;
  } else {
    const size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != absl::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("scheduler_uri '", uri, "' has no host"));
  }
  if (!port_text.empty() &&
      (!absl::SimpleAtoi(port_text, &out.port) || out.port <= 0 || out.port > 65535)) {
    return absl::InvalidArgumentError(
        absl::StrCat("scheduler_uri '", uri, "' has a bad port '", std::string(port_text), "'"));
  }
  return out;
}

absl::StatusOr<SchedulerClient> SchedulerClient::Create(const std::string& scheduler_uri,
                                                        int timeout_ms) {
  ASSIGN_OR_RETURN(HttpUri parsed, ParseHttpUri(scheduler_uri));
  std::string uri = scheduler_uri;
  while (!uri.empty() && uri.back() == '/') uri.pop_back();
  return SchedulerClient(std::move(uri), std::move(parsed), timeout_ms);
}

absl::StatusOr<std::unique_ptr<net::HttpLineStream>> SchedulerClient::OpenEvents(
    const std::string& query) const {
  return net::HttpLineStream::Open(parsed_.host, parsed_.port,
                                   parsed_.path_prefix + "/events?" + query, timeout_ms_);
}

absl::StatusOr<std::string> SchedulerClient::Post(const char* method,
                                                  const std::string& body) const {
  std::vector<std::pair<std::string, std::string>> headers = {{"Accept", kJsonMime},
                                                              {"User-Agent", kUserAgent}};
  if (!check_token_.empty()) headers.emplace_back("Borealis-Check-Token", check_token_);
  auto reply = net::HttpCall("POST", parsed_.host, parsed_.port, parsed_.path_prefix + "/api",
                             body, kJsonMime, timeout_ms_, headers);
  if (absl::IsDeadlineExceeded(reply.status())) {
    return WithExitCode(absl::DeadlineExceededError(absl::StrCat(
                            "the scheduler at ", uri_, " did not answer ", method, " within ",
                            timeout_ms_, " ms")),
                        kExitTimeout);
  }
  if (!reply.ok()) {
    return WithExitCode(absl::UnavailableError(absl::StrCat("cannot reach the scheduler at ",
                                                            uri_, ": ", reply.status().message())),
                        kExitNetworkError);
  }
  if (reply->status == 401 || reply->status == 403) {
    return WithExitCode(
        absl::PermissionDeniedError(absl::StrCat(method, ": the scheduler at ", uri_,
                                                 " refused us (HTTP ", reply->status,
                                                 "): ", FirstLine(reply->body))),
        kExitAuthError);
  }
  if (reply->status != 200) {
    return WithExitCode(
        absl::InternalError(absl::StrCat(method, ": the scheduler at ", uri_, " answered HTTP ",
                                         reply->status, ": ", FirstLine(reply->body))),
        kExitApiError);
  }
  return std::move(reply->body);
}

absl::StatusOr<std::string> SchedulerClient::Get(const std::string& path) const {
  auto reply = net::HttpCall("GET", parsed_.host, parsed_.port, parsed_.path_prefix + path, "",
                             "", timeout_ms_, {{"User-Agent", kUserAgent}});
  if (!reply.ok()) {
    return WithExitCode(absl::UnavailableError(absl::StrCat("cannot reach the scheduler at ",
                                                            uri_, ": ", reply.status().message())),
                        kExitNetworkError);
  }
  if (reply->status != 200) {
    return WithExitCode(absl::InternalError(absl::StrCat("GET ", uri_, path, " answered HTTP ",
                                                         reply->status, ": ",
                                                         FirstLine(reply->body))),
                        kExitApiError);
  }
  return std::move(reply->body);
}

template <typename Send, typename Recv>
absl::StatusOr<api::Response> SchedulerClient::Invoke(const char* method, Send send,
                                                      Recv recv) const {
  using apache::thrift::protocol::TJSONProtocol;
  using apache::thrift::transport::TMemoryBuffer;
  auto out_buf = std::make_shared<TMemoryBuffer>();
  auto in_buf = std::make_shared<TMemoryBuffer>();
  api::AuroraAdminClient client(std::make_shared<TJSONProtocol>(in_buf),
                                std::make_shared<TJSONProtocol>(out_buf));
  try {
    send(client);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(method, ": cannot encode the request: ", e.what()));
  }
  ASSIGN_OR_RETURN(std::string reply, Post(method, out_buf->getBufferAsString()));
  api::Response response;
  try {
    in_buf->resetBuffer(reinterpret_cast<uint8_t*>(reply.data()),
                        static_cast<uint32_t>(reply.size()), TMemoryBuffer::COPY);
    recv(client, response);
  } catch (const apache::thrift::TApplicationException& e) {
    return WithExitCode(
        absl::InternalError(absl::StrCat(method, ": the scheduler failed: ", e.what())),
        kExitApiError);
  } catch (const std::exception& e) {
    return WithExitCode(absl::InternalError(absl::StrCat(
                            method, ": cannot decode the scheduler's reply: ", e.what())),
                        kExitApiError);
  }
  if (response.responseCode != api::ResponseCode::OK &&
      response.responseCode != api::ResponseCode::WARNING) {
    return ApiError(method, response);
  }
  return response;
}

absl::StatusOr<api::Response> SchedulerClient::CreateJob(const api::JobConfiguration& job) {
  return Invoke(
      "createJob", [&](api::AuroraAdminClient& c) { c.send_createJob(job); },
      [](api::AuroraAdminClient& c, api::Response& r) { c.recv_createJob(r); });
}

absl::StatusOr<api::Response> SchedulerClient::ScheduleCronJob(const api::JobConfiguration& job) {
  return Invoke(
      "scheduleCronJob", [&](api::AuroraAdminClient& c) { c.send_scheduleCronJob(job); },
      [](api::AuroraAdminClient& c, api::Response& r) { c.recv_scheduleCronJob(r); });
}

absl::StatusOr<api::Response> SchedulerClient::DescheduleCronJob(const api::JobKey& job) {
  return Invoke(
      "descheduleCronJob", [&](api::AuroraAdminClient& c) { c.send_descheduleCronJob(job); },
      [](api::AuroraAdminClient& c, api::Response& r) { c.recv_descheduleCronJob(r); });
}

absl::StatusOr<api::Response> SchedulerClient::StartCronJob(const api::JobKey& job) {
  return Invoke(
      "startCronJob", [&](api::AuroraAdminClient& c) { c.send_startCronJob(job); },
      [](api::AuroraAdminClient& c, api::Response& r) { c.recv_startCronJob(r); });
}

absl::StatusOr<std::vector<api::ScheduledTask>> SchedulerClient::GetTasksWithoutConfigs(
    const api::TaskQuery& query) {
  ASSIGN_OR_RETURN(
      api::Response r,
      Invoke(
          "getTasksWithoutConfigs",
          [&](api::AuroraAdminClient& c) { c.send_getTasksWithoutConfigs(query); },
          [](api::AuroraAdminClient& c, api::Response& out) { c.recv_getTasksWithoutConfigs(out); }));
  return std::move(r.result.scheduleStatusResult.tasks);
}

absl::StatusOr<std::vector<api::ScheduledTask>> SchedulerClient::GetTasksStatus(
    const api::TaskQuery& query) {
  ASSIGN_OR_RETURN(
      api::Response r,
      Invoke(
          "getTasksStatus", [&](api::AuroraAdminClient& c) { c.send_getTasksStatus(query); },
          [](api::AuroraAdminClient& c, api::Response& out) { c.recv_getTasksStatus(out); }));
  return std::move(r.result.scheduleStatusResult.tasks);
}

absl::StatusOr<std::map<std::string, std::string>> SchedulerClient::GetPendingReasons(
    const api::TaskQuery& query) {
  ASSIGN_OR_RETURN(
      api::Response r,
      Invoke(
          "getPendingReason", [&](api::AuroraAdminClient& c) { c.send_getPendingReason(query); },
          [](api::AuroraAdminClient& c, api::Response& out) { c.recv_getPendingReason(out); }));
  std::map<std::string, std::string> reasons;
  for (const api::PendingReason& p : r.result.getPendingReasonResult.reasons) {
    reasons[p.taskId] = p.reason;
  }
  return reasons;
}

absl::StatusOr<std::vector<api::JobConfiguration>> SchedulerClient::GetJobs(
    const std::string& role) {
  ASSIGN_OR_RETURN(api::Response r,
                   Invoke(
                       "getJobs", [&](api::AuroraAdminClient& c) { c.send_getJobs(role); },
                       [](api::AuroraAdminClient& c, api::Response& out) { c.recv_getJobs(out); }));
  const auto& configs = r.result.getJobsResult.configs;
  return std::vector<api::JobConfiguration>(configs.begin(), configs.end());
}

absl::StatusOr<api::Response> SchedulerClient::AddInstances(const api::InstanceKey& key,
                                                            int32_t count) {
  return Invoke(
      "addInstances", [&](api::AuroraAdminClient& c) { c.send_addInstances(key, count); },
      [](api::AuroraAdminClient& c, api::Response& r) { c.recv_addInstances(r); });
}

absl::StatusOr<api::Response> SchedulerClient::KillTasks(const api::JobKey& job,
                                                         const std::set<int32_t>& instances,
                                                         const std::string& message) {
  return Invoke(
      "killTasks",
      [&](api::AuroraAdminClient& c) { c.send_killTasks(job, instances, message); },
      [](api::AuroraAdminClient& c, api::Response& r) { c.recv_killTasks(r); });
}

absl::StatusOr<api::Response> SchedulerClient::RestartShards(const api::JobKey& job,
                                                             const std::set<int32_t>& instances) {
  return Invoke(
      "restartShards", [&](api::AuroraAdminClient& c) { c.send_restartShards(job, instances); },
      [](api::AuroraAdminClient& c, api::Response& r) { c.recv_restartShards(r); });
}

absl::StatusOr<api::Response> SchedulerClient::StartJobUpdate(const api::JobUpdateRequest& request,
                                                              const std::string& message) {
  return Invoke(
      "startJobUpdate",
      [&](api::AuroraAdminClient& c) { c.send_startJobUpdate(request, message); },
      [](api::AuroraAdminClient& c, api::Response& r) { c.recv_startJobUpdate(r); });
}

// pause, resume, abort and rollback share a shape: a key and a message.
#define BOREALIS_UPDATE_CONTROL(Method, method)                                              \
  absl::StatusOr<api::Response> SchedulerClient::Method(const api::JobUpdateKey& key,       \
                                                        const std::string& message) {       \
    return Invoke(                                                                            \
        #method, [&](api::AuroraAdminClient& c) { c.send_##method(key, message); },          \
        [](api::AuroraAdminClient& c, api::Response& r) { c.recv_##method(r); });            \
  }
BOREALIS_UPDATE_CONTROL(PauseJobUpdate, pauseJobUpdate)
BOREALIS_UPDATE_CONTROL(ResumeJobUpdate, resumeJobUpdate)
BOREALIS_UPDATE_CONTROL(AbortJobUpdate, abortJobUpdate)
BOREALIS_UPDATE_CONTROL(RollbackJobUpdate, rollbackJobUpdate)
#undef BOREALIS_UPDATE_CONTROL

absl::StatusOr<api::Response> SchedulerClient::PulseJobUpdate(const api::JobUpdateKey& key) {
  return Invoke(
      "pulseJobUpdate", [&](api::AuroraAdminClient& c) { c.send_pulseJobUpdate(key); },
      [](api::AuroraAdminClient& c, api::Response& r) { c.recv_pulseJobUpdate(r); });
}

absl::StatusOr<std::vector<api::JobUpdateSummary>> SchedulerClient::GetJobUpdateSummaries(
    const api::JobUpdateQuery& query) {
  ASSIGN_OR_RETURN(
      api::Response r,
      Invoke(
          "getJobUpdateSummaries",
          [&](api::AuroraAdminClient& c) { c.send_getJobUpdateSummaries(query); },
          [](api::AuroraAdminClient& c, api::Response& out) { c.recv_getJobUpdateSummaries(out); }));
  return std::move(r.result.getJobUpdateSummariesResult.updateSummaries);
}

absl::StatusOr<std::vector<api::JobUpdateDetails>> SchedulerClient::GetJobUpdateDetails(
    const api::JobUpdateQuery& query) {
  ASSIGN_OR_RETURN(
      api::Response r,
      Invoke(
          "getJobUpdateDetails",
          [&](api::AuroraAdminClient& c) { c.send_getJobUpdateDetails(api::JobUpdateKey(), query); },
          [](api::AuroraAdminClient& c, api::Response& out) { c.recv_getJobUpdateDetails(out); }));
  return std::move(r.result.getJobUpdateDetailsResult.detailsList);
}

absl::StatusOr<api::GetJobUpdateDiffResult> SchedulerClient::GetJobUpdateDiff(
    const api::JobUpdateRequest& request) {
  ASSIGN_OR_RETURN(
      api::Response r,
      Invoke(
          "getJobUpdateDiff", [&](api::AuroraAdminClient& c) { c.send_getJobUpdateDiff(request); },
          [](api::AuroraAdminClient& c, api::Response& out) { c.recv_getJobUpdateDiff(out); }));
  return std::move(r.result.getJobUpdateDiffResult);
}

absl::StatusOr<api::TaskConfig> SchedulerClient::PopulateJobConfig(
    const api::JobConfiguration& job) {
  ASSIGN_OR_RETURN(
      api::Response r,
      Invoke(
          "populateJobConfig", [&](api::AuroraAdminClient& c) { c.send_populateJobConfig(job); },
          [](api::AuroraAdminClient& c, api::Response& out) { c.recv_populateJobConfig(out); }));
  return std::move(r.result.populateJobResult.taskConfig);
}

absl::StatusOr<api::GetQuotaResult> SchedulerClient::GetQuota(const std::string& role) {
  ASSIGN_OR_RETURN(api::Response r,
                   Invoke(
                       "getQuota", [&](api::AuroraAdminClient& c) { c.send_getQuota(role); },
                       [](api::AuroraAdminClient& c, api::Response& out) { c.recv_getQuota(out); }));
  return r.result.getQuotaResult;
}

absl::StatusOr<api::Response> SchedulerClient::SetQuota(const std::string& role,
                                                        const api::ResourceAggregate& quota) {
  return Invoke(
      "setQuota", [&](api::AuroraAdminClient& c) { c.send_setQuota(role, quota); },
      [](api::AuroraAdminClient& c, api::Response& r) { c.recv_setQuota(r); });
}

absl::StatusOr<api::Response> SchedulerClient::ForceTaskState(const std::string& task_id,
                                                              api::ScheduleStatus::type status) {
  return Invoke(
      "forceTaskState", [&](api::AuroraAdminClient& c) { c.send_forceTaskState(task_id, status); },
      [](api::AuroraAdminClient& c, api::Response& r) { c.recv_forceTaskState(r); });
}

absl::StatusOr<api::Response> SchedulerClient::PruneTasks(const api::TaskQuery& query) {
  return Invoke(
      "pruneTasks", [&](api::AuroraAdminClient& c) { c.send_pruneTasks(query); },
      [](api::AuroraAdminClient& c, api::Response& r) { c.recv_pruneTasks(r); });
}

absl::StatusOr<api::Response> SchedulerClient::TriggerExplicitTaskReconciliation(
    const api::ExplicitReconciliationSettings& settings) {
  return Invoke(
      "triggerExplicitTaskReconciliation",
      [&](api::AuroraAdminClient& c) { c.send_triggerExplicitTaskReconciliation(settings); },
      [](api::AuroraAdminClient& c, api::Response& r) {
        c.recv_triggerExplicitTaskReconciliation(r);
      });
}

absl::StatusOr<api::Response> SchedulerClient::TriggerImplicitTaskReconciliation() {
  return Invoke(
      "triggerImplicitTaskReconciliation",
      [](api::AuroraAdminClient& c) { c.send_triggerImplicitTaskReconciliation(); },
      [](api::AuroraAdminClient& c, api::Response& r) {
        c.recv_triggerImplicitTaskReconciliation(r);
      });
}

absl::StatusOr<std::string> SchedulerClient::Plan(const api::JobConfiguration& job) const {
  auto reply = net::HttpCall("POST", parsed_.host, parsed_.port, parsed_.path_prefix + "/plan",
                             wire::Serialize(wire::Protocol::kJson, job), kJsonMime, timeout_ms_,
                             {{"Accept", "application/json"}, {"User-Agent", kUserAgent}});
  if (!reply.ok()) {
    return WithExitCode(absl::UnavailableError(absl::StrCat("cannot reach the scheduler at ",
                                                            uri_, ": ", reply.status().message())),
                        kExitNetworkError);
  }
  if (reply->status == 404) {
    return WithExitCode(absl::UnimplementedError(absl::StrCat(
                            "the scheduler at ", uri_, " cannot plan (no POST /plan)")),
                        kExitApiError);
  }
  if (reply->status != 200) {
    return WithExitCode(absl::InvalidArgumentError(absl::StrCat(
                            "plan: the scheduler at ", uri_, " answered HTTP ", reply->status,
                            ": ", FirstLine(reply->body))),
                        kExitApiError);
  }
  return std::move(reply->body);
}

template <typename Send, typename Recv, typename Pick>
absl::StatusOr<std::set<api::HostStatus>> SchedulerClient::HostsCall(
    const char* method, const std::set<std::string>& hosts, Send send, Recv recv,
    Pick pick) const {
  api::Hosts h;
  h.__set_hostNames(hosts);
  ASSIGN_OR_RETURN(api::Response r,
                   Invoke(
                       method, [&](api::AuroraAdminClient& c) { send(c, h); },
                       [&](api::AuroraAdminClient& c, api::Response& out) { recv(c, out); }));
  return std::move(pick(r.result).statuses);
}

absl::StatusOr<std::set<api::HostStatus>> SchedulerClient::StartMaintenance(
    const std::set<std::string>& hosts) {
  return HostsCall(
      "startMaintenance", hosts,
      [](api::AuroraAdminClient& c, const api::Hosts& h) { c.send_startMaintenance(h); },
      [](api::AuroraAdminClient& c, api::Response& r) { c.recv_startMaintenance(r); },
      [](api::Result& r) -> api::StartMaintenanceResult& { return r.startMaintenanceResult; });
}

absl::StatusOr<std::set<api::HostStatus>> SchedulerClient::DrainHosts(
    const std::set<std::string>& hosts) {
  return HostsCall(
      "drainHosts", hosts,
      [](api::AuroraAdminClient& c, const api::Hosts& h) { c.send_drainHosts(h); },
      [](api::AuroraAdminClient& c, api::Response& r) { c.recv_drainHosts(r); },
      [](api::Result& r) -> api::DrainHostsResult& { return r.drainHostsResult; });
}

absl::StatusOr<std::set<api::HostStatus>> SchedulerClient::SlaDrainHosts(
    const std::set<std::string>& hosts, const api::SlaPolicy& policy, int64_t timeout_secs) {
  return HostsCall(
      "slaDrainHosts", hosts,
      [&](api::AuroraAdminClient& c, const api::Hosts& h) {
        c.send_slaDrainHosts(h, policy, timeout_secs);
      },
      [](api::AuroraAdminClient& c, api::Response& r) { c.recv_slaDrainHosts(r); },
      [](api::Result& r) -> api::DrainHostsResult& { return r.drainHostsResult; });
}

absl::StatusOr<std::set<api::HostStatus>> SchedulerClient::EndMaintenance(
    const std::set<std::string>& hosts) {
  return HostsCall(
      "endMaintenance", hosts,
      [](api::AuroraAdminClient& c, const api::Hosts& h) { c.send_endMaintenance(h); },
      [](api::AuroraAdminClient& c, api::Response& r) { c.recv_endMaintenance(r); },
      [](api::Result& r) -> api::EndMaintenanceResult& { return r.endMaintenanceResult; });
}

absl::StatusOr<std::set<api::HostStatus>> SchedulerClient::MaintenanceStatus(
    const std::set<std::string>& hosts) {
  return HostsCall(
      "maintenanceStatus", hosts,
      [](api::AuroraAdminClient& c, const api::Hosts& h) { c.send_maintenanceStatus(h); },
      [](api::AuroraAdminClient& c, api::Response& r) { c.recv_maintenanceStatus(r); },
      [](api::Result& r) -> api::MaintenanceStatusResult& { return r.maintenanceStatusResult; });
}

}  // namespace borealis::cli
