// JobKey: a job's name inside a cluster, role/environment/name. A plain value, ordered
// field by field (role first), so it can key sorted maps.
#pragma once

#include <compare>
#include <string>

namespace borealis::model {

// role/environment/name. Cluster is not part of the key inside a cluster.
struct JobKey {
  std::string role;
  std::string environment;
  std::string name;

  std::string ToString() const { return role + "/" + environment + "/" + name; }
  auto operator<=>(const JobKey&) const = default;
};

}  // namespace borealis::model
