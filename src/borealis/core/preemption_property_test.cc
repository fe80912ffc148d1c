// Property tests of preemption: PreemptionSearch finds the same slot as the
// straightforward full scan it replaced (FullScanSearch below, kept as the reference), and
// a search kept across passes and told of changed hosts decides like a fresh one.
#include "borealis/core/preemption.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "borealis/base/rng.h"
#include "borealis/core/host_filter.h"
#include "borealis/model/constraint.h"
#include "borealis/model/port_range.h"
#include "borealis/model/schedule_status.h"

namespace borealis::core {
namespace {

using S = model::ScheduleStatus;

// ---- The reference: the search as it was before it was made fast --------------------
//
// Copies every host's attributes, ports and victims at construction; FindSlot visits every
// host in agent_id order and runs the victim loop on each. Kept verbatim (apart from
// names) so the property test below can check the fast search against it.
class FullScanSearch {
 public:
  FullScanSearch(const ClusterView& view, const model::Resources& executor_overhead);
  std::optional<PreemptionSlot> FindSlot(const model::Task& pending,
                                         const std::set<model::AgentId>& excluded_agents = {},
                                         const std::set<model::TaskId>& excluded_victims = {}) const;

 private:
  struct Victim {
    const model::Task* task = nullptr;
    model::Resources freed;
    const std::string* role = nullptr;
    int32_t priority = 0;
    bool production = false;
  };
  struct Host {
    const model::AgentInfo* agent = nullptr;
    model::Resources total;
    model::Resources used;
    model::PortSet used_ports;
    std::vector<model::PortRange> ranges;
    std::map<std::string, std::set<std::string>> attributes;
    bool schedulable = true;
    std::vector<Victim> victims;
  };
  bool VictimsOn(const Host& host, const model::Task& pending, const model::Resources& need,
                 const std::set<model::TaskId>& excluded_victims, size_t max_victims,
                 std::vector<const Victim*>& eligible,
                 std::vector<const Victim*>& chosen) const;

  model::Resources overhead_;
  std::vector<Host> hosts_;
  JobCounts counts_;
};

bool IsVictimStatus(model::ScheduleStatus s) {
  return s == model::ScheduleStatus::kAssigned || s == model::ScheduleStatus::kStarting ||
         s == model::ScheduleStatus::kRunning;
}

bool LargerVictim(const model::Task* a, const model::Task* b) {
  const model::Resources& ra = a->config->resources;
  const model::Resources& rb = b->config->resources;
  const auto ka = std::make_tuple(ra.milli_cpus, ra.ram_mb, ra.disk_mb);
  const auto kb = std::make_tuple(rb.milli_cpus, rb.ram_mb, rb.disk_mb);
  if (ka != kb) return ka > kb;
  return a->task_id < b->task_id;
}

void AddScalars(model::Resources& into, const model::Resources& r, int sign) {
  into.milli_cpus += sign * r.milli_cpus;
  into.ram_mb += sign * r.ram_mb;
  into.disk_mb += sign * r.disk_mb;
  into.gpus += sign * r.gpus;
}

bool Fits(const model::Resources& need, const model::Resources& total,
          const model::Resources& used) {
  return need.milli_cpus <= total.milli_cpus - used.milli_cpus &&
         need.ram_mb <= total.ram_mb - used.ram_mb &&
         need.disk_mb <= total.disk_mb - used.disk_mb && need.gpus <= total.gpus - used.gpus;
}

FullScanSearch::FullScanSearch(const ClusterView& view,
                               const model::Resources& executor_overhead)
    : overhead_(executor_overhead) {
  std::map<model::AgentId, size_t> index;
  for (const HostView& h : view.hosts) {
    if (h.agent == nullptr || index.count(h.agent->agent_id) > 0) continue;
    Host host;
    host.agent = h.agent;
    host.total = h.agent->resources;
    host.used = h.used;
    host.used_ports = h.used_ports;
    host.ranges = NormalizeRanges(h.agent->port_ranges);
    host.attributes = AllAttributes(*h.agent);
    host.schedulable = h.schedulable;
    index[h.agent->agent_id] = hosts_.size();
    hosts_.push_back(std::move(host));
  }
  std::vector<size_t> order(hosts_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return hosts_[a].agent->agent_id < hosts_[b].agent->agent_id;
  });
  std::vector<Host> sorted;
  sorted.reserve(hosts_.size());
  for (size_t i : order) sorted.push_back(std::move(hosts_[i]));
  hosts_ = std::move(sorted);
  index.clear();
  for (size_t i = 0; i < hosts_.size(); ++i) index[hosts_[i].agent->agent_id] = i;

