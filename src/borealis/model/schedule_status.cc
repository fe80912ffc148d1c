#include "borealis/model/schedule_status.h"

#include <array>
#include <cstdint>
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

// kNames' index by status value (-1: no such status), for the conversions on every update.
constexpr int kMaxValue = 63;
constexpr std::array<int8_t, kMaxValue + 1> kIndexByValue = [] {
  std::array<int8_t, kMaxValue + 1> out{};
  out.fill(-1);
  for (size_t i = 0; i < kNames.size(); ++i) {
    out[static_cast<size_t>(kNames[i].first)] = static_cast<int8_t>(i);
  }
  return out;
}();

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
  const int v = static_cast<int>(s);
  if (v < 0 || v > kMaxValue || kIndexByValue[static_cast<size_t>(v)] < 0) return "UNKNOWN";
  return kNames[static_cast<size_t>(kIndexByValue[static_cast<size_t>(v)])].second;
}

std::optional<ScheduleStatus> ParseStatus(std::string_view name) {
  for (const auto& [st, n] : kNames) {
    if (n == name) return st;
  }
  return std::nullopt;
}

std::optional<ScheduleStatus> StatusFromInt(int value) {
  if (value < 0 || value > kMaxValue || kIndexByValue[static_cast<size_t>(value)] < 0) {
    return std::nullopt;
  }
  return kNames[static_cast<size_t>(kIndexByValue[static_cast<size_t>(value)])].first;
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
