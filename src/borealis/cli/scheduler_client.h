// SchedulerClient: Aurora's Thrift API over HTTP for the CLI. Each call encodes the
// request with the generated AuroraAdminClient into memory (TJSONProtocol), POSTs it to
// <scheduler>/api with net::HttpCall, and decodes the reply with the same client.
//
// Every failure becomes one status with a one-line message and a CLI exit code:
// connection problems -> kExitNetworkError ("cannot reach the scheduler at URI: ..."),
// a deadline -> kExitTimeout, HTTP 401 or 403 -> kExitAuthError (as Aurora's client), any
// other non-200 HTTP answer or an undecodable reply -> kExitApiError, and a Response whose code is not OK/WARNING -> kExitApiError with the
// code name and the response details ("createJob: INVALID_REQUEST: job ... exists").
//
// Thread contract: a SchedulerClient is a value; calls block and may run on any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "borealis/net/http_line_stream.h"
#include "gen-cpp/api_types.h"

namespace borealis::cli {

struct HttpUri {
  std::string host;
  int port = 80;
  std::string path_prefix;  // "" or "/prefix" (no trailing '/')
};

// Parses "http://host[:port][/prefix]" ("[v6]" hosts allowed). https is Unimplemented.
absl::StatusOr<HttpUri> ParseHttpUri(const std::string& uri);

class SchedulerClient {
 public:
  // `scheduler_uri` as from clusters.json; `timeout_ms` bounds each HTTP exchange.
  static absl::StatusOr<SchedulerClient> Create(const std::string& scheduler_uri,
                                                int timeout_ms = 30000);

  // "http://host:port[/prefix]" without a trailing '/'.
  const std::string& uri() const { return uri_; }

  absl::StatusOr<api::Response> CreateJob(const api::JobConfiguration& job);
  absl::StatusOr<std::vector<api::ScheduledTask>> GetTasksWithoutConfigs(
      const api::TaskQuery& query);
  // getTasksStatus: the same tasks with their whole configuration.
  absl::StatusOr<std::vector<api::ScheduledTask>> GetTasksStatus(const api::TaskQuery& query);
  // task id -> reason, for the PENDING tasks the query selects.
  absl::StatusOr<std::map<std::string, std::string>> GetPendingReasons(
      const api::TaskQuery& query);
  // Jobs of `role` ("" for every role).
  absl::StatusOr<std::vector<api::JobConfiguration>> GetJobs(const std::string& role);
  // Empty `instances`: every active instance.
  absl::StatusOr<api::Response> AddInstances(const api::InstanceKey& key, int32_t count);
  absl::StatusOr<api::Response> KillTasks(const api::JobKey& job,
                                          const std::set<int32_t>& instances,
                                          const std::string& message);

  // Cron templates: scheduleCronJob (create or replace), descheduleCronJob, startCronJob.
  absl::StatusOr<api::Response> ScheduleCronJob(const api::JobConfiguration& job);
  absl::StatusOr<api::Response> DescheduleCronJob(const api::JobKey& job);
  absl::StatusOr<api::Response> StartCronJob(const api::JobKey& job);

  // restartShards: the listed instances' active tasks are killed and replaced.
  absl::StatusOr<api::Response> RestartShards(const api::JobKey& job,
                                              const std::set<int32_t>& instances);

  // Job updates.
  absl::StatusOr<api::Response> StartJobUpdate(const api::JobUpdateRequest& request,
                                               const std::string& message);
  absl::StatusOr<api::Response> PauseJobUpdate(const api::JobUpdateKey& key,
                                               const std::string& message);
  absl::StatusOr<api::Response> ResumeJobUpdate(const api::JobUpdateKey& key,
                                                const std::string& message);
  absl::StatusOr<api::Response> AbortJobUpdate(const api::JobUpdateKey& key,
                                               const std::string& message);
  absl::StatusOr<api::Response> RollbackJobUpdate(const api::JobUpdateKey& key,
                                                  const std::string& message);
  absl::StatusOr<api::Response> PulseJobUpdate(const api::JobUpdateKey& key);
  absl::StatusOr<std::vector<api::JobUpdateSummary>> GetJobUpdateSummaries(
      const api::JobUpdateQuery& query);
  // getJobUpdateDetails with a query (Aurora's non-deprecated form): every match.
  absl::StatusOr<std::vector<api::JobUpdateDetails>> GetJobUpdateDetails(
      const api::JobUpdateQuery& query);
  absl::StatusOr<api::GetJobUpdateDiffResult> GetJobUpdateDiff(
      const api::JobUpdateRequest& request);
  absl::StatusOr<api::TaskConfig> PopulateJobConfig(const api::JobConfiguration& job);

