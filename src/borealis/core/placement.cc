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
#include "borealis/model/constraint.h"

namespace borealis::core {
namespace {

// A host as this call sees it: the view's usage plus the tasks placed so far. Its ports
// are the view's set until this call places a task there (then a copy of its own), and its
// free port count is computed the first time a veto needs it.
struct HostState {
  const model::AgentInfo* agent = nullptr;
  std::shared_ptr<const HostStatic> statics;
  model::Resources used;
  const model::PortSet* base_ports = nullptr;
  std::optional<model::PortSet> own_ports;
  mutable int64_t free_ports = -1;  // ports of ranges() not in used_ports(); -1: not yet
  bool schedulable = true;
  bool avoid = false;

  const std::map<std::string, std::set<std::string>>& attributes() const {
    return statics->attributes;
  }
  const std::vector<model::PortRange>& ranges() const { return statics->ranges; }
  const model::PortSet& used_ports() const { return own_ports ? *own_ports : *base_ports; }
  int64_t FreePorts() const {
    if (free_ports < 0) free_ports = FreePortCount(ranges(), used_ports());
    return free_ports;
  }
  int64_t NegFreeCpu() const { return used.milli_cpus - agent->resources.milli_cpus; }
};

std::vector<HostState> BuildHosts(const ClusterView& view) {
  std::vector<HostState> hosts;
  hosts.reserve(view.hosts.size());
  for (const HostView& h : view.hosts) {
    if (h.agent == nullptr) continue;
    HostState s;
    s.agent = h.agent;
    s.statics = h.statics ? h.statics : MakeHostStatic(*h.agent);
    s.used = h.used;
    if (h.used_ports_ref != nullptr) {
      s.base_ports = h.used_ports_ref;
    } else {
      s.own_ports = h.used_ports;  // the view's own set: copied, the table may outlive it
    }
    s.schedulable = h.schedulable;
    s.avoid = h.avoid;
    hosts.push_back(std::move(s));
  }
  // The view promises agent_id order; sorting again keeps the result deterministic anyway.
  auto by_id = [](const HostState& a, const HostState& b) {
    return a.agent->agent_id < b.agent->agent_id;
  };
  if (!std::is_sorted(hosts.begin(), hosts.end(), by_id)) {
    std::stable_sort(hosts.begin(), hosts.end(), by_id);
  }
  hosts.erase(std::unique(hosts.begin(), hosts.end(),
                          [](const HostState& a, const HostState& b) {
                            return a.agent->agent_id == b.agent->agent_id;
                          }),
              hosts.end());
  return hosts;
}

// The index of the host with `agent_id` in `hosts` (sorted by agent_id, unique).
std::optional<size_t> HostIndex(const std::vector<HostState>& hosts,
                                const model::AgentId& agent_id) {
  auto it = std::lower_bound(hosts.begin(), hosts.end(), agent_id,
                             [](const HostState& h, const model::AgentId& id) {
                               return h.agent->agent_id < id;
                             });
  if (it == hosts.end() || it->agent->agent_id != agent_id) return std::nullopt;
  return static_cast<size_t>(it - hosts.begin());
}

// The ACTIVE placed tasks counted per job on the call's hosts (unknown hosts skipped).
JobCounts CountPlaced(const std::vector<const model::Task*>& placed,
                      const std::vector<HostState>& hosts) {
  JobCounts counts;
  for (const model::Task* t : placed) {
    if (t == nullptr || t->config == nullptr || !model::IsActive(t->status)) continue;
    const std::optional<size_t> at = HostIndex(hosts, t->agent_id);
    if (!at) continue;
    counts.Add(t->job(), *at, hosts[*at].attributes());
  }
  return counts;
}

// Hosts by (attribute, value), built on first use of each attribute (attributes change
// only when the table is rebuilt).
struct ValueIndex {
  std::set<std::string> names;
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> hosts;
};

// A host's place among a run's feasible hosts; smaller is better: (avoided, same-job
// tasks, -free cpu, index).
using Key = std::tuple<int64_t, int64_t, int64_t, size_t>;

// A ClassPlacer's per-host arrays, sized to the table once and handed from one run to the
// next: a run marks the hosts it evaluated and clears only those marks when it ends.
struct ClassScratch {
  std::vector<int> veto_of;  // -1: feasible; read only where evaluated
  std::vector<Key> key_of;   // read only where evaluated and feasible
  std::vector<bool> evaluated;
  std::vector<size_t> touched;  // hosts marked in `evaluated`
  void Size(size_t hosts) {
    veto_of.resize(hosts, -1);
    key_of.resize(hosts);
    evaluated.resize(hosts, false);
  }
  void Clear() {
    for (size_t i : touched) evaluated[i] = false;
    touched.clear();
  }
};

}  // namespace

// Hosts in spread order without the per-job count: most free cpu first, then index.
using CpuOrder = std::set<std::pair<int64_t, size_t>>;

struct HostTable::Impl {
  std::vector<HostState> hosts;  // sorted by agent_id, unique
  CpuOrder order;                // every host, kept current by TakeOn and Update
  ValueIndex by_value;           // of hosts' attributes, kept until the next Reset
  ClassScratch scratch;          // per-host arrays of a ClassPlacer, reused
};

namespace {

// Takes `need` and `ports` on `host` (index i), keeping `order` (if any) current.
void TakeOn(HostState& host, size_t i, const model::Resources& need,
            const std::map<std::string, int32_t>& ports, CpuOrder* order) {
  if (order != nullptr) order->erase({host.NegFreeCpu(), i});
  host.used.milli_cpus += need.milli_cpus;
  host.used.ram_mb += need.ram_mb;
  host.used.disk_mb += need.disk_mb;
  host.used.gpus += need.gpus;
  if (order != nullptr) order->insert({host.NegFreeCpu(), i});
  if (!ports.empty()) {
    const int64_t free = host.FreePorts();
    if (!host.own_ports) host.own_ports = *host.base_ports;
    for (const auto& [name, port] : ports) host.own_ports->insert(port);
    host.free_ports = free - static_cast<int64_t>(ports.size());
  }
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
  if (auto veto = ConstraintVeto(config, host.attributes(), counts)) return veto;
  std::vector<std::string> short_of =
      ShortResources(need, host.agent->resources, host.used, host.FreePorts());
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
// Hosts are evaluated lazily, in the order of the best key they could have: for spreading,
// (0 tasks of the job, most free cpu, index) from the call's CpuOrder; for first fit, by
// index. A host not yet evaluated cannot beat the best feasible one once its bound does
// not, so a run usually evaluates a handful of hosts instead of all of them; only a task
// that fits nowhere evaluates every host (its pending reason counts them all). Each host's
// veto is computed once for the run; after a placement only the evaluated hosts whose
// answer can change are looked at again: the chosen host, and for limit constraints the
// hosts sharing one of its values of the limited attribute. The choice is the same as
// scanning every host for every task (checked by a property test against PlaceByFullScan).

class ClassPlacer {
 public:
  ClassPlacer(std::vector<HostState>& hosts, JobCounts& counts, const model::TaskConfig& config,
              const PlacementOptions& options, ValueIndex& by_value, CpuOrder& order,
              ClassScratch& scratch)
      : hosts_(hosts),
        order_(order),
        cursor_(order.begin()),
        counts_(counts),
        config_(config),
        options_(options),
        need_(Need(config, options.executor_overhead)),
        by_value_(by_value),
        scratch_(scratch),
        veto_of_(scratch.veto_of),
        key_of_(scratch.key_of),
        evaluated_(scratch.evaluated) {
    scratch_.Size(hosts.size());
    for (const model::Constraint& c : config.constraints) {
      if (c.is_limit) limit_names_.push_back(c.name);
    }
  }
  ~ClassPlacer() { scratch_.Clear(); }
  ClassPlacer(const ClassPlacer&) = delete;
  ClassPlacer& operator=(const ClassPlacer&) = delete;

  // Places `task` or says why not.
  void PlaceOne(const model::Task& task, PlacementResult* result) {
    EvaluateUntilBestKnown();
    if (feasible_.empty()) {
      if (!reason_valid_) {
        reason_ = Reasons();
        reason_valid_ = true;
      }
      result->pending_reasons[task.task_id] = reason_;
      return;
    }
    const size_t best = std::get<3>(*feasible_.begin());
    HostState& host = hosts_[best];
    base::Rng rng(MixSeed(options_.seed, StableHash(task.task_id.str())));
    std::optional<std::map<std::string, int32_t>> ports =
        PickPorts(need_.named_ports, host.ranges(), host.used_ports(), rng);
    if (!ports) {  // cannot happen: HostVeto counted the free ports
      result->pending_reasons[task.task_id] = "1 host: insufficient ports";
      return;
    }
    TakeOn(host, best, need_, *ports, &order_);
    counts_.Add(config_.job, best, host.attributes());
    result->assignments.push_back(
        Assignment{task.task_id, host.agent->agent_id, host.agent->host, std::move(*ports)});
    reason_valid_ = false;
    Evaluate(best);
    for (const std::string& name : limit_names_) {
      auto values = host.attributes().find(name);
      if (values == host.attributes().end()) continue;
      for (const std::string& v : values->second) {
        for (size_t other : HostsWith(name, v)) {
          // Hosts not evaluated yet are evaluated afresh when the cursor reaches them.
          if (other != best && evaluated_[other]) Evaluate(other);
        }
      }
    }
  }

 private:

  // Evaluates hosts in bound order until no unevaluated host could beat the best feasible
  // one (or every host is evaluated).
  void EvaluateUntilBestKnown() {
    const bool first_fit = options_.strategy == PlacementStrategy::kFirstFit;
    for (;;) {
      size_t i = 0;
      Key bound;
      if (first_fit) {
        while (next_index_ < hosts_.size() && evaluated_[next_index_]) ++next_index_;
        if (next_index_ == hosts_.size()) return;
        i = next_index_;
        bound = Key{0, 0, 0, i};
      } else {
        while (cursor_ != order_.end() && evaluated_[cursor_->second]) ++cursor_;
        if (cursor_ == order_.end()) return;
        i = cursor_->second;
        bound = Key{0, 0, cursor_->first, i};
      }
      if (!feasible_.empty() && *feasible_.begin() < bound) return;
      if (first_fit) ++next_index_; else ++cursor_;
      Evaluate(i);
    }
  }

  // Recomputes host i's veto and its place among the feasible hosts.
  void Evaluate(size_t i) {
    if (evaluated_[i]) {
      if (veto_of_[i] == -1) {
        feasible_.erase(key_of_[i]);
      } else {
        --veto_counts_[static_cast<size_t>(veto_of_[i])];
      }
    }
    if (!evaluated_[i]) scratch_.touched.push_back(i);
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
    const int64_t avoided = h.avoid ? 1 : 0;
    key_of_[i] = options_.strategy == PlacementStrategy::kFirstFit
                     ? Key{avoided, 0, 0, i}
                     : Key{avoided, counts_.OnHost(config_.job, i),
                           h.used.milli_cpus - h.agent->resources.milli_cpus, i};
    feasible_.insert(key_of_[i]);
  }

  const std::vector<size_t>& HostsWith(const std::string& name, const std::string& value) {
    if (by_value_.names.insert(name).second) {  // built once per Place call and attribute
      for (size_t i = 0; i < hosts_.size(); ++i) {
        auto it = hosts_[i].attributes().find(name);
        if (it == hosts_[i].attributes().end()) continue;
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
  CpuOrder& order_;
  CpuOrder::const_iterator cursor_;  // next host to evaluate (spreading)
  size_t next_index_ = 0;            // next host to evaluate (first fit)
  JobCounts& counts_;
  const model::TaskConfig& config_;
  const PlacementOptions& options_;
  const model::Resources need_;
  ValueIndex& by_value_;
  std::vector<std::string> limit_names_;
  ClassScratch& scratch_;
  std::vector<int>& veto_of_;  // -1: feasible
  std::vector<Key>& key_of_;
  std::vector<bool>& evaluated_;
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

HostTable::HostTable() : impl_(std::make_unique<Impl>()) {}
HostTable::~HostTable() = default;
HostTable::HostTable(HostTable&&) noexcept = default;
HostTable& HostTable::operator=(HostTable&&) noexcept = default;

size_t HostTable::size() const { return impl_->hosts.size(); }

void HostTable::Reset(const ClusterView& view) {
  impl_->hosts = BuildHosts(view);
  const std::vector<HostState>& hosts = impl_->hosts;
  std::vector<std::pair<int64_t, size_t>> sorted;
  sorted.reserve(hosts.size());
  for (size_t i = 0; i < hosts.size(); ++i) sorted.emplace_back(hosts[i].NegFreeCpu(), i);
  std::sort(sorted.begin(), sorted.end());
  impl_->order = CpuOrder(sorted.begin(), sorted.end());  // sorted input: linear
  impl_->by_value = ValueIndex();
}

bool HostTable::Update(const model::AgentId& agent_id, const model::Resources& used,
                       const model::PortSet* ports) {
  static const model::PortSet kNoPorts;
  const std::optional<size_t> i = HostIndex(impl_->hosts, agent_id);
  if (!i) return false;
  HostState& host = impl_->hosts[*i];
  impl_->order.erase({host.NegFreeCpu(), *i});
  host.used = used;
  host.base_ports = ports != nullptr ? ports : &kNoPorts;
  host.own_ports.reset();
  host.free_ports = -1;
  impl_->order.insert({host.NegFreeCpu(), *i});
  return true;
}

PlacementResult Place(const ClusterView& view, const std::vector<const model::Task*>& pending,
                      const PlacementOptions& options) {
  HostTable table;
  table.Reset(view);
  return Place(table, view.placed_tasks, pending, options);
}

PlacementResult Place(HostTable& table, const std::vector<const model::Task*>& placed_tasks,
                      const std::vector<const model::Task*>& pending,
                      const PlacementOptions& options) {
  PlacementResult result;
  std::vector<HostState>& hosts = table.impl_->hosts;
  CpuOrder& order = table.impl_->order;
  JobCounts counts = CountPlaced(placed_tasks, hosts);
  ValueIndex& by_value = table.impl_->by_value;
  std::set<model::TaskId> seen;
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
      placer = std::make_unique<ClassPlacer>(hosts, counts, *task->config, options, by_value,
                                             order, table.impl_->scratch);
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
  JobCounts counts = CountPlaced(view.placed_tasks, hosts);
  auto better = [](const HostState& a, int64_t a_tasks, const HostState& b, int64_t b_tasks) {
    if (a_tasks != b_tasks) return a_tasks < b_tasks;
    const int64_t a_cpu = a.agent->resources.milli_cpus - a.used.milli_cpus;
    const int64_t b_cpu = b.agent->resources.milli_cpus - b.used.milli_cpus;
    if (a_cpu != b_cpu) return a_cpu > b_cpu;
    return a.agent->agent_id < b.agent->agent_id;
  };
  std::set<model::TaskId> seen;
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
    base::Rng rng(MixSeed(options.seed, StableHash(task->task_id.str())));
    auto ports = PickPorts(need.named_ports, host.ranges(), host.used_ports(), rng);
    if (!ports) {
      result.pending_reasons[task->task_id] = "1 host: insufficient ports";
      continue;
    }
    TakeOn(host, *best, need, *ports, nullptr);
    counts.Add(config.job, *best, host.attributes());
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

std::shared_ptr<const HostStatic> MakeHostStatic(const model::AgentInfo& agent) {
  auto s = std::make_shared<HostStatic>();
  s->attributes = AllAttributes(agent);
  s->ranges = NormalizeRanges(agent.port_ranges);
  return s;
}

model::Resources TaskNeed(const model::TaskConfig& config, const model::Resources& overhead) {
  return Need(config, overhead);
}

}  // namespace borealis::core
