// Aurora's task states (docs/aurora-compatibility.md), with the same numeric values as the Thrift
// enum ScheduleStatus, and the named state sets.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace borealis::model {

enum class ScheduleStatus : int {
  kInit = 11,
  kThrottled = 16,
  kPending = 0,
  kAssigned = 9,
  kStarting = 1,
  kRunning = 2,
  kFinished = 3,
  kPreempting = 13,
  kRestarting = 12,
  kDraining = 17,
  kFailed = 4,
  kKilled = 5,
  kKilling = 6,
  kLost = 7,
  kPartitioned = 18,
};

// Every state, in a fixed order (for tables and tests).
const std::vector<ScheduleStatus>& AllStatuses();

// "PENDING", "RUNNING", ... as Aurora spells them.
std::string_view StatusName(ScheduleStatus s);
std::optional<ScheduleStatus> ParseStatus(std::string_view name);
std::optional<ScheduleStatus> StatusFromInt(int value);

bool IsActive(ScheduleStatus s);         // ACTIVE_STATES
bool IsSlaveAssigned(ScheduleStatus s);  // SLAVE_ASSIGNED_STATES
bool IsLive(ScheduleStatus s);           // LIVE_STATES
bool IsTerminal(ScheduleStatus s);       // TERMINAL_STATES

}  // namespace borealis::model
