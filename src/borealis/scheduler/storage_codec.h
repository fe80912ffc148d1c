// Encodes the scheduler's state mutations as Aurora's storage schema (storage.thrift):
// each committed batch is one Transaction in TCompactProtocol, and a snapshot is a
// Snapshot struct. Decoding rebuilds the same mutations, so replay is exact.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "borealis/state/cluster_state.h"

namespace borealis::scheduler {

std::string EncodeTransaction(const std::vector<state::Mutation>& mutations);
absl::StatusOr<std::vector<state::Mutation>> DecodeTransaction(const std::string& bytes);

std::string EncodeSnapshot(const state::ClusterState& state, int64_t now_ms);
// Rebuilds the state a snapshot describes.
absl::Status DecodeSnapshot(const std::string& bytes, state::ClusterState* out);

}  // namespace borealis::scheduler
