// JobKey: a job's name inside a cluster, role/environment/name; InstanceKey: one instance
// of a job. Plain values, ordered field by field (role first), so they can key sorted
// maps, and hashable (Abseil).
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <utility>

namespace borealis::model {

// role/environment/name. Cluster is not part of the key inside a cluster.
struct JobKey {
  std::string role;
  std::string environment;
  std::string name;

  std::string ToString() const { return role + "/" + environment + "/" + name; }
  auto operator<=>(const JobKey&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const JobKey& k) {
    return H::combine(std::move(h), k.role, k.environment, k.name);
  }
};

// One instance of a job (Thrift InstanceKey).
struct InstanceKey {
  JobKey job;
  int32_t instance_id = 0;

  std::string ToString() const { return job.ToString() + "/" + std::to_string(instance_id); }
  auto operator<=>(const InstanceKey&) const = default;
};

}  // namespace borealis::model
