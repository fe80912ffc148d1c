// Constraint: one entry of a job's `constraints`, a condition on the attributes of the
// agents its tasks may run on. Values are kept sorted and unique, so equal constraints
// compare equal.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace borealis::model {

// One entry of a job's `constraints`: either a value constraint on an attribute
// ("rack": "r1,r2" or "!r1") or a limit constraint ("rack": "limit:1").
struct Constraint {
  std::string name;
  bool is_limit = false;
  int32_t limit = 0;                // when is_limit
  bool negated = false;             // when !is_limit
  std::vector<std::string> values;  // when !is_limit; sorted, unique

  bool operator==(const Constraint&) const = default;
};

}  // namespace borealis::model
