#include "borealis/core/preemption.h"

#include <algorithm>
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

}  // namespace

bool CanPreempt(const model::TaskConfig& pending, const model::TaskConfig& victim) {
  const bool pending_preemptible = !pending.production;
  const bool victim_preemptible = !victim.production;
  if (!pending_preemptible && victim_preemptible) return true;
  if (pending_preemptible != victim_preemptible) return false;
  return pending.job.role == victim.job.role && pending.priority > victim.priority;
}

PreemptionSearch::PreemptionSearch(const ClusterView& view,
                                   const model::Resources& executor_overhead)
    : overhead_(executor_overhead) {
  std::map<std::string, size_t> index;
  for (const HostView& h : view.hosts) {
    if (h.agent == nullptr || index.count(h.agent->agent_id) > 0) continue;
    Host host;
    host.agent = h.agent;
    host.total = h.agent->resources;
    host.used = h.used;
    host.used_ports = h.UsedPorts();
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

bool PreemptionSearch::VictimsOn(const Host& host, const model::Task& pending,
                                 const model::Resources& need,
                                 const std::set<std::string>& excluded_victims,
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
  std::set<int32_t> used_ports = wants_ports ? host.used_ports : std::set<int32_t>{};
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

std::optional<PreemptionSlot> PreemptionSearch::FindSlot(
    const model::Task& pending, const std::set<std::string>& excluded_agents,
    const std::set<std::string>& excluded_victims) const {
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
  slot.agent_id = hosts_[*best_host].agent->agent_id;
  slot.host = hosts_[*best_host].agent->host;
  for (const Victim* v : best) slot.victim_ids.push_back(v->task->task_id);
  return slot;
}

}  // namespace borealis::core
