// Resources: what a task asks for and an agent offers. Scalars are integers in fixed units
// (milli-cpus, MiB, whole GPUs), never floating point, so sums and comparisons are exact;
// ports are asked for by name and assigned at placement.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace borealis::model {

// Scalar resources in integer units plus the names of the ports a task asks for.
struct Resources {
  int64_t milli_cpus = 0;
  int64_t ram_mb = 0;
  int64_t disk_mb = 0;
  int64_t gpus = 0;
  std::vector<std::string> named_ports;  // sorted, unique

  bool operator==(const Resources&) const = default;
};

}  // namespace borealis::model
