#include "borealis/scheduler/components/preemptor.h"

#include <algorithm>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"

namespace borealis::scheduler {

using model::ScheduleStatus;

namespace {

struct Decision {
  model::TaskId task_id;
  core::PreemptionSlot slot;
};

}  // namespace

Preemptor::Preemptor(const RuleOptions& options, const model::Resources& executor_overhead)
    : options_(options), overhead_(executor_overhead) {}

std::vector<model::AgentId> Preemptor::HeldAgents() const {
  std::vector<model::AgentId> held;
  held.reserve(reservations_.size());
  for (const auto& [agent_id, r] : reservations_) held.push_back(agent_id);
  return held;
}

model::TaskId Preemptor::HeldFor(const model::AgentId& agent_id) const {
  auto it = reservations_.find(agent_id);
  return it == reservations_.end() ? model::TaskId() : it->second.task_id;
}

void Preemptor::Tick(int64_t now, ComponentContext& ctx) {
  if (!started_) {
    started_ = true;
    next_search_ms_ = now + options_.preemption_slot_search_initial_delay_ms;
  }
  LaunchReserved(now, ctx);
  if (options_.enable_preemptor && now >= next_search_ms_) {
    next_search_ms_ = now + options_.preemption_slot_search_interval_ms;
    Search(now, ctx);
  }
}

void Preemptor::Search(int64_t now, ComponentContext& ctx) {
  ctx.Count("preemptor_searches");
  const state::ClusterState& state = ctx.state();
  std::set<model::TaskId> reserved_tasks;
  for (const auto& [agent, r] : reservations_) reserved_tasks.insert(r.task_id);
  std::vector<const model::Task*> candidates;
  for (const model::Task* t : state.pending()) {
    if (reserved_tasks.count(t->task_id) > 0) continue;
    if (now - t->LatestEventMs() < options_.preemption_delay_ms) continue;
    candidates.push_back(t);
  }
  if (candidates.empty()) return;
  std::sort(candidates.begin(), candidates.end(), [](const model::Task* a, const model::Task* b) {
    if (a->config->production != b->config->production) return a->config->production;
    if (a->config->priority != b->config->priority) {
      return a->config->priority > b->config->priority;
    }
    if (a->LatestEventMs() != b->LatestEventMs()) return a->LatestEventMs() < b->LatestEventMs();
    return a->task_id < b->task_id;
  });
  // The hosts only: the kept search reads the tasks of the agents whose load changed since
  // it last read them (every task may be a victim), in id order as a whole view lists them.
  const std::set<model::JobKey> no_jobs;
  const core::ClusterView view = ctx.BuildClusterView(no_jobs);
  if (search_ == nullptr) {
    search_ = std::make_unique<core::PreemptionSearch>(core::ClusterView{}, overhead_);
    search_->BindVersion([s = &state] { return s->version(); });
  }
  search_->Update(view, [&](size_t host, std::vector<const model::Task*>& out) {
    if (const state::AgentLoad* load = state.LoadOf(view.hosts[host].agent->agent_id)) {
      for (const model::Task* t : state::SortedById(load->tasks)) out.push_back(t);
    }
  });
  std::set<model::AgentId> held;  // hosts chosen in this search (reserved: unschedulable)
  std::set<model::TaskId> victims;
  std::map<model::JobKey, int32_t> per_job;
  std::vector<Decision> decisions;
  for (const model::Task* t : candidates) {
    int32_t& n = per_job[t->job()];
    if (n >= options_.preemption_reservation_max_batch_size) continue;
    std::optional<core::PreemptionSlot> slot =
        search_->FindSlot(*t, held, victims);
    if (!slot) continue;
    ++n;
    held.insert(slot->agent_id);
    victims.insert(slot->victim_ids.begin(), slot->victim_ids.end());
    decisions.push_back({t->task_id, std::move(*slot)});
  }
  // The search read tasks by pointer; state changes only after it is done (and the search
  // refuses to be used again before its next Update).
  for (auto& d : decisions) {
    const std::string message = absl::StrCat("Preempting in favor of ", d.task_id.str());
    for (const auto& victim_id : d.slot.victim_ids) {
      const model::Task* v = state.FindTask(victim_id);
      if (v == nullptr) continue;
      ctx.ChangeTaskState(*v, ScheduleStatus::kPreempting, message);
      ctx.Count("preemptor_tasks_preempted");
    }
    Reservation& r = reservations_[d.slot.agent_id];
    r.task_id = d.task_id;
    r.victim_ids = d.slot.victim_ids;
    r.expires_ms = now + options_.preemption_slot_hold_time_ms;
    ctx.Count("preemptor_slots_reserved");
  }
}

void Preemptor::LaunchReserved(int64_t now, ComponentContext& ctx) {
  if (reservations_.empty()) return;
  const state::ClusterState& state = ctx.state();
  const AgentRecords& agents = ctx.agents();
  std::vector<model::AgentId> ready;
  for (auto it = reservations_.begin(); it != reservations_.end();) {
    const Reservation& r = it->second;
    const model::Task* t = state.FindTask(r.task_id);
    auto agent = agents.find(it->first);
    const bool agent_ok = agent != agents.end() && agent->second.live();
    if (t == nullptr || t->status != ScheduleStatus::kPending || !agent_ok ||
        now >= r.expires_ms) {
      if (t != nullptr && t->status == ScheduleStatus::kPending) {
        ctx.Count("preemptor_slot_reservations_expired");
      }
      ctx.PlacementChanged();
      it = reservations_.erase(it);
      continue;
    }
    const bool victims_gone = std::all_of(r.victim_ids.begin(), r.victim_ids.end(),
                                          [&state](const model::TaskId& id) {
                                            const model::Task* v = state.FindTask(id);
                                            return v == nullptr || model::IsTerminal(v->status);
                                          });
    if (victims_gone) ready.push_back(it->first);
    ++it;
  }
  if (ready.empty()) return;
  std::set<model::JobKey> jobs;
  for (const model::AgentId& agent_id : ready) {
    const model::Task* t = state.FindTask(reservations_[agent_id].task_id);
    if (t != nullptr && t->config != nullptr) jobs.insert(t->job());
  }
  core::ClusterView view = ctx.BuildClusterView(jobs);
  std::vector<core::Assignment> assignments;
  for (const model::AgentId& agent_id : ready) {
    // Only the held host may take the task; the others still count for limit constraints.
    for (core::HostView& h : view.hosts) h.schedulable = h.agent->agent_id == agent_id;
    const model::Task* t = state.FindTask(reservations_[agent_id].task_id);
    core::PlacementOptions popts;
    popts.executor_overhead = overhead_;
    popts.seed = ctx.NextSeed();
    core::PlacementResult result = core::Place(view, {t}, popts);
    if (result.assignments.empty()) continue;  // still short: wait until the hold expires
    assignments.push_back(result.assignments.front());
  }
  for (const core::Assignment& a : assignments) {
    reservations_.erase(a.agent_id);
    ctx.AssignAndLaunch(a);
    ctx.Count("preemptor_slots_used");
  }
  ctx.PlacementChanged();
}

}  // namespace borealis::scheduler
