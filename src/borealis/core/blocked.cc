#include "borealis/core/blocked.h"

#include <algorithm>

#include "absl/hash/hash.h"
#include "borealis/core/host_filter.h"
#include "borealis/model/constraint.h"

namespace borealis::core {

bool CouldEverHold(const model::TaskConfig& config, const model::Resources& need,
                   const model::AgentInfo& agent, const HostStatic& statics) {
  static const JobCounts kNoTasks;  // limits count running tasks: none here
  if (ConstraintVeto(config, statics.attributes, kNoTasks)) return false;
  const int64_t ports = FreePortCount(statics.ranges, {});
  return ShortResources(need, agent.resources, {}, ports).empty();
}

bool HasLimit(const model::TaskConfig& config) {
  return std::any_of(config.constraints.begin(), config.constraints.end(),
                     [](const model::Constraint& c) { return c.is_limit; });
}

bool FreedMayWake(const model::TaskConfig& config, bool has_limit,
                  const model::JobKey& freed_job, bool host_could_hold) {
  return host_could_hold || (has_limit && freed_job == config.job);
}

namespace {

bool SameValueConstraints(const model::TaskConfig& a, const model::TaskConfig& b) {
  auto next = [](const std::vector<model::Constraint>& v, size_t i) {
    while (i < v.size() && v[i].is_limit) ++i;
    return i;
  };
  size_t i = next(a.constraints, 0), j = next(b.constraints, 0);
  for (; i < a.constraints.size() && j < b.constraints.size();
       i = next(a.constraints, i + 1), j = next(b.constraints, j + 1)) {
    if (!(a.constraints[i] == b.constraints[j])) return false;
  }
  return i == a.constraints.size() && j == b.constraints.size();
}

}  // namespace

bool FitsNowhereLike(const model::TaskConfig& parked, const model::Resources& parked_need,
                     const model::TaskConfig& candidate, const model::Resources& candidate_need,
                     bool candidate_job_placed) {
  if (HasLimit(parked)) return false;
  if (candidate_job_placed && HasLimit(candidate)) return false;
  if (parked_need.milli_cpus > candidate_need.milli_cpus ||
      parked_need.ram_mb > candidate_need.ram_mb || parked_need.disk_mb > candidate_need.disk_mb ||
      parked_need.gpus > candidate_need.gpus ||
      parked_need.named_ports.size() > candidate_need.named_ports.size()) {
    return false;
  }
  return SameValueConstraints(parked, candidate);
}

size_t ValueConstraintsHash(const model::TaskConfig& config) {
  size_t h = 0;
  for (const model::Constraint& c : config.constraints) {
    if (c.is_limit) continue;
    h = absl::HashOf(h, c.name, c.negated, c.values);
  }
  return h;
}

}  // namespace borealis::core
