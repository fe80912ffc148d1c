// What a role's ACTIVE tasks consume, in the four buckets getQuota reports
// (docs/quota-and-tiers.md): production or not, dedicated (a "dedicated" constraint) or
// shared. Only cpu, ram and disk count. A plain value: state::ClusterState keeps one per
// role up to date on every task change, core/quota.h checks quota against it.
// Thread contract: plain values and stateless functions.
#pragma once

#include <algorithm>
#include <cstdint>

#include "borealis/model/constraint.h"
#include "borealis/model/resources.h"
#include "borealis/model/task_config.h"

namespace borealis::model {

struct QuotaConsumption {
  Resources prod_shared;
  Resources nonprod_shared;
  Resources prod_dedicated;
  Resources nonprod_dedicated;
  bool operator==(const QuotaConsumption&) const = default;
};

// Whether `config` has a "dedicated" constraint.
inline bool IsDedicatedConfig(const TaskConfig& config) {
  return std::any_of(config.constraints.begin(), config.constraints.end(),
                     [](const Constraint& c) { return c.name == "dedicated"; });
}

// Adds `sign` times one task of `config` (cpu, ram, disk) to the bucket it belongs in.
inline void AddConfigToConsumption(const TaskConfig& config, int64_t sign,
                                   QuotaConsumption& consumption) {
  Resources* bucket = nullptr;
  if (IsDedicatedConfig(config)) {
    bucket = config.production ? &consumption.prod_dedicated : &consumption.nonprod_dedicated;
  } else {
    bucket = config.production ? &consumption.prod_shared : &consumption.nonprod_shared;
  }
  bucket->milli_cpus += sign * config.resources.milli_cpus;
  bucket->ram_mb += sign * config.resources.ram_mb;
  bucket->disk_mb += sign * config.resources.disk_mb;
}

}  // namespace borealis::model
