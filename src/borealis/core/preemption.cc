// The preemption search; see preemption.h for the semantics and how it is made fast.
#include "borealis/core/preemption.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <string_view>
#include <tuple>
#include <utility>

#include "borealis/model/schedule_status.h"

namespace borealis::core {
namespace {

bool IsVictimStatus(model::ScheduleStatus s) {
  return s == model::ScheduleStatus::kAssigned || s == model::ScheduleStatus::kStarting ||
         s == model::ScheduleStatus::kRunning;
}

// Larger first: cpu, ram, disk; then task id ascending for a stable order.
bool LargerVictim(const model::Task* a, const model::Task* b) {
  const model::Resources& ra = a->config->resources;
  const model::Resources& rb = b->config->resources;
  const auto ka = std::make_tuple(ra.milli_cpus, ra.ram_mb, ra.disk_mb);
  const auto kb = std::make_tuple(rb.milli_cpus, rb.ram_mb, rb.disk_mb);
  if (ka != kb) return ka > kb;
  return a->task_id < b->task_id;
}

// LargerVictim without the task id: equal resources keep their order (stable sort).
bool LargerResources(const model::TaskConfig* a, const model::TaskConfig* b) {
  const model::Resources& ra = a->resources;
  const model::Resources& rb = b->resources;
  return std::tie(ra.milli_cpus, ra.ram_mb, ra.disk_mb) >
         std::tie(rb.milli_cpus, rb.ram_mb, rb.disk_mb);
}

bool SameResources(const model::TaskConfig* a, const model::TaskConfig* b) {
  const model::Resources& ra = a->resources;
  const model::Resources& rb = b->resources;
  return ra.milli_cpus == rb.milli_cpus && ra.ram_mb == rb.ram_mb && ra.disk_mb == rb.disk_mb;
}

// The same eligibility as CanPreempt.
bool Eligible(const model::TaskConfig& pending, const model::TaskConfig& victim) {
  if (pending.production) {
    if (!victim.production) return true;
  } else if (victim.production) {
    return false;
  }
  return pending.priority > victim.priority && victim.job.role == pending.job.role;
}

}  // namespace

bool CanPreempt(const model::TaskConfig& pending, const model::TaskConfig& victim) {
  const bool pending_preemptible = !pending.production;
  const bool victim_preemptible = !victim.production;
  if (!pending_preemptible && victim_preemptible) return true;
  if (pending_preemptible != victim_preemptible) return false;
  return pending.job.role == victim.job.role && pending.priority > victim.priority;
}

bool PreemptionSearch::Key::operator<(const Key& o) const {
  return std::tie(victims, cpu, ram, host) < std::tie(o.victims, o.cpu, o.ram, o.host);
}

// The exclusions of one FindSlot call: agents as host flags, victims by the hash of their
// task id (confirmed by comparing the id).
class PreemptionSearch::Exclusions {
 public:
  Exclusions(const PreemptionSearch& search, const std::set<std::string>& agents,
             const std::set<std::string>& victims)
      : search_(search), victims_(victims) {
    if (!agents.empty()) {
      agents_.assign(search.hosts_.size(), 0);
      for (const std::string& id : agents) {
        auto it = std::lower_bound(search.hosts_.begin(), search.hosts_.end(), id,
                                   [](const Host& h, const std::string& v) {
                                     return h.view->agent->agent_id < v;
                                   });
        if (it != search.hosts_.end() && it->view->agent->agent_id == id) {
          agents_[static_cast<size_t>(it - search.hosts_.begin())] = 1;
        }
      }
    }
    if (!victims.empty()) {
      hashes_ = &search.VictimIdHashes();
      for (const std::string& id : victims) victim_hashes_.push_back(std::hash<std::string>{}(id));
      std::sort(victim_hashes_.begin(), victim_hashes_.end());
    }
  }

  bool Agent(size_t host) const { return !agents_.empty() && agents_[host] != 0; }

