#include "borealis/scheduler/components/blocked_set.h"

#include <algorithm>
#include <utility>

namespace borealis::scheduler {

bool BlockedSet::WakeBeforePass(int64_t now, bool hosts_changed,
                                const std::vector<model::AgentId>& held, ComponentContext& ctx) {
  std::vector<std::pair<model::AgentId, model::JobKey>> freed = ctx.TakeFreedLoads();
  bool lost = false;
  std::vector<model::AgentId> gained;
  if (hosts_changed) gained = DiffHosts(held, ctx, &lost);
  if (classes_.empty()) return false;
  if (!enabled_) {  // every class is tried in every pass
    WakeAll(ctx);
    return true;
  }
  for (const model::AgentId& id : gained) {  // its answers may have changed with it
    for (auto& [ptr, c] : classes_) c.could_hold.erase(id);
  }
  std::sort(freed.begin(), freed.end());
  freed.erase(std::unique(freed.begin(), freed.end()), freed.end());
  bool changed = false;
  for (auto it = classes_.begin(); it != classes_.end();) {
    Class& c = it->second;
    const model::TaskConfig& config = *c.reason.config;
    bool wake = ctx.state().ParkedTasks(&config) == 0  // no task left: forget it
                || (lost && c.has_limit);
    for (size_t i = 0; i < gained.size() && !wake; ++i) wake = CouldHold(c, gained[i], ctx);
    for (size_t i = 0; i < freed.size() && !wake; ++i) {
      wake = core::FreedMayWake(config, c.has_limit, freed[i].second,
                                CouldHold(c, freed[i].first, ctx));
    }
    if (!wake) {
      ++it;
      continue;
    }
    ctx.Count("blocked_classes_woken");
    it = Unpark(it, ctx);
    changed = true;
  }
  // The safety re-check: the classes tried longest ago, once due.
  size_t rechecked = 0;
  while (recheck_ms_ > 0 && !by_tried_.empty() && rechecked < kRecheckBatch &&
         by_tried_.begin()->first + recheck_ms_ <= now) {
    Unpark(classes_.find(by_tried_.begin()->second), ctx);
    ++rechecked;
  }
  if (rechecked > 0) {
    ctx.Count("blocked_rechecks", static_cast<int64_t>(rechecked));
    changed = true;
  }
  return changed;
}

std::vector<model::AgentId> BlockedSet::DiffHosts(const std::vector<model::AgentId>& held,
                                                  const ComponentContext& ctx, bool* lost) {
  absl::flat_hash_map<model::AgentId, LiveHost> live;
  std::vector<model::AgentId> gained;
  for (const auto& [id, rec] : ctx.agents()) {
    if (!rec.live()) continue;
    const bool is_held = std::binary_search(held.begin(), held.end(), id);
    live.emplace(id, LiveHost{rec.info, is_held});
    auto was = live_.find(id);
    const bool usable_before =
        was != live_.end() && was->second.info == rec.info && !was->second.held;
    if (!is_held && !usable_before) gained.push_back(id);
  }
  // A host gone or changed: its tasks no longer count against their jobs' limits (a held
  // host's do: it stays in placement's table, unschedulable).
  *lost = false;
  for (const auto& [id, host] : live_) {
    auto now = live.find(id);
    if (now == live.end() || now->second.info != host.info) *lost = true;
  }
  live_ = std::move(live);
  return gained;
}

bool BlockedSet::ParkWhatFitsNowhere(int64_t now, ComponentContext& ctx) {
  if (!enabled_ || unlimited_.empty()) return false;
  std::vector<std::pair<std::shared_ptr<const model::TaskConfig>, std::string>> park;
  const model::TaskConfig* last = nullptr;
  for (const model::Task* t : ctx.state().runnable()) {
    if (t->config == nullptr || t->config.get() == last) continue;
    last = t->config.get();
    if (const Class* like = FitsNowhereLike(t->config, ctx)) {
      park.emplace_back(t->config, like->reason.reason);
    }
  }
  bool parked = false;
  for (const auto& [config, reason] : park) {
    if (Park(config, reason, now, ctx)) {
      ctx.Count("blocked_classes_parked_like_others");
      parked = true;
    }
  }
  return parked;
}

std::map<model::TaskId, std::string> BlockedSet::ParkAfterPass(
    int64_t now, const core::PlacementResult& result, ComponentContext& ctx) {
  std::map<model::TaskId, std::string> unclassed;
  for (const auto& [task_id, reason] : result.pending_reasons) {
    const model::Task* t = ctx.state().FindTask(task_id);
    if (t == nullptr || t->status != model::ScheduleStatus::kPending) continue;
    if (t->config == nullptr) {
      unclassed.emplace(task_id, reason);
      continue;
    }
    auto it = classes_.find(t->config.get());
    if (it != classes_.end()) {  // a class's unplaced tasks share the reason of its try
      by_tried_.erase({it->second.reason.tried_ms, it->first});
      it->second.reason.reason = reason;
      it->second.reason.tried_ms = now;
      by_tried_.emplace(now, it->first);
    } else if (Park(t->config, reason, now, ctx)) {
      ctx.Count("blocked_classes_parked");
    }
  }
  return unclassed;
}

void BlockedSet::Clear(ComponentContext& ctx) {
  ctx.TakeFreedLoads();
  if (!classes_.empty()) WakeAll(ctx);
}

std::vector<core::ClassReason> BlockedSet::Reasons() const {
  std::vector<core::ClassReason> out;
  out.reserve(classes_.size());
  for (const auto& [ptr, c] : classes_) out.push_back(c.reason);
  return out;
}

bool BlockedSet::Park(const std::shared_ptr<const model::TaskConfig>& config,
                      const std::string& reason, int64_t now, ComponentContext& ctx) {
  auto [it, inserted] = classes_.try_emplace(config.get());
  if (!inserted) return false;
  Class& c = it->second;
  c.reason = core::ClassReason{config, reason, now};
  c.need = core::TaskNeed(*config, overhead_);
  c.has_limit = core::HasLimit(*config);
  c.signature = core::ValueConstraintsHash(*config);
  if (!c.has_limit) unlimited_[c.signature].insert(config.get());
  by_tried_.emplace(now, config.get());
  if (enabled_) ctx.SetParked(config, true);
  return true;
}

BlockedSet::ClassMap::iterator BlockedSet::Unpark(ClassMap::iterator it,
                                                  ComponentContext& ctx) {
  const Class& c = it->second;
  if (!c.has_limit) {
    auto group = unlimited_.find(c.signature);
    if (group != unlimited_.end()) {
      group->second.erase(it->first);
      if (group->second.empty()) unlimited_.erase(group);
    }
  }
  by_tried_.erase({c.reason.tried_ms, it->first});
  if (enabled_) ctx.SetParked(c.reason.config, false);
  return classes_.erase(it);
}

const BlockedSet::Class* BlockedSet::FitsNowhereLike(
    const std::shared_ptr<const model::TaskConfig>& config, const ComponentContext& ctx) const {
  auto group = unlimited_.find(core::ValueConstraintsHash(*config));
  if (group == unlimited_.end()) return nullptr;
  const model::Resources need = core::TaskNeed(*config, overhead_);
  // Whether a task of the job holds a host (only asked of a class with limits).
  bool job_placed = false;
  if (core::HasLimit(*config)) {
    if (const state::TaskTable::JobTasks* tasks = ctx.state().table().Job(config->job)) {
      for (const auto& [id, t] : *tasks) {
        if (model::IsSlaveAssigned(t->status)) {
          job_placed = true;
          break;
        }
      }
    }
    if (job_placed) return nullptr;
  }
  // A few candidates suffice: classes of one shape are mostly alike.
  constexpr size_t kMaxLooks = 32;
  size_t looks = 0;
  for (const model::TaskConfig* other : group->second) {
    const Class& parked = classes_.at(other);
    if (core::FitsNowhereLike(*parked.reason.config, parked.need, *config, need, job_placed)) {
      return &parked;
    }
    if (++looks == kMaxLooks) break;
  }
  return nullptr;
}

bool BlockedSet::CouldHold(Class& c, const model::AgentId& agent_id,
                           const ComponentContext& ctx) {
  auto [it, inserted] = c.could_hold.try_emplace(agent_id, false);
  if (!inserted) return it->second;
  auto rec = ctx.agents().find(agent_id);
  if (rec != ctx.agents().end() && rec->second.live() && rec->second.statics != nullptr) {
    it->second = core::CouldEverHold(*c.reason.config, c.need, *rec->second.info,
                                     *rec->second.statics);
  }
  return it->second;
}

void BlockedSet::WakeAll(ComponentContext& ctx) {
  if (enabled_) {
    ctx.Count("blocked_classes_woken", static_cast<int64_t>(classes_.size()));
    for (const auto& [ptr, c] : classes_) ctx.SetParked(c.reason.config, false);
  }
  classes_.clear();
  unlimited_.clear();
  by_tried_.clear();
}

}  // namespace borealis::scheduler
