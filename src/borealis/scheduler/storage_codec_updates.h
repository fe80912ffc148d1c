// The job update records in the log and the snapshot (storage.thrift): SaveJobUpdate,
// SaveJobUpdateEvent, SaveJobInstanceUpdateEvent and RemoveJobUpdates as Aurora's ops 14,
// 15, 16 and 18, and the records as Snapshot.jobUpdateDetails. Used by storage_codec.cc.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/state/cluster_state.h"
#include "gen-cpp/storage_types.h"

namespace borealis::scheduler {

// Sets the op for `m`, one of the update mutations (others are left alone).
void EncodeUpdateOp(const state::Mutation& m, storage::Op* op);
bool IsUpdateOp(const storage::Op& op);
absl::StatusOr<state::Mutation> DecodeUpdateOp(const storage::Op& op);

void EncodeUpdateRecords(const state::ClusterState& state, storage::Snapshot* snap);
absl::Status DecodeUpdateRecords(const storage::Snapshot& snap, state::ClusterState* out);

}  // namespace borealis::scheduler