  bool Victim(size_t victim) const {
    if (victim_hashes_.empty()) return false;
    if (!std::binary_search(victim_hashes_.begin(), victim_hashes_.end(), (*hashes_)[victim])) {
      return false;
    }
    return victims_.count(search_.victims_[victim].task->task_id) > 0;
  }

 private:
  const PreemptionSearch& search_;
  const std::set<std::string>& victims_;
  std::vector<char> agents_;  // by host index; empty: none excluded
  std::vector<size_t> victim_hashes_;  // sorted
  const std::vector<size_t>* hashes_ = nullptr;
};

PreemptionSearch::PreemptionSearch(const ClusterView& view,
                                   const model::Resources& executor_overhead)
    : overhead_(executor_overhead) {
  // Hosts in agent_id order, the first view entry of each id; the view is usually sorted.
  std::vector<const HostView*> order;
  order.reserve(view.hosts.size());
  for (const HostView& h : view.hosts) {
    if (h.agent != nullptr) order.push_back(&h);
  }
  auto by_id = [](const HostView* a, const HostView* b) {
    return a->agent->agent_id < b->agent->agent_id;
  };
  bool strictly_sorted = true;
  for (size_t i = 1; i < order.size() && strictly_sorted; ++i) {
    strictly_sorted = by_id(order[i - 1], order[i]);
  }
  if (!strictly_sorted) {
    std::stable_sort(order.begin(), order.end(), by_id);
    order.erase(std::unique(order.begin(), order.end(),
                            [](const HostView* a, const HostView* b) {
                              return a->agent->agent_id == b->agent->agent_id;
                            }),
                order.end());
  }
  hosts_.resize(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    Host& host = hosts_[i];
    const HostView& h = *order[i];
    const model::Resources& total = h.agent->resources;
    host.view = &h;
    host.total = {total.milli_cpus, total.ram_mb, total.disk_mb, total.gpus};
    host.used = {h.used.milli_cpus, h.used.ram_mb, h.used.disk_mb, h.used.gpus};
    host.schedulable = h.schedulable;
  }

  // Each task's host: the views the scheduler builds list tasks host by host in agent_id
  // order, so the next host is tried before a binary search.
  auto host_of = [&](const std::string& agent_id, size_t hint) -> size_t {
    for (size_t i = hint; i < hosts_.size() && i < hint + 2; ++i) {
      if (hosts_[i].view->agent->agent_id == agent_id) return i;
    }
    auto it = std::lower_bound(hosts_.begin(), hosts_.end(), agent_id,
                               [](const Host& h, const std::string& v) {
                                 return h.view->agent->agent_id < v;
                               });
    if (it == hosts_.end() || it->view->agent->agent_id != agent_id) return hosts_.size();
    return static_cast<size_t>(it - hosts_.begin());
  };
  std::vector<uint32_t> victim_host;
  victim_host.reserve(view.placed_tasks.size());
  victims_.reserve(view.placed_tasks.size());
  bool grouped = true;
  size_t hint = 0;
  // Reading the tasks is the cost here (a task spans several cache lines and is read
  // through a pointer): fetch a few tasks ahead.
  constexpr size_t kAhead = 8;
  const std::vector<const model::Task*>& placed = view.placed_tasks;
  for (size_t n = 0; n < placed.size(); ++n) {
    if (n + kAhead < placed.size() && placed[n + kAhead] != nullptr) {
      const model::Task* ahead = placed[n + kAhead];
      __builtin_prefetch(ahead);
      __builtin_prefetch(&ahead->agent_id);
      __builtin_prefetch(&ahead->status);
    }
    const model::Task* t = placed[n];
    if (t == nullptr || t->config == nullptr || !model::IsActive(t->status)) continue;
    const size_t i = host_of(t->agent_id, hint);
    if (i == hosts_.size()) continue;
    hint = i;
    if (!IsVictimStatus(t->status)) {
      others_.emplace_back(t, static_cast<uint32_t>(i));
      continue;
    }
    if (!victim_host.empty() && victim_host.back() > i) grouped = false;
    victim_host.push_back(static_cast<uint32_t>(i));
    victims_.push_back(Victim{t, t->config.get()});
  }
  if (!grouped) {
    std::vector<uint32_t> idx(victims_.size());
    for (uint32_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::stable_sort(idx.begin(), idx.end(),
                     [&](uint32_t a, uint32_t b) { return victim_host[a] < victim_host[b]; });
    std::vector<Victim> sorted;
    std::vector<uint32_t> sorted_host;
    sorted.reserve(idx.size());
    sorted_host.reserve(idx.size());
    for (uint32_t i : idx) {
      sorted.push_back(victims_[i]);
      sorted_host.push_back(victim_host[i]);
    }
    victims_ = std::move(sorted);
    victim_host = std::move(sorted_host);
  }

  auto add_positive = [](Scalars& into, const model::Resources& r, const model::Resources& o) {
    into.cpu += std::max<int64_t>(0, r.milli_cpus + o.milli_cpus);
    into.ram += std::max<int64_t>(0, r.ram_mb + o.ram_mb);
    into.disk += std::max<int64_t>(0, r.disk_mb + o.disk_mb);
    into.gpus += std::max<int64_t>(0, r.gpus + o.gpus);
  };
  for (size_t b = 0; b < victims_.size();) {
    size_t e = b + 1;
    while (e < victims_.size() && victim_host[e] == victim_host[b]) ++e;
    Host& host = hosts_[victim_host[b]];
    host.victims_begin = static_cast<uint32_t>(b);
    host.victims_end = static_cast<uint32_t>(e);
    auto first = victims_.begin() + static_cast<std::ptrdiff_t>(b);
    auto last = victims_.begin() + static_cast<std::ptrdiff_t>(e);
    auto larger = [](const Victim& x, const Victim& y) {
      return LargerResources(x.config, y.config);
    };
    if (!std::is_sorted(first, last, larger)) std::stable_sort(first, last, larger);
    for (size_t v = b; v < e; ++v) {
      const model::TaskConfig& c = *victims_[v].config;
      add_positive(host.freeable_all, c.resources, overhead_);
      if (!c.production) add_positive(host.freeable_nonprod, c.resources, overhead_);
      if (v > b && SameResources(victims_[v - 1].config, &c) &&
          victims_[v - 1].config->resources.gpus != c.resources.gpus) {
        host.gpu_ties = true;
      }
    }
    b = e;
  }
}

const std::vector<size_t>& PreemptionSearch::VictimIdHashes() const {
  std::call_once(id_hashes_once_, [this] {
    id_hashes_.reserve(victims_.size());
    for (const Victim& v : victims_) id_hashes_.push_back(std::hash<std::string>{}(v.task->task_id));
  });
  return id_hashes_;
}

std::shared_ptr<const JobCounts> PreemptionSearch::CountsFor(const model::JobKey& job) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = counts_.find(job);
    if (it != counts_.end()) return it->second;
  }
  auto counts = std::make_shared<JobCounts>();
  std::map<size_t, std::map<std::string, std::set<std::string>>> attributes;
  auto add = [&](const model::Task* t, size_t host) {
    if (t->config->job != job) return;
    auto it = attributes.find(host);
    if (it == attributes.end()) {
      it = attributes.emplace(host, AllAttributes(*hosts_[host].view->agent)).first;
    }
    counts->Add(job, host, it->second);
  };
  for (size_t h = 0; h < hosts_.size(); ++h) {
    for (uint32_t v = hosts_[h].victims_begin; v < hosts_[h].victims_end; ++v) {
      add(victims_[v].task, h);
    }
  }
  for (const auto& [t, host] : others_) add(t, host);
  std::lock_guard<std::mutex> lock(mu_);
  return counts_.emplace(job, std::move(counts)).first->second;
}