  for (const model::Task* t : view.placed_tasks) {
    if (t == nullptr || t->config == nullptr || !model::IsActive(t->status)) continue;
    auto it = index.find(t->agent_id);
    if (it == index.end()) continue;
    counts_.Add(t->job(), it->second, hosts_[it->second].attributes);
    if (!IsVictimStatus(t->status)) continue;
    Victim v;
    v.task = t;
    v.freed = t->config->resources;
    v.freed.named_ports.clear();
    AddScalars(v.freed, overhead_, +1);
    v.role = &t->config->job.role;
    v.priority = t->config->priority;
    v.production = t->config->production;
    hosts_[it->second].victims.push_back(std::move(v));
  }
  for (Host& h : hosts_) {
    std::sort(h.victims.begin(), h.victims.end(),
              [](const Victim& a, const Victim& b) { return LargerVictim(a.task, b.task); });
  }
}

bool FullScanSearch::VictimsOn(const Host& host, const model::Task& pending,
                                 const model::Resources& need,
                                 const std::set<model::TaskId>& excluded_victims,
                                 size_t max_victims, std::vector<const Victim*>& eligible,
                                 std::vector<const Victim*>& chosen) const {
  chosen.clear();
  const model::Resources& total = host.total;
  if (need.milli_cpus > total.milli_cpus || need.ram_mb > total.ram_mb ||
      need.disk_mb > total.disk_mb || need.gpus > total.gpus) {
    return false;
  }
  eligible.clear();
  model::Resources freeable = host.used;
  const model::TaskConfig& p = *pending.config;
  for (const Victim& v : host.victims) {
    // CanPreempt, on the copied fields.
    const bool eligible_victim =
        (p.production && !v.production) ||
        (p.production == v.production && p.priority > v.priority && *v.role == p.job.role);
    if (!eligible_victim) continue;
    if (!excluded_victims.empty() && excluded_victims.count(v.task->task_id) > 0) continue;
    eligible.push_back(&v);
    AddScalars(freeable, v.freed, -1);
  }
  if (!Fits(need, total, freeable)) return false;  // even all of them are not enough
  if (ConstraintVeto(*pending.config, host.attributes, counts_)) return false;
  const bool wants_ports = !need.named_ports.empty();
  model::Resources used = host.used;
  model::PortSet used_ports = wants_ports ? host.used_ports : model::PortSet{};
  auto fits_now = [&] {
    if (!Fits(need, total, used)) return false;
    if (!wants_ports) return true;
    return FreePortCount(host.ranges, used_ports) >=
           static_cast<int64_t>(need.named_ports.size());
  };
  if (fits_now()) return true;
  for (const Victim* v : eligible) {
    if (chosen.size() >= max_victims) return false;  // cannot beat the best host so far
    chosen.push_back(v);
    AddScalars(used, v->freed, -1);
    if (wants_ports) {
      for (const auto& [name, port] : v->task->assigned_ports) used_ports.erase(port);
    }
    if (fits_now()) return true;
  }
  return false;
}

std::optional<PreemptionSlot> FullScanSearch::FindSlot(
    const model::Task& pending, const std::set<model::AgentId>& excluded_agents,
    const std::set<model::TaskId>& excluded_victims) const {
  if (pending.config == nullptr) return std::nullopt;
  model::Resources need = pending.config->resources;
  AddScalars(need, overhead_, +1);
  std::sort(need.named_ports.begin(), need.named_ports.end());
  need.named_ports.erase(std::unique(need.named_ports.begin(), need.named_ports.end()),
                         need.named_ports.end());

  std::optional<size_t> best_host;
  std::vector<const Victim*> best;
  model::Resources best_freed;
  std::vector<const Victim*> eligible;  // scratch, reused for every host
  std::vector<const Victim*> victims;
  for (size_t i = 0; i < hosts_.size(); ++i) {
    const Host& h = hosts_[i];
    if (!h.schedulable || h.victims.empty()) continue;
    if (excluded_agents.count(h.agent->agent_id) > 0) continue;
    const size_t max_victims = best_host ? best.size() : h.victims.size();
    if (!VictimsOn(h, pending, need, excluded_victims, max_victims, eligible, victims)) continue;
    if (victims.empty()) continue;  // fits already: placement's job, not preemption's
    model::Resources freed;
    for (const Victim* v : victims) AddScalars(freed, v->task->config->resources, +1);
    const bool better =
        !best_host || victims.size() < best.size() ||
        (victims.size() == best.size() &&
         std::make_pair(freed.milli_cpus, freed.ram_mb) <
             std::make_pair(best_freed.milli_cpus, best_freed.ram_mb));
    if (better) {
      best_host = i;
      best = victims;
      best_freed = freed;
    }
  }
  if (!best_host) return std::nullopt;
  PreemptionSlot slot;
  slot.agent_id = model::AgentId(hosts_[*best_host].agent->agent_id);
  slot.host = hosts_[*best_host].agent->host;
  for (const Victim* v : best) slot.victim_ids.push_back(v->task->task_id);
  return slot;
}


// ---- Random clusters -----------------------------------------------------------------

// A random cluster small enough that ties, scarce ports, constraints and exclusions all
// matter: few distinct task sizes (ties on cpu/ram/disk, some differing only in gpus), tiny
// port ranges, racks, zones and dedicated hosts, tasks in every state, views unsorted or
// with duplicate agents, tasks on unknown agents.
struct RandomCluster {
  std::deque<model::AgentInfo> agents;
  std::deque<model::Task> tasks;
  std::vector<std::shared_ptr<const model::TaskConfig>> configs;
  std::vector<model::Task> pending;
  ClusterView view;
  model::Resources overhead;
};

std::shared_ptr<const model::TaskConfig> RandomConfig(base::Rng& rng, bool with_constraints) {
  static const std::vector<std::string> kRoles = {"a", "b"};
  static const std::vector<std::string> kNames = {"x", "y", "z"};
  auto c = std::make_shared<model::TaskConfig>();
  c->job = {kRoles[rng.Uniform(2)], "prod", kNames[rng.Uniform(3)]};
  c->production = rng.Uniform(2) == 0;
  c->priority = static_cast<int32_t>(rng.Uniform(4));
  const int64_t cpus[] = {500, 1000, 1000, 2000};
  const int64_t ram[] = {512, 1024, 1024, 2048};
  c->resources = {cpus[rng.Uniform(4)], ram[rng.Uniform(4)],
                  static_cast<int64_t>(10 * (1 + rng.Uniform(2))),
                  static_cast<int64_t>(rng.Uniform(4) == 0 ? 1 : 0), {}};
  if (!with_constraints) return c;
  const size_t ports = rng.Uniform(4) == 0 ? 1 + rng.Uniform(2) : 0;
  for (size_t i = 0; i < ports; ++i) c->resources.named_ports.push_back(i == 0 ? "http" : "admin");
  if (rng.Uniform(3) == 0) c->resources.named_ports.push_back("http");  // a duplicate name
  std::vector<model::Constraint> constraints;
  if (rng.Uniform(5) == 0) {
    model::Constraint d;
    d.name = "dedicated";
    d.values = {"a/db"};
    constraints.push_back(d);
  }
  if (rng.Uniform(3) == 0) {
    model::Constraint r;
    r.name = "rack";
    r.values = {"r" + std::to_string(rng.Uniform(3))};
    r.negated = rng.Uniform(3) == 0;
    constraints.push_back(r);
  }
  if (rng.Uniform(3) == 0) {
    model::Constraint l;
    l.name = rng.Uniform(2) == 0 ? "host" : "zone";
    l.is_limit = true;
    l.limit = static_cast<int32_t>(1 + rng.Uniform(2));
    constraints.push_back(l);
  }
  std::sort(constraints.begin(), constraints.end(),
            [](const model::Constraint& x, const model::Constraint& y) { return x.name < y.name; });
  c->constraints = std::move(constraints);
  return c;
}

void BuildRandomCluster(uint64_t seed, RandomCluster& rc) {
  base::Rng rng(seed);
  const S kStatuses[] = {S::kRunning,  S::kRunning,    S::kRunning,  S::kRunning, S::kAssigned,
                         S::kStarting, S::kPreempting, S::kKilling,  S::kPending, S::kFinished,
                         S::kDraining, S::kRestarting, S::kThrottled};
  rc.overhead = {rng.Uniform(2) == 0 ? 0 : 50, rng.Uniform(2) == 0 ? 0 : 32, 0, 0, {}};
  for (int i = 0; i < 8; ++i) rc.configs.push_back(RandomConfig(rng, false));
  // Mostly small clusters; some large ones where constraints rule out many hosts.
  const bool large = rng.Uniform(8) == 0;
  const int hosts = static_cast<int>(large ? 50 + rng.Uniform(150) : 1 + rng.Uniform(30));
  const uint64_t dedicated_one_in = large ? 2 : 8;
  for (int h = 0; h < hosts; ++h) {
    model::AgentInfo& a = rc.agents.emplace_back();
    a.agent_id = model::AgentId("agent-" + std::to_string(1000 + rng.Uniform(hosts * 4 / 3 + 1)));  // may repeat
    a.host = a.agent_id.str() + ".example";
    const int64_t size = 1 + static_cast<int64_t>(rng.Uniform(4));
    a.resources = {2000 * size, 2048 * size, 100000, static_cast<int64_t>(rng.Uniform(3)), {}};
    a.port_ranges = {{31000, 31000 + static_cast<int32_t>(rng.Uniform(3))}};
    if (rng.Uniform(4) == 0) a.port_ranges.push_back({32000, 32001});
    if (rng.Uniform(8) == 0) a.port_ranges.push_back({33000, 32000});  // invalid: ignored
    a.attributes["rack"] = {"r" + std::to_string(rng.Uniform(3))};
    if (rng.Uniform(3) != 0) a.attributes["zone"] = {"z" + std::to_string(rng.Uniform(2))};
    if (rng.Uniform(dedicated_one_in) == 0) a.attributes["dedicated"] = {"a/db"};
    HostView hv;
    hv.agent = &a;
    hv.schedulable = rng.Uniform(10) != 0;
    const int n = static_cast<int>(rng.Uniform(9));
    for (int t = 0; t < n; ++t) {
      model::Task& task = rc.tasks.emplace_back();
      task.task_id = model::TaskId(a.agent_id.str() + "-" + std::to_string(h) + "-t" + std::to_string(rng.Uniform(100)));
      task.agent_id = model::AgentId(a.agent_id);
      task.config = rc.configs[rng.Uniform(rc.configs.size())];
      task.status = kStatuses[rng.Uniform(std::size(kStatuses))];
      if (rng.Uniform(3) == 0) {
        task.assigned_ports["http"] = 31000 + static_cast<int32_t>(rng.Uniform(3));
        hv.used_ports.insert(task.assigned_ports["http"]);
      }
      if (!model::IsSlaveAssigned(task.status)) continue;
      const bool with_overhead = rng.Uniform(4) != 0;
      AddScalars(hv.used, task.config->resources, +1);
      if (with_overhead) AddScalars(hv.used, rc.overhead, +1);
    }
    rc.view.hosts.push_back(hv);
  }
  if (rng.Uniform(10) == 0) rc.view.hosts.push_back(HostView{});  // no agent: ignored
  // The view promises agent_id order; the search must not depend on it.
  if (rng.Uniform(3) != 0) {
    std::stable_sort(rc.view.hosts.begin(), rc.view.hosts.end(),
                     [](const HostView& x, const HostView& y) {
                       if (x.agent == nullptr || y.agent == nullptr) {
                         return y.agent == nullptr && x.agent != nullptr;
                       }
                       return x.agent->agent_id < y.agent->agent_id;
                     });
  }
  for (model::Task& t : rc.tasks) rc.view.placed_tasks.push_back(&t);
  model::Task& stray = rc.tasks.emplace_back();
  stray.task_id = "stray";
  stray.agent_id = "agent-unknown";
  stray.config = rc.configs[0];
  stray.status = S::kRunning;
  rc.view.placed_tasks.push_back(&stray);
  if (rng.Uniform(3) == 0) {  // not grouped by host
    for (size_t i = rc.view.placed_tasks.size(); i > 1; --i) {
      std::swap(rc.view.placed_tasks[i - 1], rc.view.placed_tasks[rng.Uniform(i)]);
    }
  }
  for (int i = 0; i < 8; ++i) {
    model::Task& p = rc.pending.emplace_back();
    p.task_id = model::TaskId("pending-" + std::to_string(i));
    auto config = std::make_shared<model::TaskConfig>(*RandomConfig(rng, true));
    config->resources.milli_cpus *= static_cast<int64_t>(1 + rng.Uniform(3));
    config->resources.ram_mb *= static_cast<int64_t>(1 + rng.Uniform(3));
    p.config = config;
    p.status = S::kPending;
  }
}

// PreemptionSearch bounds each host by its victims' scalars and checks constraints and
// ports only where the bound can still win; it must choose exactly the slot (agent and
// victims in order) that checking every host in full does.
TEST(PreemptionPropertyTest, SameSlotAsTheFullScanOver1000Seeds) {
  int found = 0;
  int multi_victim = 0;
  int none = 0;
  for (uint64_t seed = 0; seed < 1000; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    RandomCluster rc;
    BuildRandomCluster(seed, rc);
    const PreemptionSearch fast(rc.view, rc.overhead);
    const FullScanSearch full(rc.view, rc.overhead);
    base::Rng rng(seed ^ 0x5eed);
    for (const model::Task& p : rc.pending) {
      std::set<model::AgentId> agents;
      std::set<model::TaskId> victims;
      // A pass as the preemptor runs it: the chosen hosts and victims are excluded from
      // the following searches.
      for (int round = 0; round < 3; ++round) {
        const std::optional<PreemptionSlot> want = full.FindSlot(p, agents, victims);
        ASSERT_EQ(fast.FindSlot(p, agents, victims), want) << p.task_id << " round " << round;
        if (!want) {
          ++none;
          break;
        }
        ++found;
        if (want->victim_ids.size() > 1) ++multi_victim;
        if (rng.Uniform(2) == 0) {
          agents.insert(want->agent_id);
        } else {
          victims.insert(want->victim_ids[rng.Uniform(want->victim_ids.size())]);
          victims.insert("no-such-task");
        }
        // Victims chosen for other tasks, anywhere.
        for (uint64_t n = rng.Uniform(3); n > 0 && !rc.tasks.empty(); --n) {
          victims.insert(rc.tasks[rng.Uniform(rc.tasks.size())].task_id);
        }
      }
    }
  }
  // The generator must exercise every outcome.
  EXPECT_GT(found, 1000);
  EXPECT_GT(multi_victim, 200);
  EXPECT_GT(none, 1000);
}


// ---- A search kept across passes (Update) --------------------------------------------

// A cluster that changes between passes as the scheduler's does: tasks replaced by new
// objects (the old ones freed, so a kept pointer to one would be a use after free that
// ASan reports), added and removed; agents that come, go, or re-register with other
// resources (a new AgentInfo, same tasks and stamp); hosts held or released. Each agent's
// stamp changes whenever its tasks do, to a value never used before; an agent without
// tasks has stamp 0, as the scheduler's view gives it.
class ChangingCluster {
 public:
  explicit ChangingCluster(uint64_t seed) : rng_(seed) {
    overhead_ = {rng_.Uniform(2) == 0 ? 0 : 50, rng_.Uniform(2) == 0 ? 0 : 32, 0, 0, {}};
    for (int i = 0; i < 8; ++i) configs_.push_back(RandomConfig(rng_, false));
    const int hosts = static_cast<int>(1 + rng_.Uniform(rng_.Uniform(6) == 0 ? 120 : 25));
    for (int h = 0; h < hosts; ++h) AddAgent();
  }

