// PortRange: a closed range of port numbers, as an agent offers its ports.
#pragma once

#include <cstdint>

namespace borealis::model {

// A closed range of port numbers [begin, end].
struct PortRange {
  int32_t begin = 0;
  int32_t end = 0;
  bool operator==(const PortRange&) const = default;
};

}  // namespace borealis::model