bool PreemptionSearch::VictimsOn(size_t i, const model::Task& pending,
                                 const model::Resources& need, const Exclusions& excluded,
                                 size_t max_victims,
                                 std::vector<const Victim*>& chosen) const {
  chosen.clear();
  const Host& host = hosts_[i];
  const Scalars& total = host.total;
  if (need.milli_cpus > total.cpu || need.ram_mb > total.ram || need.disk_mb > total.disk ||
      need.gpus > total.gpus) {
    return false;
  }
  const model::TaskConfig& p = *pending.config;
  std::vector<const Victim*> eligible;
  Scalars freeable = host.used;
  auto free_victim = [&](Scalars& s, const Victim& v) {
    const model::Resources& r = v.config->resources;
    s.cpu -= r.milli_cpus + overhead_.milli_cpus;
    s.ram -= r.ram_mb + overhead_.ram_mb;
    s.disk -= r.disk_mb + overhead_.disk_mb;
    s.gpus -= r.gpus + overhead_.gpus;
  };
  for (uint32_t v = host.victims_begin; v < host.victims_end; ++v) {
    if (!Eligible(p, *victims_[v].config) || excluded.Victim(v)) continue;
    eligible.push_back(&victims_[v]);
    free_victim(freeable, victims_[v]);
  }
  std::sort(eligible.begin(), eligible.end(),
            [](const Victim* a, const Victim* b) { return LargerVictim(a->task, b->task); });
  auto fits = [&](const Scalars& used) {
    return need.milli_cpus <= total.cpu - used.cpu && need.ram_mb <= total.ram - used.ram &&
           need.disk_mb <= total.disk - used.disk && need.gpus <= total.gpus - used.gpus;
  };
  if (!fits(freeable)) return false;  // even all of them are not enough
  static const JobCounts kNoCounts;
  std::shared_ptr<const JobCounts> counts;
  for (const model::Constraint& c : p.constraints) {
    if (c.is_limit) {
      counts = CountsFor(p.job);
      break;
    }
  }
  if (ConstraintVeto(p, AllAttributes(*host.view->agent), counts ? *counts : kNoCounts)) {
    return false;
  }
  const bool wants_ports = !need.named_ports.empty();
  Scalars used = host.used;
  std::set<int32_t> used_ports = wants_ports ? host.view->used_ports : std::set<int32_t>{};
  const std::vector<model::PortRange> ranges =
      wants_ports ? NormalizeRanges(host.view->agent->port_ranges)
                  : std::vector<model::PortRange>{};
  auto fits_now = [&] {
    if (!fits(used)) return false;
    if (!wants_ports) return true;
    return FreePortCount(ranges, used_ports) >= static_cast<int64_t>(need.named_ports.size());
  };
  if (fits_now()) return true;
  for (const Victim* v : eligible) {
    if (chosen.size() >= max_victims) return false;  // cannot beat the best host so far
    chosen.push_back(v);
    free_victim(used, *v);
    if (wants_ports) {
      for (const auto& [name, port] : v->task->assigned_ports) used_ports.erase(port);
    }
    if (fits_now()) return true;
  }
  return false;
}

