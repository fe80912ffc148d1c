// BlockedSet: placement's set of PENDING classes that fit nowhere (docs/architecture/
// scheduler.md, "The blocked set"). A class is the PENDING tasks of one TaskConfig object
// (the tasks of a job share it). When a pass leaves a task of a class unplaced, the class
// fits on no host until something frees room, so it is parked (state::ClusterState::
// SetParked: its tasks leave the runnable list placement walks, and tasks of that config
// arriving later are parked at once) and costs the following passes nothing. Before each
// pass the events since the last one (core/blocked.h says which can let a class fit) wake
// the classes they concern: their tasks are evaluated again by that pass, and parked again
// if they still do not fit. A class whose last try is `recheck_ms` old (0: never) wakes
// anyway, a safety net for an event the rules would have missed (a few per pass, so that
// the re-checks of a large backlog spread over passes).
//
// Parked tasks stay PENDING: the preemptor sees them as before. Each parked class keeps
// the pending reason of its last try (veto counts and the try's time), which readers get
// through the pending reasons (components/pending_reasons.h).
//
// State: per parked class its config, what it needs, whether it has a limit constraint,
// its last reason and try time, and which hosts could ever hold it (computed on demand,
// forgotten when the hosts change, when every class wakes anyway).
// Thread contract: the owner's thread.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "borealis/core/blocked.h"
#include "borealis/core/placement.h"
#include "borealis/model/resources.h"
#include "borealis/scheduler/component.h"

namespace borealis::scheduler {

class BlockedSet {
 public:
  // Disabled (`enabled` false), it parks nothing and only keeps the reasons of the last
  // pass: every pass evaluates every PENDING task (for comparison).
  BlockedSet(int64_t recheck_ms, const model::Resources& executor_overhead, bool enabled = true)
      : recheck_ms_(recheck_ms), overhead_(executor_overhead), enabled_(enabled) {}

  // Before a pass: wakes the classes the events since the last pass may let fit: tasks
  // that left hosts (ComponentContext::TakeFreedLoads); when `hosts_changed` (the placer
  // rebuilt its table), the hosts that became usable (registered, reconnected, changed,
  // no longer in `held`, the hosts held for preemptors) and, if any host went away or
  // changed, the classes with limit constraints; and the classes whose last try is
  // `recheck_ms` old (at most kRecheckBatch per pass). False when nothing changed.
  bool WakeBeforePass(int64_t now, bool hosts_changed, const std::vector<model::AgentId>& held,
                      ComponentContext& ctx);
  // Before a pass, after WakeBeforePass: parks the runnable classes that must fit nowhere
  // because a parked class with the same constraints and no larger needs fits nowhere
  // (core::FitsNowhereLike), with that class's reason, so that the pass does not try each
  // new job of an over-filled cluster against every host.
  // True when it parked any.
  bool ParkWhatFitsNowhere(int64_t now, ComponentContext& ctx);
  // After a pass tried at `now`: parks the class of every task `result` left unplaced,
  // with its reason. Returns the reasons of tasks that belong to no class (no config).
  std::map<model::TaskId, std::string> ParkAfterPass(int64_t now,
                                                     const core::PlacementResult& result,
                                                     ComponentContext& ctx);
  // Nothing is PENDING: forgets every class and the events (WakeBeforePass, called after
  // it, still follows the hosts).
  void Clear(ComponentContext& ctx);

  // The parked classes' reasons.
  std::vector<core::ClassReason> Reasons() const;
  size_t size() const { return classes_.size(); }
  static constexpr size_t kRecheckBatch = 64;
  bool IsParked(const model::TaskConfig* config) const { return classes_.count(config) > 0; }

 private:
  struct Class {
    core::ClassReason reason;
    model::Resources need;
    bool has_limit = false;
    size_t signature = 0;  // core::ValueConstraintsHash
    absl::flat_hash_map<model::AgentId, bool> could_hold;  // by host, computed on demand
  };
  bool CouldHold(Class& c, const model::AgentId& agent_id, const ComponentContext& ctx);
  void WakeAll(ComponentContext& ctx);
  // Compares the live hosts with those of the last call: the hosts that became usable
  // (new, changed or no longer held); true in `*lost` when a host went away or changed.
  std::vector<model::AgentId> DiffHosts(const std::vector<model::AgentId>& held,
                                        const ComponentContext& ctx, bool* lost);
  // Parks the class of `config` with `reason`; false when it is parked already.
  bool Park(const std::shared_ptr<const model::TaskConfig>& config, const std::string& reason,
            int64_t now, ComponentContext& ctx);
  using ClassMap = std::map<const model::TaskConfig*, Class>;
  // Forgets the parked class at `it` (its tasks unparked); the next one.
  ClassMap::iterator Unpark(ClassMap::iterator it, ComponentContext& ctx);
  // A parked class without limit constraints that makes `config` fit nowhere, or null.
  const Class* FitsNowhereLike(const std::shared_ptr<const model::TaskConfig>& config,
                               const ComponentContext& ctx) const;

  int64_t recheck_ms_;
  model::Resources overhead_;
  bool enabled_;
  ClassMap classes_;
  std::set<std::pair<int64_t, const model::TaskConfig*>> by_tried_;  // (tried_ms, class)
  // The registered, connected hosts when the placer last rebuilt its table, and whether
  // each was held (the owner calls WakeBeforePass whenever it does, nothing PENDING too).
  struct LiveHost {
    std::shared_ptr<const model::AgentInfo> info;
    bool held = false;
  };
  absl::flat_hash_map<model::AgentId, LiveHost> live_;
  // The parked classes without limit constraints, by core::ValueConstraintsHash.
  absl::flat_hash_map<size_t, absl::flat_hash_set<const model::TaskConfig*>> unlimited_;
};

}  // namespace borealis::scheduler
