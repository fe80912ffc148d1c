// Per-role resource quota (docs/aurora-compatibility.md): what consumes quota, the four consumption
// buckets getQuota reports, the check on job creation and the rules for setQuota.
//
// Only production tasks that are not dedicated (no "dedicated" constraint) consume quota
// and need it. A role without a stored quota has a quota of zero. Only cpu, ram and disk
// count (other fields of model::Resources are ignored and left 0 in results).
// Pure: works on the tasks handed in. Thread contract: stateless functions.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "borealis/model/quota_usage.h"
#include "borealis/model/resources.h"
#include "borealis/model/task.h"
#include "borealis/model/task_config.h"

namespace borealis::core {

// What getQuota reports besides the quota itself: consumption of the role's active tasks
// (state::ClusterState::QuotaUse keeps it per role; ComputeConsumption recounts it).
using model::QuotaConsumption;

// Whether tasks of `config` consume (and need) quota: production and not dedicated.
bool ConsumesQuota(const model::TaskConfig& config);
// Whether `config` has a "dedicated" constraint.
bool IsDedicated(const model::TaskConfig& config);

// Sums the resources of the ACTIVE tasks of `role` into the four buckets.
template <typename TaskRange>
QuotaConsumption ComputeConsumption(std::string_view role, const TaskRange& tasks);

// Adds one task's resources (cpu/ram/disk) to the bucket its config belongs in.
void AddToConsumption(const model::Task& task, QuotaConsumption& consumption);

// The check on createJob: refused (FAILED_PRECONDITION) when prod_shared + `requested`
// exceeds `quota` in any of cpu, ram or disk. The message starts with Aurora's
// "Insufficient resource quota" and names each resource with its numbers.
absl::Status CheckQuota(const std::string& role, const model::Resources& quota,
                        const model::Resources& prod_shared, const model::Resources& requested);

// setQuota's rules: no negative value, and not below the role's production consumption.
absl::Status ValidateNewQuota(const std::string& role, const model::Resources& quota,
                              const model::Resources& prod_shared);

// "cpus=1.500 ramMb=2048 diskMb=4096" (cpu in cores with milli precision).
std::string FormatQuota(const model::Resources& r);

// ---- implementation of the template

template <typename TaskRange>
QuotaConsumption ComputeConsumption(std::string_view role, const TaskRange& tasks) {
  QuotaConsumption c;
  for (const auto& entry : tasks) {
    const model::Task& t = *entry.second;
    if (t.config && t.job().role == role) AddToConsumption(t, c);
  }
  return c;
}

}  // namespace borealis::core