  const model::Resources& overhead() const { return overhead_; }
  base::Rng& rng() { return rng_; }

  // The hosts in agent_id order (shuffled when `unsorted`), with every task when
  // `with_tasks`.
  ClusterView View(bool with_tasks, bool unsorted = false) const {
    ClusterView v;
    for (const auto& [id, a] : agents_) {
      HostView& h = v.hosts.emplace_back();
      h.agent = a.info.get();
      h.schedulable = a.schedulable;
      h.tasks_stamp = a.tasks.empty() ? 0 : a.stamp;
      for (const auto& t : a.tasks) {
        if (!t->assigned_ports.empty()) h.used_ports.insert(t->assigned_ports.begin()->second);
        if (!model::IsSlaveAssigned(t->status)) continue;
        AddScalars(h.used, t->config->resources, +1);
        AddScalars(h.used, overhead_, +1);
      }
      if (with_tasks) {
        for (const model::Task* t : SortedTasks(a)) v.placed_tasks.push_back(t);
      }
    }
    if (unsorted) {
      for (size_t i = v.hosts.size(); i > 1; --i) {
        std::swap(v.hosts[i - 1], v.hosts[const_cast<base::Rng&>(rng_).Uniform(i)]);
      }
    }
    return v;
  }

  // What the scheduler gives PreemptionSearch::Update: the tasks of view.hosts[host].
  PreemptionSearch::TasksOn TasksOn(const ClusterView& view) {
    return [this, &view](size_t host, std::vector<const model::Task*>& out) {
      ++tasks_on_calls_;
      const Agent& a = agents_.at(view.hosts[host].agent->agent_id);
      for (const model::Task* t : SortedTasks(a)) out.push_back(t);
    };
  }
  size_t TakeTasksOnCalls() { return std::exchange(tasks_on_calls_, 0); }

