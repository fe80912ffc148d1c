// The preemptor (AURORA.md §4.4), driven by SchedulerCore::RunRules.
//
// Every preemption_slot_search_interval_ms (first after
// preemption_slot_search_initial_delay_ms) the tasks PENDING for at least
// preemption_delay_ms are taken in order — production first, then higher priority, then
// longest pending, then task id — and core::PreemptionSearch looks for a host where killing
// the fewest eligible victims makes room. For each slot found (at most
// preemption_reservation_max_batch_size per job per search) the victims go to PREEMPTING
// ("Preempting in favor of <task id>"), which sends their kills, and the host is held for
// the preemptor for preemption_slot_hold_time_ms: placement treats it as unschedulable for
// every other task (BuildClusterView). On each tick, once the victims are terminal, the
// preemptor is placed on its held host (LaunchReserved); a reservation ends when its task is
// placed (there or elsewhere), leaves PENDING, its host goes away, or it expires.
//
// The search is kept from one search to the next (preemption_search_): each time it gets
// the hosts as they are now and re-reads only the agents whose load stamp changed
// (state::AgentLoad::stamp), instead of every task on every agent.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "borealis/core/preemption.h"
#include "borealis/model/job_key.h"
#include "borealis/model/task.h"
#include "borealis/scheduler/scheduler_core.h"
#include "borealis/wire/convert.h"

namespace borealis::scheduler {

using model::ScheduleStatus;

namespace {

struct Decision {
  std::string task_id;
  core::PreemptionSlot slot;
};

}  // namespace

void SchedulerCore::SearchPreemptionSlots(int64_t now) {
  Count("preemptor_searches");
  std::set<std::string> reserved_tasks;
  for (const auto& [agent, r] : rules_.reservations) reserved_tasks.insert(r.task_id);
  std::vector<const model::Task*> candidates;
  for (const model::Task* t : state_.pending()) {
    if (reserved_tasks.count(t->task_id) > 0) continue;
    if (now - t->LatestEventMs() < options_.rules.preemption_delay_ms) continue;
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
  const core::ClusterView view = BuildClusterView(no_jobs);
  if (preemption_search_ == nullptr) {
    preemption_search_ =
        std::make_unique<core::PreemptionSearch>(core::ClusterView{}, options_.executor_overhead);
  }
  preemption_search_->Update(view, [&](size_t host, std::vector<const model::Task*>& out) {
    if (const state::AgentLoad* load = state_.LoadOf(view.hosts[host].agent->agent_id)) {
      for (const model::Task* t : state::SortedById(load->tasks)) out.push_back(t);
    }
  });
  const core::PreemptionSearch& search = *preemption_search_;
  std::set<std::string> held;  // hosts chosen in this search (reserved ones are unschedulable)
  std::set<std::string> victims;
  std::map<model::JobKey, int32_t> per_job;
  std::vector<Decision> decisions;
  for (const model::Task* t : candidates) {
    int32_t& n = per_job[t->job()];
    if (n >= options_.rules.preemption_reservation_max_batch_size) continue;
    std::optional<core::PreemptionSlot> slot = search.FindSlot(*t, held, victims);
    if (!slot) continue;
    ++n;
    held.insert(slot->agent_id);
    victims.insert(slot->victim_ids.begin(), slot->victim_ids.end());
    decisions.push_back({t->task_id, std::move(*slot)});
  }
  // The search read tasks by pointer; state changes only after it is done.
  for (auto& d : decisions) {
    const std::string message = absl::StrCat("Preempting in favor of ", d.task_id);
    for (const auto& victim_id : d.slot.victim_ids) {
      const model::Task* v = state_.FindTask(victim_id);
      if (v == nullptr) continue;
      ChangeTaskState(*v, ScheduleStatus::kPreempting, message);
      Count("preemptor_tasks_preempted");
    }
    SlotReservation& r = rules_.reservations[d.slot.agent_id];
    r.task_id = d.task_id;
    r.victim_ids = d.slot.victim_ids;
    r.expires_ms = now + options_.rules.preemption_slot_hold_time_ms;
    Count("preemptor_slots_reserved");
  }
}

void SchedulerCore::LaunchReserved(int64_t now) {
  if (rules_.reservations.empty()) return;
  std::vector<std::string> ready;
  for (auto it = rules_.reservations.begin(); it != rules_.reservations.end();) {
    const SlotReservation& r = it->second;
    const model::Task* t = state_.FindTask(r.task_id);
    auto agent = agents_.find(it->first);
    const bool agent_ok = agent != agents_.end() && agent->second.registered &&
                          agent->second.connected;
    if (t == nullptr || t->status != ScheduleStatus::kPending || !agent_ok ||
        now >= r.expires_ms) {
      if (t != nullptr && t->status == ScheduleStatus::kPending) {
        Count("preemptor_slot_reservations_expired");
      }
      placement_dirty_ = true;
      it = rules_.reservations.erase(it);
      continue;
    }
    const bool victims_gone = std::all_of(r.victim_ids.begin(), r.victim_ids.end(),
                                          [this](const std::string& id) {
                                            const model::Task* v = state_.FindTask(id);
                                            return v == nullptr || model::IsTerminal(v->status);
                                          });
    if (victims_gone) ready.push_back(it->first);
    ++it;
  }
  if (ready.empty()) return;
  std::set<model::JobKey> jobs;
  for (const std::string& agent_id : ready) {
    const model::Task* t = state_.FindTask(rules_.reservations[agent_id].task_id);
    if (t != nullptr && t->config != nullptr) jobs.insert(t->job());
  }
  core::ClusterView view = BuildClusterView(jobs);
  std::vector<core::Assignment> assignments;
  for (const std::string& agent_id : ready) {
    // Only the held host may take the task; the others still count for limit constraints.
    for (core::HostView& h : view.hosts) h.schedulable = h.agent->agent_id == agent_id;
    const model::Task* t = state_.FindTask(rules_.reservations[agent_id].task_id);
    core::PlacementOptions popts;
    popts.executor_overhead = options_.executor_overhead;
    popts.seed = rng_.Next();
    core::PlacementResult result = core::Place(view, {t}, popts);
    if (result.assignments.empty()) continue;  // still short: wait until the hold expires
    assignments.push_back(result.assignments.front());
  }
  for (const core::Assignment& a : assignments) {
    rules_.reservations.erase(a.agent_id);
    AssignAndLaunch(a);
    Count("preemptor_slots_used");
  }
  placement_dirty_ = true;
}

void SchedulerCore::AssignAndLaunch(const core::Assignment& a) {
  const std::shared_ptr<const model::Task> before = state_.FindTaskPtr(a.task_id);
  if (before == nullptr) return;
  core::TaskChange change = core::AssignTask(*before, a.agent_id, a.host, a.ports, "", Context());
  if (!change.legal || !change.updated) {
    ApplyChange(*before, std::move(change));
    return;
  }
  std::shared_ptr<const model::Task> assigned = ApplyChange(*before, std::move(change));
  if (assigned == nullptr) return;
  QueueSend(a.agent_id, LaunchMessage{std::move(assigned)});
  Count("tasks_assigned");
}

bool SchedulerCore::HeldForPreemptor(const std::string& agent_id) const {
  return rules_.reservations.count(agent_id) > 0;
}

}  // namespace borealis::scheduler
