// SchedulerCore's host maintenance calls (AuroraAdmin startMaintenance, drainHosts,
// slaDrainHosts, endMaintenance, maintenanceStatus; docs/maintenance.md). The work is the
// maintenance controller's (components/maintenance_controller.h); its decisions are
// core/maintenance.h's.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "borealis/scheduler/scheduler_core.h"
#include "borealis/wire/convert.h"
#include "borealis/wire/response.h"

namespace borealis::scheduler {

namespace {

std::set<api::HostStatus> ToThrift(const std::vector<HostModeStatus>& statuses) {
  std::set<api::HostStatus> out;
  for (const HostModeStatus& s : statuses) {
    api::HostStatus h;
    h.host = s.host;
    h.mode = static_cast<api::MaintenanceMode::type>(s.mode);
    out.insert(std::move(h));
  }
  return out;
}

// The response of a maintenance call: its statuses in `Field` of the result, or the error.
template <typename Result>
api::Response Answer(const absl::StatusOr<std::vector<HostModeStatus>>& statuses,
                     void (api::Result::*set)(const Result&)) {
  if (!statuses.ok()) return wire::ErrorResponse(statuses.status());
  Result result;
  result.statuses = ToThrift(*statuses);
  api::Response r = wire::OkResponse();
  (r.result.*set)(result);
  r.__isset.result = true;
  return r;
}

}  // namespace

api::Response SchedulerCore::StartMaintenance(const std::set<std::string>& hosts) {
  owner_.Check();
  return Answer(maintenance_.Start(hosts, context()), &api::Result::__set_startMaintenanceResult);
}

api::Response SchedulerCore::DrainHosts(const std::set<std::string>& hosts) {
  owner_.Check();
  return Answer(maintenance_.Drain(hosts, clock_.NowMs(), context()),
                &api::Result::__set_drainHostsResult);
}

api::Response SchedulerCore::SlaDrainHosts(const std::set<std::string>& hosts,
                                           const api::SlaPolicy& policy, int64_t timeout_secs) {
  owner_.Check();
  auto converted = wire::FromThrift(policy);
  if (!converted.ok()) {
    return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST,
                              absl::StrCat("defaultSlaPolicy: ", converted.status().message()));
  }
  return Answer(maintenance_.SlaDrain(hosts, *converted, timeout_secs, clock_.NowMs(), context()),
                &api::Result::__set_drainHostsResult);
}

api::Response SchedulerCore::EndMaintenance(const std::set<std::string>& hosts) {
  owner_.Check();
  return Answer(maintenance_.End(hosts, context()), &api::Result::__set_endMaintenanceResult);
}

api::Response SchedulerCore::MaintenanceStatus(const std::set<std::string>& hosts) {
  owner_.Check();
  return Answer(maintenance_.Status(hosts, context()),
                &api::Result::__set_maintenanceStatusResult);
}

void SchedulerCore::OnCoordinatorAnswer(const CoordinatorAnswer& answer) {
  owner_.Check();
  maintenance_.OnCoordinatorAnswer(answer, context());
}

}  // namespace borealis::scheduler