  // Hosts whose stamp differs from `before` (or that are new, or have stamp 0).
  size_t ChangedSince(const std::map<model::AgentId, uint64_t>& before) const {
    size_t n = 0;
    for (const auto& [id, a] : agents_) {
      auto it = before.find(id);
      if (a.tasks.empty() || it == before.end() || it->second != a.stamp) ++n;
    }
    return n;
  }
  std::map<model::AgentId, uint64_t> Stamps() const {
    std::map<model::AgentId, uint64_t> m;
    for (const auto& [id, a] : agents_) m[id] = a.stamp;
    return m;
  }

  // Changes a random part of the cluster, as between two passes.
  void Change() {
    const S kStatuses[] = {S::kRunning,    S::kRunning, S::kRunning,    S::kAssigned,
                           S::kStarting,   S::kKilling, S::kPreempting, S::kDraining,
                           S::kRestarting, S::kFinished};
    const uint64_t one_in = 1 + rng_.Uniform(6);
    const bool churn = rng_.Uniform(3) == 0;  // agents come and go in some passes only
    std::vector<model::AgentId> gone;
    for (auto& [id, a] : agents_) {
      if (rng_.Uniform(12) == 0) a.schedulable = !a.schedulable;
      if (rng_.Uniform(15) == 0) {  // re-registers with another size: same tasks, same stamp
        auto info = std::make_unique<model::AgentInfo>(*a.info);
        info->resources.milli_cpus = 2000 * static_cast<int64_t>(1 + rng_.Uniform(4));
        info->resources.ram_mb = 2048 * static_cast<int64_t>(1 + rng_.Uniform(4));
        a.info = std::move(info);
      }
      if (churn && rng_.Uniform(10) == 0) {
        gone.push_back(id);
        continue;
      }
      if (rng_.Uniform(one_in) != 0) continue;
      for (uint64_t n = 1 + rng_.Uniform(3); n > 0; --n) {
        const uint64_t what = rng_.Uniform(4);
        if (what == 0 || a.tasks.empty()) {
          a.tasks.push_back(NewTask(id));
        } else {
          const size_t k = rng_.Uniform(a.tasks.size());
          if (what == 1) {
            a.tasks.erase(a.tasks.begin() + static_cast<std::ptrdiff_t>(k));
          } else {  // a transition: a new object for the same id, the old one freed
            auto next = std::make_unique<model::Task>(*a.tasks[k]);
            next->status = kStatuses[rng_.Uniform(std::size(kStatuses))];
            if (what == 3) next->config = configs_[rng_.Uniform(configs_.size())];
            a.tasks[k] = std::move(next);
          }
        }
      }
      a.stamp = ++stamps_;
    }
    for (const model::AgentId& id : gone) agents_.erase(id);
    for (uint64_t n = churn ? rng_.Uniform(3) : 0; n > 0; --n) AddAgent();
  }

