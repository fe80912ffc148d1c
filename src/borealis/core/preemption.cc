// The preemption search; see preemption.h for the semantics and how it is made fast.
#include "borealis/core/preemption.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <string_view>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "borealis/base/check.h"
#include "borealis/model/constraint.h"
#include "borealis/model/port_range.h"
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

// A task id's length and last 8 bytes: task ids end in a UUID, so this tells almost all of
// them apart; a match is confirmed by comparing the ids.
uint32_t IdFingerprint(const std::string& id) {
  uint64_t tail = 0;
  const size_t n = std::min<size_t>(sizeof(tail), id.size());
  std::memcpy(&tail, id.data() + id.size() - n, n);
  return static_cast<uint32_t>(((tail ^ id.size()) * 0x9e3779b97f4a7c15ULL) >> 32);
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

// The exclusions of one FindSlot call: agents as host flags, victims by the fingerprint of
// their task id (confirmed by comparing the id).
class PreemptionSearch::Exclusions {
 public:
  Exclusions(const PreemptionSearch& search, const std::set<model::AgentId>& agents,
             const std::set<model::TaskId>& victims)
      : search_(search), victims_(victims) {
    if (!agents.empty()) {
      agents_.assign(search.hosts_.size(), 0);
      for (const model::AgentId& id : agents) {
        auto it = std::lower_bound(search.hosts_.begin(), search.hosts_.end(), id,
                                   [](const Host& h, const model::AgentId& v) {
                                     return h.view->agent->agent_id < v;
                                   });
        if (it != search.hosts_.end() && it->view->agent->agent_id == id) {
          agents_[static_cast<size_t>(it - search.hosts_.begin())] = 1;
        }
      }
    }
    if (!victims.empty()) {
      for (const model::TaskId& id : victims) excluded_.push_back(IdFingerprint(id.str()));
      std::sort(excluded_.begin(), excluded_.end());
    }
  }

  bool Agent(size_t host) const { return !agents_.empty() && agents_[host] != 0; }

  bool Victim(size_t victim) const {
    if (excluded_.empty()) return false;
    if (!std::binary_search(excluded_.begin(), excluded_.end(),
                            search_.id_fingerprints_[victim])) {
      return false;
    }
    return victims_.count(search_.victims_[victim].task->task_id) > 0;
  }

 private:
  const PreemptionSearch& search_;
  const std::set<model::TaskId>& victims_;
  std::vector<char> agents_;  // by host index; empty: none excluded
  std::vector<uint32_t> excluded_;  // fingerprints of the excluded victims' ids, sorted
};

void PreemptionSearch::AddHost(const HostView& h) {
  Host& host = hosts_.emplace_back();
  const model::Resources& total = h.agent->resources;
  host.view = &h;
  host.free = {total.milli_cpus - h.used.milli_cpus, total.ram_mb - h.used.ram_mb,
               total.disk_mb - h.used.disk_mb, total.gpus - h.used.gpus};
  host.schedulable = h.schedulable;
  seen_.push_back(Seen{h.agent->agent_id, h.agent, h.tasks_stamp});
}

void PreemptionSearch::SortVictims(Host& host) {
  auto first = victims_.begin() + host.victims_begin;
  auto last = victims_.begin() + host.victims_end;
  auto larger = [](const Victim& x, const Victim& y) {
    return LargerResources(x.config, y.config);
  };
  if (!std::is_sorted(first, last, larger)) std::stable_sort(first, last, larger);
  host.gpu_ties = false;
  for (auto v = first; v != last && v + 1 != last; ++v) {
    if (SameResources(v->config, (v + 1)->config) &&
        v->config->resources.gpus != (v + 1)->config->resources.gpus) {
      host.gpu_ties = true;
    }
  }
}

PreemptionSearch::PreemptionSearch(const ClusterView& view,
                                   const model::Resources& executor_overhead)
    : overhead_(executor_overhead) {
  SelectHosts(view);
  ReadTasks(view.placed_tasks);
}

void PreemptionSearch::SelectHosts(const ClusterView& view) {
  hosts_.clear();
  seen_.clear();
  victims_.clear();
  others_.clear();
  id_fingerprints_.clear();
  holes_ = 0;
  // Hosts in agent_id order, the first view entry of each id; the view is usually sorted.
  auto by_id = [](const HostView* a, const HostView* b) {
    return a->agent->agent_id < b->agent->agent_id;
  };
  bool strictly_sorted = true;
  const HostView* previous = nullptr;
  for (const HostView& h : view.hosts) {
    if (h.agent == nullptr) continue;
    if (previous != nullptr && !by_id(previous, &h)) {
      strictly_sorted = false;
      break;
    }
    previous = &h;
  }
  hosts_.reserve(view.hosts.size());
  seen_.reserve(view.hosts.size());
  if (strictly_sorted) {
    for (const HostView& h : view.hosts) {
      if (h.agent != nullptr) AddHost(h);
    }
  } else {
    std::vector<const HostView*> order;
    for (const HostView& h : view.hosts) {
      if (h.agent != nullptr) order.push_back(&h);
    }
    std::stable_sort(order.begin(), order.end(), by_id);
    order.erase(std::unique(order.begin(), order.end(),
                            [](const HostView* a, const HostView* b) {
                              return a->agent->agent_id == b->agent->agent_id;
                            }),
                order.end());
    for (const HostView* h : order) AddHost(*h);
  }
}

void PreemptionSearch::ReadTasks(const std::vector<const model::Task*>& placed) {
  // Each task's host. The views the scheduler builds list tasks host by host in agent_id
  // order, so the current and the next host are tried before a binary search, and each
  // host's victims are appended as one run, checked for order as they come.
  auto host_of = [&](const model::AgentId& agent_id, size_t hint) -> size_t {
    for (size_t i = hint; i < hosts_.size() && i < hint + 2; ++i) {
      if (hosts_[i].view->agent->agent_id == agent_id) return i;
    }
    auto it = std::lower_bound(hosts_.begin(), hosts_.end(), agent_id,
                               [](const Host& h, const model::AgentId& v) {
                                 return h.view->agent->agent_id < v;
                               });
    if (it == hosts_.end() || it->view->agent->agent_id != agent_id) return hosts_.size();
    return static_cast<size_t>(it - hosts_.begin());
  };
  victims_.reserve(placed.size());
  std::vector<size_t> to_sort;  // hosts whose victims came out of order
  bool grouped = true;          // every host's victims came as one run
  size_t current = hosts_.size();
  size_t hint = 0;
  // Reading the tasks is most of the cost (a task spans several cache lines and is read
  // through a pointer): fetch a few tasks ahead.
  constexpr size_t kAhead = 8;
  for (size_t n = 0; n < placed.size(); ++n) {
    if (n + kAhead < placed.size() && placed[n + kAhead] != nullptr) {
      const model::Task* ahead = placed[n + kAhead];
      const char* bytes = reinterpret_cast<const char*>(ahead);
      __builtin_prefetch(bytes);
      __builtin_prefetch(bytes + 64);
      __builtin_prefetch(&ahead->status);
    }
    const model::Task* t = placed[n];
    if (t == nullptr) continue;
    const bool victim = IsVictimStatus(t->status);  // victim states are all active
    if ((!victim && !model::IsActive(t->status)) || t->config == nullptr) continue;
    const size_t i = host_of(t->agent_id, hint);
    if (i == hosts_.size()) continue;
    hint = i;
    if (!victim) {
      others_.emplace_back(t, static_cast<uint32_t>(i));
      continue;
    }
    Host& host = hosts_[i];
    if (i != current) {
      if (current != hosts_.size()) {
        hosts_[current].victims_end = static_cast<uint32_t>(victims_.size());
      }
      if (host.victims_end != 0) grouped = false;  // this host had a run already
      host.victims_begin = static_cast<uint32_t>(victims_.size());
      current = i;
    } else if (grouped) {
      const model::TaskConfig* before = victims_.back().config;
      const model::TaskConfig* now = t->config.get();
      if (LargerResources(now, before)) {
        if (to_sort.empty() || to_sort.back() != i) to_sort.push_back(i);
      } else if (SameResources(before, now) && before->resources.gpus != now->resources.gpus) {
        host.gpu_ties = true;
      }
    }
    victims_.push_back(Victim{t, t->config.get()});
  }
  if (current != hosts_.size()) {
    hosts_[current].victims_end = static_cast<uint32_t>(victims_.size());
  }
  if (grouped) {
    for (size_t i : to_sort) SortVictims(hosts_[i]);
  } else {
    GroupVictims();
  }

  // The ids' last bytes are usually on the heap: fetch them a few victims ahead (the tasks
  // themselves were just read).
  id_fingerprints_.resize(victims_.size());
  for (size_t v = 0; v < victims_.size(); ++v) {
    if (v + kAhead < victims_.size()) {
      const std::string& id = victims_[v + kAhead].task->task_id.str();
      if (!id.empty()) __builtin_prefetch(id.data() + id.size() - 1);
    }
    id_fingerprints_[v] = IdFingerprint(victims_[v].task->task_id.str());
  }
}

void PreemptionSearch::GroupVictims() {
  std::vector<std::pair<uint32_t, uint32_t>> by_host;  // (host, position in victims_)
  by_host.reserve(victims_.size());
  for (uint32_t v = 0; v < victims_.size(); ++v) {
    const model::AgentId& agent_id = victims_[v].task->agent_id;
    auto it = std::lower_bound(hosts_.begin(), hosts_.end(), agent_id,
                               [](const Host& h, const model::AgentId& id) {
                                 return h.view->agent->agent_id < id;
                               });
    by_host.emplace_back(static_cast<uint32_t>(it - hosts_.begin()), v);
  }
  std::sort(by_host.begin(), by_host.end());  // by host, then view order
  std::vector<Victim> grouped;
  grouped.reserve(victims_.size());
  for (Host& h : hosts_) h.victims_begin = h.victims_end = 0;
  for (size_t n = 0; n < by_host.size(); ++n) {
    Host& h = hosts_[by_host[n].first];
    if (n == 0 || by_host[n - 1].first != by_host[n].first) {
      h.victims_begin = static_cast<uint32_t>(n);
    }
    h.victims_end = static_cast<uint32_t>(n + 1);
    grouped.push_back(victims_[by_host[n].second]);
  }
  victims_ = std::move(grouped);
  for (Host& h : hosts_) SortVictims(h);
}

void PreemptionSearch::ReadHost(size_t i, const std::vector<const model::Task*>& tasks) {
  Host& host = hosts_[i];
  const model::AgentId& agent_id = seen_[i].agent_id;
  host.victims_begin = static_cast<uint32_t>(victims_.size());
  for (const model::Task* t : tasks) {
    if (t == nullptr) continue;
    const bool victim = IsVictimStatus(t->status);  // victim states are all active
    if ((!victim && !model::IsActive(t->status)) || t->config == nullptr) continue;
    if (t->agent_id != agent_id) continue;
    if (!victim) {
      others_.emplace_back(t, static_cast<uint32_t>(i));
      continue;
    }
    victims_.push_back(Victim{t, t->config.get()});
  }
  host.victims_end = static_cast<uint32_t>(victims_.size());
  SortVictims(host);  // stable: equal resources keep the order given; sets gpu_ties
  for (uint32_t v = host.victims_begin; v < host.victims_end; ++v) {
    id_fingerprints_.push_back(IdFingerprint(victims_[v].task->task_id.str()));
  }
}

void PreemptionSearch::BindVersion(std::function<uint64_t()> current_version) {
  current_version_ = std::move(current_version);
  read_at_version_ = current_version_ ? current_version_() : 0;
}

void PreemptionSearch::CheckVersion() const {
  if (!current_version_) return;
  const uint64_t now = current_version_();
  BOREALIS_CHECK(now == read_at_version_,
                 absl::StrCat("the preemption search was read at version ", read_at_version_,
                              " of its tasks and used at version ", now,
                              ": its task pointers may dangle (call Update first)"));
}

size_t PreemptionSearch::Update(const ClusterView& view, const TasksOn& tasks_on) {
  if (current_version_) read_at_version_ = current_version_();
  // The steady state: the same agents in the same order. A host whose agent is the same
  // object with the same non-zero stamp is the same host without comparing ids (a stamp
  // belongs to one agent's tasks); any other is compared by id.
  size_t k = 0;
  for (const HostView& h : view.hosts) {
    if (h.agent == nullptr) continue;
    if (k == hosts_.size()) return Rebuild(view, tasks_on);
    const Seen& seen = seen_[k];
    const bool same_stamp = h.tasks_stamp != 0 && h.tasks_stamp == seen.tasks_stamp;
    if (!(same_stamp && h.agent == seen.agent) && h.agent->agent_id != seen.agent_id) {
      return Rebuild(view, tasks_on);
    }
    ++k;
  }
  if (k != hosts_.size()) return Rebuild(view, tasks_on);

  // In place: every host takes the view's free scalars; a host whose stamp changed drops
  // its victims (a hole in victims_, compacted once holes are a quarter of it) and others,
  // and its tasks are read again, the victims appended to victims_.
  std::vector<std::pair<size_t, size_t>> reread;  // (host, view index)
  k = 0;
  for (size_t j = 0; j < view.hosts.size(); ++j) {
    const HostView& h = view.hosts[j];
    if (h.agent == nullptr) continue;
    Host& host = hosts_[k];
    const model::Resources& total = h.agent->resources;
    host.view = &h;
    host.free = {total.milli_cpus - h.used.milli_cpus, total.ram_mb - h.used.ram_mb,
                 total.disk_mb - h.used.disk_mb, total.gpus - h.used.gpus};
    host.schedulable = h.schedulable;
    Seen& seen = seen_[k];
    seen.agent = h.agent;
    if (h.tasks_stamp == 0 || h.tasks_stamp != seen.tasks_stamp) {
      seen.tasks_stamp = h.tasks_stamp;
      reread.emplace_back(k, j);
    }
    ++k;
  }
  if (reread.empty()) return 0;
  auto is_reread = [&](uint32_t host) {
    return std::binary_search(reread.begin(), reread.end(), std::make_pair(size_t{host}, size_t{0}),
                              [](const auto& a, const auto& b) { return a.first < b.first; });
  };
  others_.erase(std::remove_if(others_.begin(), others_.end(),
                               [&](const auto& other) { return is_reread(other.second); }),
                others_.end());
  std::vector<const model::Task*> tasks;
  for (const auto& [i, j] : reread) {
    Host& host = hosts_[i];
    holes_ += host.victims_end - host.victims_begin;
    host.victims_begin = host.victims_end = 0;
    tasks.clear();
    tasks_on(j, tasks);
    ReadHost(i, tasks);
  }
  if (holes_ * 4 > victims_.size()) Compact();
  return reread.size();
}

void PreemptionSearch::Compact() {
  spare_victims_.clear();
  spare_fingerprints_.clear();
  spare_victims_.reserve(victims_.size() - holes_);
  spare_fingerprints_.reserve(victims_.size() - holes_);
  for (Host& h : hosts_) {
    const uint32_t begin = static_cast<uint32_t>(spare_victims_.size());
    spare_victims_.insert(spare_victims_.end(), victims_.begin() + h.victims_begin,
                          victims_.begin() + h.victims_end);
    spare_fingerprints_.insert(spare_fingerprints_.end(),
                               id_fingerprints_.begin() + h.victims_begin,
                               id_fingerprints_.begin() + h.victims_end);
    h.victims_begin = begin;
    h.victims_end = static_cast<uint32_t>(spare_victims_.size());
  }
  victims_.swap(spare_victims_);
  id_fingerprints_.swap(spare_fingerprints_);
  holes_ = 0;
}

size_t PreemptionSearch::Rebuild(const ClusterView& view, const TasksOn& tasks_on) {
  std::vector<const model::Task*> tasks;
  auto strictly_sorted = [&] {
    const HostView* previous = nullptr;
    for (const HostView& h : view.hosts) {
      if (h.agent == nullptr) continue;
      if (previous != nullptr && !(previous->agent->agent_id < h.agent->agent_id)) return false;
      previous = &h;
    }
    return true;
  };
  if (!strictly_sorted()) {  // not the scheduler's views: read every host again
    SelectHosts(view);
    for (const Host& h : hosts_) tasks_on(static_cast<size_t>(h.view - view.hosts.data()), tasks);
    ReadTasks(tasks);
    return hosts_.size();
  }
  // Merge the hosts kept (sorted by agent_id) with the view's: a host read before with the
  // same stamp takes its victims and others along; the others are read. The spare buffers
  // take the new victims, and the old ones become the spares.
  std::vector<Host> old_hosts = std::move(hosts_);
  std::vector<Seen> old_seen = std::move(seen_);
  std::vector<std::pair<const model::Task*, uint32_t>> old_others = std::move(others_);
  victims_.swap(spare_victims_);
  id_fingerprints_.swap(spare_fingerprints_);
  const std::vector<Victim>& old_victims = spare_victims_;
  const std::vector<uint32_t>& old_fingerprints = spare_fingerprints_;
  hosts_.clear();
  seen_.clear();
  victims_.clear();
  id_fingerprints_.clear();
  others_.clear();
  holes_ = 0;
  hosts_.reserve(view.hosts.size());
  seen_.reserve(view.hosts.size());
  victims_.reserve(old_victims.size());
  id_fingerprints_.reserve(old_victims.size());
  constexpr uint32_t kGone = std::numeric_limits<uint32_t>::max();
  std::vector<uint32_t> kept_as(old_hosts.size(), kGone);  // old host → new host index
  size_t read = 0;
  size_t o = 0;
  for (size_t j = 0; j < view.hosts.size(); ++j) {
    const HostView& h = view.hosts[j];
    if (h.agent == nullptr) continue;
    const model::AgentId& id = h.agent->agent_id;
    while (o < old_seen.size() && old_seen[o].agent_id < id) ++o;
    const bool known = o < old_seen.size() && old_seen[o].agent_id == id;
    const bool same = known && h.tasks_stamp != 0 && old_seen[o].tasks_stamp == h.tasks_stamp;
    const size_t i = hosts_.size();
    AddHost(h);
    if (same) {
      const Host& before = old_hosts[o];
      Host& host = hosts_[i];
      host.gpu_ties = before.gpu_ties;
      if (before.victims_begin != before.victims_end) {
        host.victims_begin = static_cast<uint32_t>(victims_.size());
        victims_.insert(victims_.end(), old_victims.begin() + before.victims_begin,
                        old_victims.begin() + before.victims_end);
        id_fingerprints_.insert(id_fingerprints_.end(),
                                old_fingerprints.begin() + before.victims_begin,
                                old_fingerprints.begin() + before.victims_end);
        host.victims_end = static_cast<uint32_t>(victims_.size());
      }
      kept_as[o] = static_cast<uint32_t>(i);
    } else {
      tasks.clear();
      tasks_on(j, tasks);
      ReadHost(i, tasks);
      ++read;
    }
    if (known) ++o;
  }
  for (const auto& [t, host] : old_others) {
    if (kept_as[host] != kGone) others_.emplace_back(t, kept_as[host]);
  }
  return read;
}

JobCounts PreemptionSearch::CountsFor(const model::TaskConfig& config) const {
  JobCounts counts;
  std::map<size_t, std::map<std::string, std::set<std::string>>> attributes;
  const model::TaskConfig* same_job = &config;  // the last config seen of this job
  auto add = [&](const model::TaskConfig* c, size_t host) {
    if (c != same_job) {
      if (c->job != config.job) return;
      same_job = c;
    }
    auto it = attributes.find(host);
    if (it == attributes.end()) {
      it = attributes.emplace(host, AllAttributes(*hosts_[host].view->agent)).first;
    }
    counts.Add(config.job, host, it->second);
  };
  for (size_t h = 0; h < hosts_.size(); ++h) {
    for (uint32_t v = hosts_[h].victims_begin; v < hosts_[h].victims_end; ++v) {
      add(victims_[v].config, h);
    }
  }
  for (const auto& [t, host] : others_) add(t->config.get(), host);
  return counts;
}

bool PreemptionSearch::VictimsOn(size_t i, const model::Task& pending,
                                 const model::Resources& need, const JobCounts& counts,
                                 const Exclusions& excluded, size_t max_victims,
                                 std::vector<const Victim*>& chosen) const {
  chosen.clear();
  const Host& host = hosts_[i];
  const model::Resources& agent = host.view->agent->resources;
  const model::Resources& in_use = host.view->used;
  const Scalars total = {agent.milli_cpus, agent.ram_mb, agent.disk_mb, agent.gpus};
  if (need.milli_cpus > total.cpu || need.ram_mb > total.ram || need.disk_mb > total.disk ||
      need.gpus > total.gpus) {
    return false;
  }
  const model::TaskConfig& p = *pending.config;
  std::vector<const Victim*> eligible;
  const Scalars used0 = {in_use.milli_cpus, in_use.ram_mb, in_use.disk_mb, in_use.gpus};
  Scalars freeable = used0;
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
  if (ConstraintVeto(p, AllAttributes(*host.view->agent), counts)) return false;
  const bool wants_ports = !need.named_ports.empty();
  Scalars used = used0;
  model::PortSet used_ports = wants_ports ? host.view->UsedPorts() : model::PortSet{};
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
    const model::Task& pending, const std::set<model::AgentId>& excluded_agents,
    const std::set<model::TaskId>& excluded_victims) const {
  CheckVersion();
  if (pending.config == nullptr) return std::nullopt;
  const model::TaskConfig& p = *pending.config;
  const model::Resources need = TaskNeed(p, overhead_);
  const Scalars o = {overhead_.milli_cpus, overhead_.ram_mb, overhead_.disk_mb, overhead_.gpus};
  const Exclusions excluded(*this, excluded_agents, excluded_victims);
  JobCounts counts;  // only limit constraints read it
  if (std::any_of(p.constraints.begin(), p.constraints.end(),
                  [](const model::Constraint& c) { return c.is_limit; })) {
    counts = CountsFor(p);
  }
  auto fits = [&](const Scalars& room) {
    return need.milli_cpus <= room.cpu && need.ram_mb <= room.ram && need.disk_mb <= room.disk &&
           need.gpus <= room.gpus;
  };

  std::optional<Key> best;
  std::vector<const Victim*> best_victims;
  std::vector<const Victim*> victims;
  // The exact search on the host of `bound`; keeps it when it beats the best so far.
  auto evaluate = [&](const Key& bound) {
    const size_t max_victims = best ? static_cast<size_t>(best->victims)
                                    : std::numeric_limits<size_t>::max();
    if (!VictimsOn(bound.host, pending, need, counts, excluded, max_victims, victims)) {
      return false;
    }
    if (victims.empty()) return false;  // fits already: placement's job, not preemption's
    Key key{static_cast<int64_t>(victims.size()), 0, 0, bound.host};
    for (const Victim* v : victims) {
      key.cpu += v->config->resources.milli_cpus;
      key.ram += v->config->resources.ram_mb;
    }
    if (best && !(key < *best)) return false;
    best = key;
    best_victims = victims;
    return true;
  };

  // 1. Every host, scalars only: the victim loop without constraints and ports gives a key
  // no larger than the host's real one (more victims for ports, or a veto, only make it
  // worse). Hosts that cannot fit even with every eligible victim drop out. A host whose
  // bound beats the best slot found so far is checked exactly at once while that mostly
  // succeeds; once too many such checks have failed (constraints rule out most hosts), the
  // bounds are kept for step 2 instead.
  constexpr int kFailedChecksBeforeDeferring = 16;
  int failed_checks = 0;
  std::vector<Key> deferred;
  for (size_t i = 0; i < hosts_.size(); ++i) {
    const Host& h = hosts_[i];
    if (!h.schedulable || h.victims_begin == h.victims_end || excluded.Agent(i)) continue;
    Scalars room_all = h.free;  // with every eligible victim gone
    Scalars room = h.free;      // with the first key.victims gone
    bool found = fits(room);
    Key key{0, 0, 0, i};
    for (uint32_t v = h.victims_begin; v < h.victims_end; ++v) {
      const model::TaskConfig& c = *victims_[v].config;
      if (!Eligible(p, c) || excluded.Victim(v)) continue;
      const model::Resources& r = c.resources;
      room_all.cpu += r.milli_cpus + o.cpu;
      room_all.ram += r.ram_mb + o.ram;
      room_all.disk += r.disk_mb + o.disk;
      room_all.gpus += r.gpus + o.gpus;
      if (found) continue;
      room.cpu += r.milli_cpus + o.cpu;
      room.ram += r.ram_mb + o.ram;
      room.disk += r.disk_mb + o.disk;
      room.gpus += r.gpus + o.gpus;
      ++key.victims;
      key.cpu += r.milli_cpus;
      key.ram += r.ram_mb;
      found = fits(room);
    }
    if (!fits(room_all)) continue;
    if (h.gpu_ties) {
      // The loop above took tied victims in view order, not task id order: no bound.
      constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
      key = Key{0, kMin, kMin, i};
    } else {
      if (!found) continue;  // no number of victims frees the scalars
      if (key.victims == 0 && need.named_ports.empty()) continue;  // fits: placement's job
    }
    if (best && !(key < *best)) continue;
    if (failed_checks >= kFailedChecksBeforeDeferring) {
      deferred.push_back(key);
    } else if (!evaluate(key)) {
      ++failed_checks;
    }
  }

  // 2. The deferred hosts exactly, best bound first, until no bound can beat the best.
  auto worse = [](const Key& a, const Key& b) { return b < a; };
  std::make_heap(deferred.begin(), deferred.end(), worse);
  while (!deferred.empty()) {
    std::pop_heap(deferred.begin(), deferred.end(), worse);
    const Key bound = deferred.back();
    deferred.pop_back();
    if (best && *best < bound) break;
    evaluate(bound);
  }
  if (!best) return std::nullopt;
  PreemptionSlot slot;
  slot.agent_id = hosts_[best->host].view->agent->agent_id;
  slot.host = hosts_[best->host].view->agent->host;
  for (const Victim* v : best_victims) slot.victim_ids.push_back(v->task->task_id);
  return slot;
}

}  // namespace borealis::core
