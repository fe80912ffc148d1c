#include "borealis/model/schedule_status.h"

#include <array>
#include <utility>

namespace borealis::model {
namespace {

using S = ScheduleStatus;
constexpr std::array<std::pair<S, std::string_view>, 15> kNames = {{
    {S::kInit, "INIT"},
    {S::kThrottled, "THROTTLED"},
    {S::kPending, "PENDING"},
    {S::kAssigned, "ASSIGNED"},
    {S::kStarting, "STARTING"},
    {S::kRunning, "RUNNING"},
    {S::kFinished, "FINISHED"},
    {S::kPreempting, "PREEMPTING"},
    {S::kRestarting, "RESTARTING"},
    {S::kDraining, "DRAINING"},
    {S::kFailed, "FAILED"},
    {S::kKilled, "KILLED"},
    {S::kKilling, "KILLING"},
    {S::kLost, "LOST"},
    {S::kPartitioned, "PARTITIONED"},
}};

}  // namespace

const std::vector<ScheduleStatus>& AllStatuses() {
  static const std::vector<ScheduleStatus> all = [] {
    std::vector<ScheduleStatus> v;
    for (const auto& [s, n] : kNames) v.push_back(s);
    return v;
  }();
  return all;
}

std::string_view StatusName(ScheduleStatus s) {
  for (const auto& [st, name] : kNames) {
    if (st == s) return name;
  }
  return "UNKNOWN";
}

std::optional<ScheduleStatus> ParseStatus(std::string_view name) {
  for (const auto& [st, n] : kNames) {
    if (n == name) return st;
  }
  return std::nullopt;
}

std::optional<ScheduleStatus> StatusFromInt(int value) {
  for (const auto& [st, n] : kNames) {
    if (static_cast<int>(st) == value) return st;
  }
  return std::nullopt;
}

bool IsActive(ScheduleStatus s) {
  switch (s) {
    case S::kAssigned: case S::kDraining: case S::kKilling: case S::kPending:
    case S::kPreempting: case S::kRestarting: case S::kRunning: case S::kStarting:
    case S::kPartitioned: case S::kThrottled:
      return true;
    default:
      return false;
  }
}

bool IsSlaveAssigned(ScheduleStatus s) {
  switch (s) {
    case S::kAssigned: case S::kDraining: case S::kKilling: case S::kPreempting:
    case S::kRestarting: case S::kRunning: case S::kPartitioned: case S::kStarting:
      return true;
    default:
      return false;
  }
}

bool IsLive(ScheduleStatus s) {
  switch (s) {
    case S::kKilling: case S::kPreempting: case S::kRestarting: case S::kDraining:
    case S::kPartitioned: case S::kRunning:
      return true;
    default:
      return false;
  }
}

bool IsTerminal(ScheduleStatus s) {
  return s == S::kFailed || s == S::kFinished || s == S::kKilled || s == S::kLost;
}

}  // namespace borealis::model
