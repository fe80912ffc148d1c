#include "borealis/model/job_update.h"

#include <algorithm>
#include <array>

namespace borealis::model {

namespace {
const std::array<std::string, 11> kStatusNames = {
    "ROLLING_FORWARD",  "ROLLING_BACK", "ROLL_FORWARD_PAUSED",
    "ROLL_BACK_PAUSED", "ROLLED_FORWARD", "ROLLED_BACK",
    "ABORTED",          "ERROR",        "FAILED",
    "ROLL_FORWARD_AWAITING_PULSE", "ROLL_BACK_AWAITING_PULSE"};
}  // namespace

const std::string& UpdateStatusName(UpdateStatus s) {
  static const std::string unknown = "UNKNOWN";
  const auto i = static_cast<size_t>(s);
  return i < kStatusNames.size() ? kStatusNames[i] : unknown;
}

std::optional<UpdateStatus> UpdateStatusFromInt(int value) {
  if (value < 0 || value >= static_cast<int>(kStatusNames.size())) return std::nullopt;
  return static_cast<UpdateStatus>(value);
}

std::optional<UpdateAction> UpdateActionFromInt(int value) {
  if (value < 1 || value > 6) return std::nullopt;
  return static_cast<UpdateAction>(value);
}

std::vector<Range> ToRanges(std::vector<int32_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<Range> out;
  for (int32_t id : ids) {
    if (!out.empty() && static_cast<int64_t>(out.back().last) + 1 == id) {
      out.back().last = id;
    } else {
      out.push_back(Range{id, id});
    }
  }
  return out;
}

std::vector<int32_t> FromRanges(const std::vector<Range>& ranges) {
  std::vector<int32_t> out;
  for (const Range& r : ranges) {
    for (int64_t i = r.first; i <= r.last; ++i) out.push_back(static_cast<int32_t>(i));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool operator==(const InstanceTaskConfig& a, const InstanceTaskConfig& b) {
  if (a.instances != b.instances) return false;
  if (a.task == b.task) return true;
  return a.task && b.task && *a.task == *b.task;
}

}  // namespace borealis::model
