// Place() and CheckFitsSomeHost(); the veto checks live in host_filter.cc.
#include "borealis/core/placement.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "borealis/core/host_filter.h"

namespace borealis::core {
namespace {

// A host as this call sees it: the view's usage plus the tasks placed so far.
struct HostState {
  const model::AgentInfo* agent = nullptr;
  model::Resources used;
  std::set<int32_t> used_ports;
  std::vector<model::PortRange> ranges;  // normalised
  std::map<std::string, std::set<std::string>> attributes;
  bool schedulable = true;
};

std::vector<HostState> BuildHosts(const ClusterView& view) {
  std::vector<HostState> hosts;
  hosts.reserve(view.hosts.size());
  for (const HostView& h : view.hosts) {
    if (h.agent == nullptr) continue;
    HostState s;
    s.agent = h.agent;
    s.used = h.used;
    s.used_ports = h.used_ports;
    s.ranges = NormalizeRanges(h.agent->port_ranges);
    s.attributes = AllAttributes(*h.agent);
    s.schedulable = h.schedulable;
    hosts.push_back(std::move(s));
  }
  // The view promises agent_id order; sorting again keeps the result deterministic anyway.
  std::stable_sort(hosts.begin(), hosts.end(), [](const HostState& a, const HostState& b) {
    return a.agent->agent_id < b.agent->agent_id;
  });
  hosts.erase(std::unique(hosts.begin(), hosts.end(),
                          [](const HostState& a, const HostState& b) {
                            return a.agent->agent_id == b.agent->agent_id;
                          }),
              hosts.end());
  return hosts;
}

// The task's scalars plus the executor overhead, and its distinct named ports.
model::Resources Need(const model::TaskConfig& config, const model::Resources& overhead) {
  model::Resources need = config.resources;
  need.milli_cpus += overhead.milli_cpus;
  need.ram_mb += overhead.ram_mb;
  need.disk_mb += overhead.disk_mb;
  need.gpus += overhead.gpus;
  std::sort(need.named_ports.begin(), need.named_ports.end());
  need.named_ports.erase(std::unique(need.named_ports.begin(), need.named_ports.end()),
                         need.named_ports.end());
  return need;
}

std::optional<std::string> HostVeto(const HostState& host, const model::TaskConfig& config,
                                    const model::Resources& need, const JobCounts& counts) {
  if (!host.schedulable) return std::string("unschedulable");
  if (auto veto = ConstraintVeto(config, host.attributes, counts)) return veto;
  const int64_t free_ports =
      need.named_ports.empty() ? 0 : FreePortCount(host.ranges, host.used_ports);
  std::vector<std::string> short_of =
      ShortResources(need, host.agent->resources, host.used, free_ports);
  if (!short_of.empty()) return "insufficient " + absl::StrJoin(short_of, ", ");
  return std::nullopt;
}

// "3 hosts: insufficient ram; 1 host: constraint rack": most hosts first, then by veto.
std::string JoinReasons(const std::map<std::string, int64_t>& vetoes) {
  if (vetoes.empty()) return "no hosts";
  std::vector<std::pair<std::string, int64_t>> sorted(vetoes.begin(), vetoes.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> parts;
  for (const auto& [veto, n] : sorted) {
    parts.push_back(absl::StrCat(n, n == 1 ? " host: " : " hosts: ", veto));
  }
  return absl::StrJoin(parts, "; ");
}

uint64_t MixSeed(uint64_t a, uint64_t b) {  // splitmix64 finaliser over a ^ b
  uint64_t z = a ^ (b + 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Spread order: fewer tasks of the job, then more free cpu, then smaller agent_id.
bool SpreadBetter(const HostState& a, int64_t a_tasks, const HostState& b, int64_t b_tasks) {
  if (a_tasks != b_tasks) return a_tasks < b_tasks;
  const int64_t a_cpu = a.agent->resources.milli_cpus - a.used.milli_cpus;
  const int64_t b_cpu = b.agent->resources.milli_cpus - b.used.milli_cpus;
  if (a_cpu != b_cpu) return a_cpu > b_cpu;
  return a.agent->agent_id < b.agent->agent_id;
}

}  // namespace

PlacementResult Place(const ClusterView& view, const std::vector<const model::Task*>& pending,
                      const PlacementOptions& options) {
  PlacementResult result;
  std::vector<HostState> hosts = BuildHosts(view);
  std::map<std::string, size_t> host_by_agent;
  for (size_t i = 0; i < hosts.size(); ++i) host_by_agent[hosts[i].agent->agent_id] = i;

  JobCounts counts;
  for (const model::Task* t : view.placed_tasks) {
    if (t == nullptr || t->config == nullptr || !model::IsActive(t->status)) continue;
    auto it = host_by_agent.find(t->agent_id);
    if (it == host_by_agent.end()) continue;
    counts.Add(t->job(), it->second, hosts[it->second].attributes);
  }

  std::set<std::string> seen;
  for (const model::Task* task : pending) {
    if (task == nullptr || !seen.insert(task->task_id).second) continue;
    if (task->config == nullptr) {
      result.pending_reasons[task->task_id] = "task has no configuration";
      continue;
    }
    const model::TaskConfig& config = *task->config;
    const model::Resources need = Need(config, options.executor_overhead);
    std::map<std::string, int64_t> vetoes;
    std::optional<size_t> best;
    for (size_t i = 0; i < hosts.size(); ++i) {
      if (auto veto = HostVeto(hosts[i], config, need, counts)) {
        ++vetoes[*veto];
        continue;
      }
      if (!best || SpreadBetter(hosts[i], counts.OnHost(config.job, i), hosts[*best],
                                counts.OnHost(config.job, *best))) {
        best = i;
      }
      if (options.strategy == PlacementStrategy::kFirstFit) break;
    }
    if (!best) {
      result.pending_reasons[task->task_id] = JoinReasons(vetoes);
      continue;
    }
    HostState& host = hosts[*best];
    base::Rng rng(MixSeed(options.seed, StableHash(task->task_id)));
    std::optional<std::map<std::string, int32_t>> ports =
        PickPorts(need.named_ports, host.ranges, host.used_ports, rng);
    if (!ports) {  // cannot happen: HostVeto counted the free ports
      result.pending_reasons[task->task_id] = "1 host: insufficient ports";
      continue;
    }
    host.used.milli_cpus += need.milli_cpus;
    host.used.ram_mb += need.ram_mb;
    host.used.disk_mb += need.disk_mb;
    host.used.gpus += need.gpus;
    for (const auto& [name, port] : *ports) host.used_ports.insert(port);
    counts.Add(config.job, *best, host.attributes);
    result.assignments.push_back(
        Assignment{task->task_id, host.agent->agent_id, host.agent->host, std::move(*ports)});
  }
  return result;
}

namespace {

std::string Cpus(int64_t milli) {
  std::string s = absl::StrCat(milli / 1000);
  int64_t frac = milli % 1000;
  if (frac != 0) {
    std::string digits = absl::StrCat(1000 + (frac < 0 ? -frac : frac)).substr(1);
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    s += "." + digits;
  }
  return s + " cpus";
}

int64_t PortCount(const model::AgentInfo& agent) {
  return FreePortCount(NormalizeRanges(agent.port_ranges), {});
}

}  // namespace

absl::Status CheckFitsSomeHost(const model::TaskConfig& config,
                               const std::vector<model::AgentInfo>& agents,
                               const model::Resources& overhead) {
  if (agents.empty()) return absl::OkStatus();
  const model::Resources need = Need(config, overhead);
  const int64_t ports = static_cast<int64_t>(need.named_ports.size());
  model::Resources largest;
  int64_t largest_ports = 0;
  for (const model::AgentInfo& agent : agents) {
    const int64_t agent_ports = PortCount(agent);
    if (ShortResources(need, agent.resources, {}, agent_ports).empty()) {
      return absl::OkStatus();
    }
    largest.milli_cpus = std::max(largest.milli_cpus, agent.resources.milli_cpus);
    largest.ram_mb = std::max(largest.ram_mb, agent.resources.ram_mb);
    largest.disk_mb = std::max(largest.disk_mb, agent.resources.disk_mb);
    largest.gpus = std::max(largest.gpus, agent.resources.gpus);
    largest_ports = std::max(largest_ports, agent_ports);
  }
  std::vector<std::string> parts;
  if (need.milli_cpus > largest.milli_cpus) {
    parts.push_back(absl::StrCat("needs ", Cpus(need.milli_cpus), ", the largest agent has ",
                                 Cpus(largest.milli_cpus)));
  }
  if (need.ram_mb > largest.ram_mb) {
    parts.push_back(absl::StrCat("needs ", need.ram_mb, " MiB ram, the largest agent has ",
                                 largest.ram_mb, " MiB"));
  }
  if (need.disk_mb > largest.disk_mb) {
    parts.push_back(absl::StrCat("needs ", need.disk_mb, " MiB disk, the largest agent has ",
                                 largest.disk_mb, " MiB"));
  }
  if (need.gpus > largest.gpus) {
    parts.push_back(absl::StrCat("needs ", need.gpus, " gpus, the largest agent has ",
                                 largest.gpus));
  }
  if (ports > largest_ports) {
    parts.push_back(absl::StrCat("needs ", ports, " ports, the largest agent has ",
                                 largest_ports));
  }
  if (parts.empty()) {
    parts.push_back(absl::StrCat("needs ", Cpus(need.milli_cpus), ", ", need.ram_mb,
                                 " MiB ram, ", need.disk_mb, " MiB disk, ", need.gpus,
                                 " gpus and ", ports,
                                 " ports together, and no single agent has all of them"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("no agent could ever run this task: ", absl::StrJoin(parts, "; ")));
}

}  // namespace borealis::core