  // getQuota: the role's quota and consumption buckets.
  absl::StatusOr<api::GetQuotaResult> GetQuota(const std::string& role);
  // setQuota (AuroraAdmin).
  absl::StatusOr<api::Response> SetQuota(const std::string& role,
                                         const api::ResourceAggregate& quota);

  // AuroraAdmin's task operations (docs/admin.md).
  absl::StatusOr<api::Response> ForceTaskState(const std::string& task_id,
                                               api::ScheduleStatus::type status);
  absl::StatusOr<api::Response> PruneTasks(const api::TaskQuery& query);
  absl::StatusOr<api::Response> TriggerExplicitTaskReconciliation(
      const api::ExplicitReconciliationSettings& settings);
  absl::StatusOr<api::Response> TriggerImplicitTaskReconciliation();

  // Sends `token` in the Borealis-Check-Token header of every later call: createJob and
  // startJobUpdate are then refused when the job changed since the plan that printed it.
  void set_check_token(std::string token) { check_token_ = std::move(token); }
  // POST /plan (beyond Aurora): what applying `job` would do, as the scheduler's JSON.
  absl::StatusOr<std::string> Plan(const api::JobConfiguration& job) const;

  // Host maintenance (AuroraAdmin): each answers the hosts' modes.
  absl::StatusOr<std::set<api::HostStatus>> StartMaintenance(const std::set<std::string>& hosts);
  absl::StatusOr<std::set<api::HostStatus>> DrainHosts(const std::set<std::string>& hosts);
  absl::StatusOr<std::set<api::HostStatus>> SlaDrainHosts(const std::set<std::string>& hosts,
                                                          const api::SlaPolicy& policy,
                                                          int64_t timeout_secs);
  absl::StatusOr<std::set<api::HostStatus>> EndMaintenance(const std::set<std::string>& hosts);
  absl::StatusOr<std::set<api::HostStatus>> MaintenanceStatus(const std::set<std::string>& hosts);

  // GET <uri><path> (e.g. "/vars"); a non-200 answer is an error.
  absl::StatusOr<std::string> Get(const std::string& path) const;
  // GET /events?<query> as a stream of lines (docs/events.md); errors as
  // net::HttpLineStream::Open's.
  absl::StatusOr<std::unique_ptr<net::HttpLineStream>> OpenEvents(const std::string& query) const;

 private:
  SchedulerClient(std::string uri, HttpUri parsed, int timeout_ms)
      : uri_(std::move(uri)), parsed_(std::move(parsed)), timeout_ms_(timeout_ms) {}

  // Encodes with `send(client)`, POSTs, decodes with `recv(client, response)` and checks
  // the response code. Defined in the .cc (used only there).
  template <typename Send, typename Recv>
  absl::StatusOr<api::Response> Invoke(const char* method, Send send, Recv recv) const;
  // A host maintenance call: sends `hosts` with `send(client, hosts)`, receives with
  // `recv`, and returns the statuses of the result member `pick(result)`.
  template <typename Send, typename Recv, typename Pick>
  absl::StatusOr<std::set<api::HostStatus>> HostsCall(const char* method,
                                                      const std::set<std::string>& hosts,
                                                      Send send, Recv recv, Pick pick) const;
  // POSTs one encoded Thrift message to /api and returns the reply's bytes.
  absl::StatusOr<std::string> Post(const char* method, const std::string& body) const;

  std::string uri_;
  HttpUri parsed_;
  int timeout_ms_;
  std::string check_token_;  // "" = none
};

// "INVALID_REQUEST: detail; detail" for a response (code name, then its details).
std::string DescribeResponse(const api::Response& response);

}  // namespace borealis::cli
