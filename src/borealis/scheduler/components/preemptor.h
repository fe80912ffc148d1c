// Preemptor: makes room for PENDING tasks that fit nowhere by killing tasks they may
// preempt (core/preemption.h says which), and holds the freed host for them.
//
// Every preemption_slot_search_interval_ms (first after
// preemption_slot_search_initial_delay_ms) the tasks PENDING for at least
// preemption_delay_ms are taken in order — production first, then higher priority, then
// longest pending, then task id — and core::PreemptionSearch looks for a host where killing
// the fewest eligible victims makes room. For each slot found (at most
// preemption_reservation_max_batch_size per job per search) the victims go to PREEMPTING
// ("Preempting in favor of <task id>"), which sends their kills, and the host is held for
// the preemptor for preemption_slot_hold_time_ms: placement treats it as unschedulable for
// every other task (Holds). On each tick, once the victims are terminal, the preemptor is
// placed on its held host; a reservation ends when its task is placed (there or
// elsewhere), leaves PENDING, its host goes away, or it expires.
//
// The search is kept from one search to the next: each time it gets the hosts as they are
// now and re-reads only the agents whose load stamp changed (state::AgentLoad::stamp). It
// is bound to the state's version when it was brought up to date, and refuses (aborts)
// to be used once the state has changed since: its task pointers are only known to be
// alive until then.
//
// Thread contract: the owner's thread (SchedulerCore's).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "borealis/core/preemption.h"
#include "borealis/model/resources.h"
#include "borealis/scheduler/component.h"
#include "borealis/scheduler/rules.h"

namespace borealis::scheduler {

class Preemptor {
 public:
  Preemptor(const RuleOptions& options, const model::Resources& executor_overhead);

  // Places preemptors whose held host is free, then, on its interval, searches for slots.
  void Tick(int64_t now, ComponentContext& ctx);

  // Whether `agent_id` is held for a preemptor (placement must not give it to others).
  bool Holds(const model::AgentId& agent_id) const { return reservations_.count(agent_id) > 0; }
  bool holds_any() const { return !reservations_.empty(); }
  // The held agents, in agent id order.
  std::vector<model::AgentId> HeldAgents() const;
  // The task a held agent waits for, or empty.
  model::TaskId HeldFor(const model::AgentId& agent_id) const;

 private:
  // A host held for a preemptor: its victims are being killed for `task_id`.
  struct Reservation {
    model::TaskId task_id;
    std::vector<model::TaskId> victim_ids;
    int64_t expires_ms = 0;
  };

  void LaunchReserved(int64_t now, ComponentContext& ctx);
  void Search(int64_t now, ComponentContext& ctx);

  RuleOptions options_;
  model::Resources overhead_;
  bool started_ = false;
  int64_t next_search_ms_ = 0;
  std::map<model::AgentId, Reservation> reservations_;
  // Kept between searches; null until the first.
  std::unique_ptr<core::PreemptionSearch> search_;
};

}  // namespace borealis::scheduler
