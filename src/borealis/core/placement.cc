// Place() and CheckFitsSomeHost(); the veto checks live in host_filter.cc.
#include "borealis/core/placement.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <tuple>
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
  int64_t free_ports = 0;                 // ports of `ranges` not in used_ports
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
    s.free_ports = FreePortCount(s.ranges, s.used_ports);
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
  std::vector<std::string> short_of =
      ShortResources(need, host.agent->resources, host.used, host.free_ports);
  if (!short_of.empty()) return "insufficient " + absl::StrJoin(short_of, ", ");
  return std::nullopt;
}

}  // namespace

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

namespace {

uint64_t MixSeed(uint64_t a, uint64_t b) {  // splitmix64 finaliser over a ^ b
  uint64_t z = a ^ (b + 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Places one run of consecutive pending tasks that share a TaskConfig (an equivalence
// class: same job, same needs, same constraints, so the same feasibility on every host).
// Each host's veto is computed once for the run; after a placement only the hosts whose
// answer can change are looked at again: the chosen host, and for limit constraints the
// hosts sharing one of its values of the limited attribute. The feasible hosts are kept
// ordered by the spread (or first-fit) order, so the choice is the same as scanning every
// host for every task.
// Hosts by (attribute, value), built on first use for each attribute within one Place call.
struct ValueIndex {
  std::set<std::string> names;
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> hosts;
};

class ClassPlacer {
 public:
  ClassPlacer(std::vector<HostState>& hosts, JobCounts& counts, const model::TaskConfig& config,
              const PlacementOptions& options,
              ValueIndex& by_value)
      : hosts_(hosts),
        counts_(counts),
        config_(config),
        options_(options),
        need_(Need(config, options.executor_overhead)),
        by_value_(by_value),
        veto_of_(hosts.size(), -1),
        key_of_(hosts.size()),
        evaluated_(hosts.size(), false) {
    for (const model::Constraint& c : config.constraints) {
      if (c.is_limit) limit_names_.push_back(c.name);
    }
    for (size_t i = 0; i < hosts_.size(); ++i) Evaluate(i);
  }

  // Places `task` or says why not.
  void PlaceOne(const model::Task& task, PlacementResult* result) {
    if (feasible_.empty()) {
      if (!reason_valid_) {
        reason_ = Reasons();
        reason_valid_ = true;
      }
      result->pending_reasons[task.task_id] = reason_;
      return;
    }
    const size_t best = std::get<2>(*feasible_.begin());
    HostState& host = hosts_[best];
    base::Rng rng(MixSeed(options_.seed, StableHash(task.task_id)));
    std::optional<std::map<std::string, int32_t>> ports =
        PickPorts(need_.named_ports, host.ranges, host.used_ports, rng);
    if (!ports) {  // cannot happen: HostVeto counted the free ports
      result->pending_reasons[task.task_id] = "1 host: insufficient ports";
      return;
    }
    host.used.milli_cpus += need_.milli_cpus;
    host.used.ram_mb += need_.ram_mb;
    host.used.disk_mb += need_.disk_mb;
    host.used.gpus += need_.gpus;
    for (const auto& [name, port] : *ports) host.used_ports.insert(port);
    host.free_ports -= static_cast<int64_t>(ports->size());
    counts_.Add(config_.job, best, host.attributes);
    result->assignments.push_back(
        Assignment{task.task_id, host.agent->agent_id, host.agent->host, std::move(*ports)});
    reason_valid_ = false;
    Evaluate(best);
    for (const std::string& name : limit_names_) {
      auto values = host.attributes.find(name);
      if (values == host.attributes.end()) continue;
      for (const std::string& v : values->second) {
        for (size_t other : HostsWith(name, v)) {
          if (other != best) Evaluate(other);
        }
      }
    }
  }

 private:
  using Key = std::tuple<int64_t, int64_t, size_t>;  // smaller is better

  // Recomputes host i's veto and its place among the feasible hosts.
  void Evaluate(size_t i) {
    if (evaluated_[i]) {
      if (veto_of_[i] == -1) {
        feasible_.erase(key_of_[i]);
      } else {
        --veto_counts_[static_cast<size_t>(veto_of_[i])];
      }
    }
    evaluated_[i] = true;
    std::optional<std::string> veto = HostVeto(hosts_[i], config_, need_, counts_);
    if (veto) {
      auto [it, inserted] = veto_ids_.try_emplace(*veto, static_cast<int>(veto_names_.size()));
      if (inserted) {
        veto_names_.push_back(*veto);
        veto_counts_.push_back(0);
      }
      veto_of_[i] = it->second;
      ++veto_counts_[static_cast<size_t>(it->second)];
      return;
    }
    veto_of_[i] = -1;
    const HostState& h = hosts_[i];
    key_of_[i] = options_.strategy == PlacementStrategy::kFirstFit
                     ? Key{0, 0, i}
                     : Key{counts_.OnHost(config_.job, i),
                           h.used.milli_cpus - h.agent->resources.milli_cpus, i};
    feasible_.insert(key_of_[i]);
  }

  const std::vector<size_t>& HostsWith(const std::string& name, const std::string& value) {
    if (by_value_.names.insert(name).second) {  // built once per Place call and attribute
      for (size_t i = 0; i < hosts_.size(); ++i) {
        auto it = hosts_[i].attributes.find(name);
        if (it == hosts_[i].attributes.end()) continue;
        for (const std::string& v : it->second) by_value_.hosts[{name, v}].push_back(i);
      }
    }
    return by_value_.hosts[{name, value}];
  }

  std::string Reasons() const {
    std::map<std::string, int64_t> vetoes;
    for (size_t v = 0; v < veto_names_.size(); ++v) {
      if (veto_counts_[v] > 0) vetoes[veto_names_[v]] = veto_counts_[v];
    }
    return JoinReasons(vetoes);
  }

  std::vector<HostState>& hosts_;
  JobCounts& counts_;
  const model::TaskConfig& config_;
  const PlacementOptions& options_;
  const model::Resources need_;
  ValueIndex& by_value_;
  std::vector<std::string> limit_names_;
  std::vector<int> veto_of_;  // -1: feasible
  std::vector<Key> key_of_;
  std::vector<bool> evaluated_;
  std::set<Key> feasible_;
  std::map<std::string, int> veto_ids_;
  std::vector<std::string> veto_names_;
  std::vector<int64_t> veto_counts_;
  std::string reason_;  // cached while nothing changes
  bool reason_valid_ = false;
};

bool SameClass(const model::TaskConfig* a, const model::TaskConfig* b) {
  return a == b || (a != nullptr && b != nullptr && *a == *b);
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

  ValueIndex by_value;
  std::set<std::string> seen;
  std::unique_ptr<ClassPlacer> placer;
  const model::TaskConfig* current = nullptr;
  for (const model::Task* task : pending) {
    if (task == nullptr || !seen.insert(task->task_id).second) continue;
    if (task->config == nullptr) {
      result.pending_reasons[task->task_id] = "task has no configuration";
      continue;
    }
    if (!placer || !SameClass(current, task->config.get())) {
      placer.reset();
      current = task->config.get();
      placer = std::make_unique<ClassPlacer>(hosts, counts, *task->config, options, by_value);
    }
    placer->PlaceOne(*task, &result);
  }
  return result;
}

PlacementResult PlaceByFullScan(const ClusterView& view,
                                const std::vector<const model::Task*>& pending,
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
  auto better = [](const HostState& a, int64_t a_tasks, const HostState& b, int64_t b_tasks) {
    if (a_tasks != b_tasks) return a_tasks < b_tasks;
    const int64_t a_cpu = a.agent->resources.milli_cpus - a.used.milli_cpus;
    const int64_t b_cpu = b.agent->resources.milli_cpus - b.used.milli_cpus;
    if (a_cpu != b_cpu) return a_cpu > b_cpu;
    return a.agent->agent_id < b.agent->agent_id;
  };
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
      if (!best || better(hosts[i], counts.OnHost(config.job, i), hosts[*best],
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
    auto ports = PickPorts(need.named_ports, host.ranges, host.used_ports, rng);
    if (!ports) {
      result.pending_reasons[task->task_id] = "1 host: insufficient ports";
      continue;
    }
    host.used.milli_cpus += need.milli_cpus;
    host.used.ram_mb += need.ram_mb;
    host.used.disk_mb += need.disk_mb;
    host.used.gpus += need.gpus;
    for (const auto& [name, port] : *ports) host.used_ports.insert(port);
    host.free_ports -= static_cast<int64_t>(ports->size());
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

model::Resources TaskNeed(const model::TaskConfig& config, const model::Resources& overhead) {
  return Need(config, overhead);
}

}  // namespace borealis::core