  std::vector<model::Task> PendingTasks() {
    std::vector<model::Task> pending;
    for (int i = 0; i < 6; ++i) {
      model::Task& p = pending.emplace_back();
      p.task_id = model::TaskId("pending-" + std::to_string(i));
      auto config = std::make_shared<model::TaskConfig>(*RandomConfig(rng_, true));
      config->resources.milli_cpus *= static_cast<int64_t>(1 + rng_.Uniform(3));
      config->resources.ram_mb *= static_cast<int64_t>(1 + rng_.Uniform(3));
      p.config = config;
      p.status = S::kPending;
    }
    return pending;
  }

  // A random task id of the cluster (for exclusions).
  model::TaskId SomeTaskId() {
    for (int tries = 0; tries < 8 && !agents_.empty(); ++tries) {
      auto it = agents_.begin();
      std::advance(it, static_cast<std::ptrdiff_t>(rng_.Uniform(agents_.size())));
      if (!it->second.tasks.empty()) {
        return it->second.tasks[rng_.Uniform(it->second.tasks.size())]->task_id;
      }
    }
    return "no-such-task";
  }

 private:
  struct Agent {
    std::unique_ptr<model::AgentInfo> info;
    std::vector<std::unique_ptr<model::Task>> tasks;
    uint64_t stamp = 0;
    bool schedulable = true;
  };

