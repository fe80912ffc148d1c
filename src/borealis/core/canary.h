// Canary updates, a Borealis extension of Aurora's updates (docs/aurora-compatibility.md,
// "Canaries"): metadata of the JobUpdateRequest asks the update to roll forward only the
// first N instances of its order, wait until they are stable, then hold in
// ROLL_FORWARD_PAUSED (no new status, so Aurora's clients still understand it) until it is
// promoted by resumeJobUpdate, or by itself once the canary has been healthy for a given
// time. A canary that fails rolls back, whatever rollbackOnFailure says. The canary's
// state is kept in the update's metadata (`borealis.canary.state`), so a restarted
// scheduler knows whether it was promoted. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "borealis/model/task_config.h"

namespace borealis::core {

inline constexpr char kCanaryKey[] = "borealis.canary";
inline constexpr char kCanaryAutoPromoteKey[] = "borealis.canary.auto_promote_after_secs";
inline constexpr char kCanaryStateKey[] = "borealis.canary.state";
inline constexpr char kCanaryAwaitingPromotion[] = "awaiting_promotion";
inline constexpr char kCanaryPromoted[] = "promoted";

struct CanarySettings {
  int32_t instances = 0;
  std::optional<int64_t> auto_promote_after_ms;
};

// The canary the metadata asks for, if any; InvalidArgument naming the key when a value is
// not a positive integer, or auto-promotion is asked for without a canary.
absl::StatusOr<std::optional<CanarySettings>> CanaryOf(const std::vector<model::Metadata>& metadata);
// The value of `borealis.canary.state`, empty when unset.
std::string CanaryState(const std::vector<model::Metadata>& metadata);
// `metadata` with `borealis.canary.state` set to `state` (sorted, the key once).
std::vector<model::Metadata> WithCanaryState(std::vector<model::Metadata> metadata,
                                             const std::string& state);
// The pause message once the canary is stable.
std::string CanaryWaitingMessage(const CanarySettings& canary);

}  // namespace borealis::core
