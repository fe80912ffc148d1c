// Host maintenance in the log and the snapshot (storage.thrift): SaveHostMode,
// SaveMaintenanceRequest and RemoveMaintenanceRequest as Aurora's ops saveHostAttributes
// (10, only host and mode are kept), saveHostMaintenanceRequest (19) and
// removeHostMaintenanceRequest (20); the modes as Snapshot.hostAttributes and the requests
// as Snapshot.hostMaintenanceRequests. Used by storage_codec.cc.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/state/cluster_state.h"
#include "gen-cpp/storage_types.h"

namespace borealis::scheduler {

// Sets the op for `m` when it is a maintenance mutation; false (op untouched) otherwise.
bool EncodeMaintenanceOp(const state::Mutation& m, storage::Op* op);
bool IsMaintenanceOp(const storage::Op& op);
absl::StatusOr<state::Mutation> DecodeMaintenanceOp(const storage::Op& op);

void EncodeMaintenance(const state::ClusterState& state, storage::Snapshot* snap);
absl::Status DecodeMaintenance(const storage::Snapshot& snap, state::ClusterState* out);

}  // namespace borealis::scheduler
