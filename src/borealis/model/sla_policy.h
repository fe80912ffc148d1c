// SlaPolicy: which share of a job must stay up during maintenance (Thrift SlaPolicy): a
// percentage or a count of instances for a duration, or a coordinator to ask.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace borealis::model {

struct PercentageSlaPolicy {
  double percentage = 0;  // in (0, 100]
  int64_t duration_secs = 0;
  bool operator==(const PercentageSlaPolicy&) const = default;
};

struct CountSlaPolicy {
  int64_t count = 0;
  int64_t duration_secs = 0;
  bool operator==(const CountSlaPolicy&) const = default;
};

struct CoordinatorSlaPolicy {
  std::string coordinator_url;
  std::string status_key = "drain";
  bool operator==(const CoordinatorSlaPolicy&) const = default;
};

using SlaPolicy = std::variant<PercentageSlaPolicy, CountSlaPolicy, CoordinatorSlaPolicy>;

}  // namespace borealis::model
