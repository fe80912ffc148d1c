#include "borealis/scheduler/storage_codec_maintenance.h"

#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/wire/convert.h"

namespace borealis::scheduler {
namespace {

// A stored request's policy as written: unlike the API's conversion (wire/convert.h) it
// accepts drainHosts' 0 % policy.
absl::StatusOr<model::SlaPolicy> PolicyFromThrift(const api::SlaPolicy& p,
                                                  const std::string& where) {
  if (p.__isset.percentageSlaPolicy) {
    return model::SlaPolicy(model::PercentageSlaPolicy{p.percentageSlaPolicy.percentage,
                                                       p.percentageSlaPolicy.durationSecs});
  }
  if (p.__isset.countSlaPolicy) {
    return model::SlaPolicy(
        model::CountSlaPolicy{p.countSlaPolicy.count, p.countSlaPolicy.durationSecs});
  }
  if (p.__isset.coordinatorSlaPolicy) {
    model::CoordinatorSlaPolicy c;
    c.coordinator_url = p.coordinatorSlaPolicy.coordinatorUrl;
    if (!p.coordinatorSlaPolicy.statusKey.empty()) c.status_key = p.coordinatorSlaPolicy.statusKey;
    return model::SlaPolicy(std::move(c));
  }
  return absl::DataLossError(absl::StrCat(where, ": a maintenance request without a policy"));
}

api::HostMaintenanceRequest RequestToThrift(const model::MaintenanceRequest& r) {
  api::HostMaintenanceRequest t;
  t.__set_host(r.host);
  t.__set_defaultSlaPolicy(wire::ToThrift(r.default_policy));
  t.__set_timeoutSecs(r.timeout_secs);
  t.__set_createdTimestampMs(r.created_ms);
  return t;
}

absl::StatusOr<model::MaintenanceRequest> RequestFromThrift(const api::HostMaintenanceRequest& t,
                                                            const std::string& where) {
  model::MaintenanceRequest r;
  r.host = t.host;
  ASSIGN_OR_RETURN(r.default_policy, PolicyFromThrift(t.defaultSlaPolicy, where));
  r.timeout_secs = t.timeoutSecs;
  r.created_ms = t.createdTimestampMs;
  return r;
}

absl::StatusOr<model::MaintenanceMode> ModeFromThrift(const api::HostAttributes& a,
                                                      const std::string& where) {
  if (!a.__isset.mode) return model::MaintenanceMode::kNone;
  auto mode = model::MaintenanceModeFromInt(static_cast<int32_t>(a.mode));
  if (!mode) {
    return absl::DataLossError(absl::StrCat(where, ": host ", a.host,
                                            " has an unknown maintenance mode ",
                                            static_cast<int32_t>(a.mode)));
  }
  return *mode;
}

api::HostAttributes ModeToThrift(const std::string& host, model::MaintenanceMode mode) {
  api::HostAttributes a;
  a.__set_host(host);
  a.__set_mode(static_cast<api::MaintenanceMode::type>(mode));
  return a;
}

}  // namespace

bool EncodeMaintenanceOp(const state::Mutation& m, storage::Op* op) {
  if (const auto* mode = std::get_if<state::SaveHostMode>(&m)) {
    storage::SaveHostAttributes s;
    s.__set_hostAttributes(ModeToThrift(mode->host, mode->mode));
    op->__set_saveHostAttributes(std::move(s));
  } else if (const auto* save = std::get_if<state::SaveMaintenanceRequest>(&m)) {
    storage::SaveHostMaintenanceRequest s;
    s.__set_hostMaintenanceRequest(RequestToThrift(save->request));
    op->__set_saveHostMaintenanceRequest(std::move(s));
  } else if (const auto* remove = std::get_if<state::RemoveMaintenanceRequest>(&m)) {
    storage::RemoveHostMaintenanceRequest s;
    s.__set_host(remove->host);
    op->__set_removeHostMaintenanceRequest(std::move(s));
  } else {
    return false;
  }
  return true;
}

bool IsMaintenanceOp(const storage::Op& op) {
  return op.__isset.saveHostAttributes || op.__isset.saveHostMaintenanceRequest ||
         op.__isset.removeHostMaintenanceRequest;
}

absl::StatusOr<state::Mutation> DecodeMaintenanceOp(const storage::Op& op) {
  if (op.__isset.saveHostAttributes) {
    const api::HostAttributes& a = op.saveHostAttributes.hostAttributes;
    ASSIGN_OR_RETURN(model::MaintenanceMode mode, ModeFromThrift(a, "saveHostAttributes"));
    return state::Mutation(state::SaveHostMode{a.host, mode});
  }
  if (op.__isset.saveHostMaintenanceRequest) {
    ASSIGN_OR_RETURN(model::MaintenanceRequest r,
                     RequestFromThrift(op.saveHostMaintenanceRequest.hostMaintenanceRequest,
                                       "saveHostMaintenanceRequest"));
    return state::Mutation(state::SaveMaintenanceRequest{std::move(r)});
  }
  return state::Mutation(state::RemoveMaintenanceRequest{op.removeHostMaintenanceRequest.host});
}

void EncodeMaintenance(const state::ClusterState& state, storage::Snapshot* snap) {
  for (const auto& [host, mode] : *state.maintenance().modes()) {
    snap->hostAttributes.insert(ModeToThrift(host, mode));
  }
  snap->__isset.hostAttributes = true;
  for (const auto& [host, request] : state.maintenance().requests()) {
    snap->hostMaintenanceRequests.insert(RequestToThrift(request));
  }
  snap->__isset.hostMaintenanceRequests = true;
}

absl::Status DecodeMaintenance(const storage::Snapshot& snap, state::ClusterState* out) {
  for (const api::HostAttributes& a : snap.hostAttributes) {
    ASSIGN_OR_RETURN(model::MaintenanceMode mode, ModeFromThrift(a, "hostAttributes"));
    out->Apply(state::SaveHostMode{a.host, mode});
  }
  for (const api::HostMaintenanceRequest& t : snap.hostMaintenanceRequests) {
    ASSIGN_OR_RETURN(model::MaintenanceRequest r,
                     RequestFromThrift(t, "hostMaintenanceRequests"));
    out->Apply(state::SaveMaintenanceRequest{std::move(r)});
  }
  return absl::OkStatus();
}

}  // namespace borealis::scheduler