  static std::vector<const model::Task*> SortedTasks(const Agent& a) {
    std::vector<const model::Task*> sorted;
    for (const auto& t : a.tasks) sorted.push_back(t.get());
    std::sort(sorted.begin(), sorted.end(), [](const model::Task* x, const model::Task* y) {
      return x->task_id < y->task_id;
    });
    return sorted;
  }

  std::unique_ptr<model::Task> NewTask(const model::AgentId& agent_id) {
    auto t = std::make_unique<model::Task>();
    t->task_id = model::TaskId("task-" + std::to_string(next_task_++) + "-" +
                               std::to_string(rng_.Uniform(1000)));
    t->agent_id = agent_id;
    t->config = configs_[rng_.Uniform(configs_.size())];
    t->status = rng_.Uniform(5) == 0 ? S::kStarting : S::kRunning;
    if (rng_.Uniform(3) == 0) {
      t->assigned_ports["http"] = 31000 + static_cast<int32_t>(rng_.Uniform(3));
    }
    return t;
  }

  void AddAgent() {
    const model::AgentId id("agent-" + std::to_string(1000 + rng_.Uniform(100000)));
    if (agents_.count(id) > 0) return;
    Agent& a = agents_[id];
    a.info = std::make_unique<model::AgentInfo>();
    a.info->agent_id = id;
    a.info->host = id.str() + ".example";
    const int64_t size = 1 + static_cast<int64_t>(rng_.Uniform(4));
    a.info->resources = {2000 * size, 2048 * size, 100000, static_cast<int64_t>(rng_.Uniform(3)),
                         {}};
    a.info->port_ranges = {{31000, 31000 + static_cast<int32_t>(rng_.Uniform(3))}};
    a.info->attributes["rack"] = {"r" + std::to_string(rng_.Uniform(3))};
    if (rng_.Uniform(3) != 0) a.info->attributes["zone"] = {"z" + std::to_string(rng_.Uniform(2))};
    if (rng_.Uniform(8) == 0) a.info->attributes["dedicated"] = {"a/db"};
    a.schedulable = rng_.Uniform(10) != 0;
    for (uint64_t n = rng_.Uniform(9); n > 0; --n) a.tasks.push_back(NewTask(id));
    a.stamp = ++stamps_;
  }

