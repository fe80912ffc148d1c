// Veto checks and port selection for placement; see host_filter.h.
#include "borealis/core/host_filter.h"

#include "borealis/model/constraint.h"

#include <algorithm>

namespace borealis::core {

std::optional<std::set<std::string>> AttributeValues(const model::AgentInfo& agent,
                                                     std::string_view name) {
  auto it = agent.attributes.find(std::string(name));
  if (it != agent.attributes.end()) {
    return std::set<std::string>(it->second.begin(), it->second.end());
  }
  if (name == kHostAttribute) return std::set<std::string>{agent.host};
  return std::nullopt;
}

std::map<std::string, std::set<std::string>> AllAttributes(const model::AgentInfo& agent) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& [name, values] : agent.attributes) {
    out[name].insert(values.begin(), values.end());
  }
  if (!out.contains(std::string(kHostAttribute))) {
    out[std::string(kHostAttribute)] = {agent.host};
  }
  return out;
}

void JobCounts::Add(const model::JobKey& job, size_t host_index,
                    const std::map<std::string, std::set<std::string>>& attributes) {
  PerJob& per_job = jobs_[job];
  ++per_job.by_host[host_index];
  for (const auto& [name, values] : attributes) {
    for (const std::string& value : values) ++per_job.by_attribute[{name, value}];
  }
}

int64_t JobCounts::WithAttribute(const model::JobKey& job, const std::string& name,
                                 const std::string& value) const {
  auto job_it = jobs_.find(job);
  if (job_it == jobs_.end()) return 0;
  auto it = job_it->second.by_attribute.find({name, value});
  return it == job_it->second.by_attribute.end() ? 0 : it->second;
}

int64_t JobCounts::OnHost(const model::JobKey& job, size_t host_index) const {
  auto job_it = jobs_.find(job);
  if (job_it == jobs_.end()) return 0;
  auto it = job_it->second.by_host.find(host_index);
  return it == job_it->second.by_host.end() ? 0 : it->second;
}

std::optional<std::string> ConstraintVeto(
    const model::TaskConfig& config,
    const std::map<std::string, std::set<std::string>>& attributes, const JobCounts& counts) {
  bool task_dedicated = false;
  for (const model::Constraint& c : config.constraints) {
    if (c.name == kDedicatedAttribute) task_dedicated = true;
  }
  if (!task_dedicated && attributes.contains(std::string(kDedicatedAttribute))) {
    return std::string("host is dedicated");
  }
  static const std::set<std::string> kNone;
  // Value constraints first, then limits, each in the (sorted) order of the config.
  for (const model::Constraint& c : config.constraints) {
    if (c.is_limit) continue;
    auto it = attributes.find(c.name);
    const std::set<std::string>& have = it == attributes.end() ? kNone : it->second;
    bool any = false;
    for (const std::string& v : c.values) {
      if (have.contains(v)) {
        any = true;
        break;
      }
    }
    if (any == c.negated) return "constraint " + c.name;
  }
  for (const model::Constraint& c : config.constraints) {
    if (!c.is_limit) continue;
    auto it = attributes.find(c.name);
    if (it == attributes.end()) return "constraint " + c.name;
    for (const std::string& v : it->second) {
      if (counts.WithAttribute(config.job, c.name, v) >= c.limit) return "limit " + c.name;
    }
  }
  return std::nullopt;
}

std::vector<model::PortRange> NormalizeRanges(const std::vector<model::PortRange>& ranges) {
  std::vector<model::PortRange> valid;
  for (const model::PortRange& r : ranges) {
    if (r.begin <= r.end) valid.push_back(r);
  }
  std::sort(valid.begin(), valid.end(), [](const model::PortRange& a, const model::PortRange& b) {
    return a.begin < b.begin || (a.begin == b.begin && a.end < b.end);
  });
  std::vector<model::PortRange> merged;
  for (const model::PortRange& r : valid) {
    // Adjacent or overlapping ranges merge; int64 avoids overflow at INT32_MAX.
    if (!merged.empty() && static_cast<int64_t>(r.begin) <= int64_t{merged.back().end} + 1) {
      merged.back().end = std::max(merged.back().end, r.end);
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

namespace {

int64_t RangeSize(const model::PortRange& r) { return int64_t{r.end} - r.begin + 1; }

int64_t UsedInRange(const model::PortRange& r, const model::PortSet& used) {
  const auto first = used.lower_bound(r.begin);
  return std::upper_bound(first, used.end(), r.end) - first;
}

// The k-th (0-based) port of `r` that is not in `used`; k < free ports of r.
int32_t NthFreeInRange(const model::PortRange& r, const model::PortSet& used, int64_t k) {
  int64_t candidate = int64_t{r.begin} + k;
  // Each used port at or below the candidate pushes it one further (used is ascending).
  for (auto it = used.lower_bound(r.begin); it != used.end() && *it <= candidate; ++it) {
    ++candidate;
  }
  return static_cast<int32_t>(candidate);
}

}  // namespace

int64_t FreePortCount(const std::vector<model::PortRange>& ranges,
                      const model::PortSet& used) {
  int64_t n = 0;
  for (const model::PortRange& r : ranges) n += RangeSize(r) - UsedInRange(r, used);
  return n;
}

std::vector<std::string> ShortResources(const model::Resources& need,
                                        const model::Resources& total,
                                        const model::Resources& used, int64_t free_ports) {
  std::vector<std::string> out;
  if (need.milli_cpus > total.milli_cpus - used.milli_cpus) out.push_back("cpu");
  if (need.ram_mb > total.ram_mb - used.ram_mb) out.push_back("ram");
  if (need.disk_mb > total.disk_mb - used.disk_mb) out.push_back("disk");
  if (need.gpus > total.gpus - used.gpus) out.push_back("gpu");
  if (static_cast<int64_t>(need.named_ports.size()) > free_ports) out.push_back("ports");
  return out;
}

std::optional<std::map<std::string, int32_t>> PickPorts(
    const std::vector<std::string>& names, const std::vector<model::PortRange>& ranges,
    const model::PortSet& used, base::Rng& rng) {
  std::map<std::string, int32_t> picked;
  if (names.empty()) return picked;
  model::PortSet taken = used;
  int64_t free = FreePortCount(ranges, taken);
  for (const std::string& name : names) {
    if (picked.contains(name)) continue;
    if (free <= 0) return std::nullopt;
    int64_t k = static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(free)));
    for (const model::PortRange& r : ranges) {
      const int64_t in_range = RangeSize(r) - UsedInRange(r, taken);
      if (k < in_range) {
        const int32_t port = NthFreeInRange(r, taken, k);
        picked[name] = port;
        taken.insert(port);
        --free;
        break;
      }
      k -= in_range;
    }
  }
  return picked;
}

uint64_t StableHash(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace borealis::core
