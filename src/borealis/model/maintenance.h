// Host maintenance (docs/maintenance.md): a host's MaintenanceMode and the request that
// drains it (Thrift MaintenanceMode and HostMaintenanceRequest).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "borealis/model/sla_policy.h"

namespace borealis::model {

// Values as Thrift's MaintenanceMode.
enum class MaintenanceMode : int32_t { kNone = 1, kScheduled = 2, kDraining = 3, kDrained = 4 };

inline std::string_view MaintenanceModeName(MaintenanceMode mode) {
  switch (mode) {
    case MaintenanceMode::kNone: return "NONE";
    case MaintenanceMode::kScheduled: return "SCHEDULED";
    case MaintenanceMode::kDraining: return "DRAINING";
    case MaintenanceMode::kDrained: return "DRAINED";
  }
  return "NONE";
}

inline std::optional<MaintenanceMode> MaintenanceModeFromInt(int32_t value) {
  if (value < 1 || value > 4) return std::nullopt;
  return static_cast<MaintenanceMode>(value);
}

// What drains one host: the policy for tasks without one of their own, and when the drain
// is forced (created_ms + timeout_secs). drainHosts stores a 0 % policy with timeout 0.
struct MaintenanceRequest {
  std::string host;
  SlaPolicy default_policy = PercentageSlaPolicy{0, 0};
  int64_t timeout_secs = 0;
  int64_t created_ms = 0;
  bool operator==(const MaintenanceRequest&) const = default;
};

}  // namespace borealis::model