  base::Rng rng_;
  model::Resources overhead_;
  std::vector<std::shared_ptr<const model::TaskConfig>> configs_;
  std::map<model::AgentId, Agent> agents_;
  uint64_t stamps_ = 0;
  uint64_t next_task_ = 0;
  size_t tasks_on_calls_ = 0;
};

// A search kept across passes and updated from views of the hosts alone must choose the
// slot that a search built anew from the whole view chooses (and the full scan), after any
// changes; it reads only the hosts whose stamp changed.
TEST(PreemptionPropertyTest, KeptSearchMatchesAFreshOneOver300Seeds) {
  int found = 0;
  int none = 0;
  size_t kept_hosts = 0;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    ChangingCluster cluster(seed);
    // Starts empty, as the scheduler's does, or from a whole view.
    std::unique_ptr<PreemptionSearch> kept;
    std::map<model::AgentId, uint64_t> read_stamps;
    if (cluster.rng().Uniform(2) == 0) {
      kept = std::make_unique<PreemptionSearch>(ClusterView{}, cluster.overhead());
    } else {
      const ClusterView whole = cluster.View(true);
      kept = std::make_unique<PreemptionSearch>(whole, cluster.overhead());
      read_stamps = cluster.Stamps();
    }
    for (int pass = 0; pass < 8; ++pass) {
      SCOPED_TRACE(::testing::Message() << "pass " << pass);
      if (pass > 0) cluster.Change();
      const bool unsorted = cluster.rng().Uniform(10) == 0;
      const ClusterView hosts = cluster.View(false, unsorted);
      const size_t changed = cluster.ChangedSince(read_stamps);
      const size_t read = kept->Update(hosts, cluster.TasksOn(hosts));
      EXPECT_EQ(cluster.TakeTasksOnCalls(), read);
      if (!unsorted) {
        EXPECT_EQ(read, changed);
        kept_hosts += hosts.hosts.size() - read;
      }
      read_stamps = cluster.Stamps();
      EXPECT_EQ(kept->host_count(), hosts.hosts.size());

      const ClusterView whole = cluster.View(true);
      const PreemptionSearch fresh(whole, cluster.overhead());
      const FullScanSearch full(whole, cluster.overhead());
      for (const model::Task& p : cluster.PendingTasks()) {
        std::set<model::AgentId> agents;
        std::set<model::TaskId> victims;
        for (int round = 0; round < 2; ++round) {
          const std::optional<PreemptionSlot> want = fresh.FindSlot(p, agents, victims);
          ASSERT_EQ(kept->FindSlot(p, agents, victims), want) << p.task_id << " round " << round;
          ASSERT_EQ(full.FindSlot(p, agents, victims), want) << p.task_id << " round " << round;
          if (!want) {
            ++none;
            break;
          }
          ++found;
          agents.insert(want->agent_id);
          victims.insert(cluster.SomeTaskId());
        }
      }
    }
  }
  EXPECT_GT(found, 1000);
  EXPECT_GT(none, 1000);
  EXPECT_GT(kept_hosts, 5000u);  // most hosts are carried over, not read again
}

}  // namespace
}  // namespace borealis::core