std::optional<PreemptionSlot> PreemptionSearch::FindSlot(
    const model::Task& pending, const std::set<std::string>& excluded_agents,
    const std::set<std::string>& excluded_victims) const {
  if (pending.config == nullptr) return std::nullopt;
  const model::TaskConfig& p = *pending.config;
  const model::Resources need = TaskNeed(p, overhead_);
  const Scalars o = {overhead_.milli_cpus, overhead_.ram_mb, overhead_.disk_mb, overhead_.gpus};
  const Exclusions excluded(*this, excluded_agents, excluded_victims);

  // 1. Scalars only, every host: the victim loop without constraints and ports gives a key
  // no larger than the host's real one (more victims for ports, or a veto, only make it
  // worse). Hosts that cannot fit even with every eligible victim drop out here.
  std::vector<Key> candidates;
  for (size_t i = 0; i < hosts_.size(); ++i) {
    const Host& h = hosts_[i];
    if (!h.schedulable || h.victims_begin == h.victims_end || excluded.Agent(i)) continue;
    const Scalars& total = h.total;
    if (need.milli_cpus > total.cpu || need.ram_mb > total.ram || need.disk_mb > total.disk ||
        need.gpus > total.gpus) {
      continue;
    }
    const Scalars& bound = p.production ? h.freeable_all : h.freeable_nonprod;
    if (need.milli_cpus > total.cpu - h.used.cpu + bound.cpu ||
        need.ram_mb > total.ram - h.used.ram + bound.ram ||
        need.disk_mb > total.disk - h.used.disk + bound.disk ||
        need.gpus > total.gpus - h.used.gpus + bound.gpus) {
      continue;
    }
    auto fits = [&](const Scalars& used) {
      return need.milli_cpus <= total.cpu - used.cpu && need.ram_mb <= total.ram - used.ram &&
             need.disk_mb <= total.disk - used.disk && need.gpus <= total.gpus - used.gpus;
    };
    Scalars all = h.used;
    Scalars prefix = h.used;
    bool found = fits(prefix);
    Key key{0, 0, 0, i};
    for (uint32_t v = h.victims_begin; v < h.victims_end; ++v) {
      const model::TaskConfig& c = *victims_[v].config;
      if (!Eligible(p, c) || excluded.Victim(v)) continue;
      const model::Resources& r = c.resources;
      all.cpu -= r.milli_cpus + o.cpu;
      all.ram -= r.ram_mb + o.ram;
      all.disk -= r.disk_mb + o.disk;
      all.gpus -= r.gpus + o.gpus;
      if (found) continue;
      prefix.cpu -= r.milli_cpus + o.cpu;
      prefix.ram -= r.ram_mb + o.ram;
      prefix.disk -= r.disk_mb + o.disk;
      prefix.gpus -= r.gpus + o.gpus;
      ++key.victims;
      key.cpu += r.milli_cpus;
      key.ram += r.ram_mb;
      found = fits(prefix);
    }
    if (!fits(all)) continue;
    if (h.gpu_ties) {
      // The scalar loop above took tied victims in view order, not task id order.
      constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
      candidates.push_back(Key{0, kMin, kMin, i});
      continue;
    }
    if (!found) continue;  // no number of victims frees the scalars
    if (key.victims == 0 && need.named_ports.empty()) continue;  // fits: placement's job
    candidates.push_back(key);
  }

  // 2. Exactly, best bound first, until no bound can beat the best host found.
  auto worse = [](const Key& a, const Key& b) { return b < a; };
  std::make_heap(candidates.begin(), candidates.end(), worse);
  std::optional<Key> best;
  std::vector<const Victim*> best_victims;
  std::vector<const Victim*> victims;
  while (!candidates.empty()) {
    std::pop_heap(candidates.begin(), candidates.end(), worse);
    const Key bound = candidates.back();
    candidates.pop_back();
    if (best && best->operator<(bound)) break;
    const size_t max_victims = best ? static_cast<size_t>(best->victims)
                                    : std::numeric_limits<size_t>::max();
    if (!VictimsOn(bound.host, pending, need, excluded, max_victims, victims)) continue;
    if (victims.empty()) continue;  // fits already: placement's job, not preemption's
    Key key{static_cast<int64_t>(victims.size()), 0, 0, bound.host};
    for (const Victim* v : victims) {
      key.cpu += v->config->resources.milli_cpus;
      key.ram += v->config->resources.ram_mb;
    }
    if (!best || key < *best) {
      best = key;
      best_victims = victims;
    }
  }
  if (!best) return std::nullopt;
  PreemptionSlot slot;
  slot.agent_id = hosts_[best->host].view->agent->agent_id;
  slot.host = hosts_[best->host].view->agent->host;
  for (const Victim* v : best_victims) slot.victim_ids.push_back(v->task->task_id);
  return slot;
}

}  // namespace borealis::core
