// Stream events from storage mutations (see event_derivation.h).
#include "borealis/scheduler/event_derivation.h"

#include <algorithm>
#include <string>
#include <tuple>

#include "borealis/model/schedule_status.h"

namespace borealis::scheduler {
namespace {

model::SchedulerEvent TaskEvent(const model::Task& task, const model::TaskEvent& e) {
  model::SchedulerEvent out;
  out.time_ms = e.timestamp_ms;
  out.type = "task";
  out.job = task.job();
  out.task_id = task.task_id.str();
  out.instance = task.instance_id;
  out.status = std::string(model::StatusName(e.status));
  out.message = e.message;
  // The host once the task has one (an event replayed from a record that saved the task
  // twice sees the later version, so a PENDING event never names one).
  const bool placed = e.status != model::ScheduleStatus::kInit &&
                      e.status != model::ScheduleStatus::kPending &&
                      e.status != model::ScheduleStatus::kThrottled;
  if (placed) out.host = task.agent_host;
  return out;
}

const char* ActionName(model::UpdateAction a) {
  switch (a) {
    case model::UpdateAction::kInstanceUpdated: return "INSTANCE_UPDATED";
    case model::UpdateAction::kInstanceRolledBack: return "INSTANCE_ROLLED_BACK";
    case model::UpdateAction::kInstanceUpdating: return "INSTANCE_UPDATING";
    case model::UpdateAction::kInstanceRollingBack: return "INSTANCE_ROLLING_BACK";
    case model::UpdateAction::kInstanceUpdateFailed: return "INSTANCE_UPDATE_FAILED";
    case model::UpdateAction::kInstanceRollbackFailed: return "INSTANCE_ROLLBACK_FAILED";
  }
  return "UNKNOWN";
}

model::SchedulerEvent UpdateEvent(const char* type, const model::JobUpdateKey& key,
                                  int64_t time_ms, std::string status) {
  model::SchedulerEvent e;
  e.time_ms = time_ms;
  e.type = type;
  e.job = key.job;
  e.update_id = key.id;
  e.status = std::move(status);
  return e;
}

}  // namespace

void AppendTaskEvents(const model::Task& now, const model::Task* before,
                      std::vector<model::SchedulerEvent>* out) {
  const auto& events = now.events;
  if (events.empty()) return;
  size_t from = 0;
  if (before != nullptr) {
    const auto& old = before->events;
    const bool extends = old.size() <= events.size() &&
                         (old.empty() || old.back() == events[old.size() - 1]);
    if (extends) {
      from = old.size();
    } else if (!old.empty() && old.back() == events.back()) {
      return;  // earlier events rewritten (compacted), nothing new
    } else {
      from = events.size() - 1;
    }
  }
  for (size_t i = from; i < events.size(); ++i) out->push_back(TaskEvent(now, events[i]));
}

void AppendMutationEvents(const state::Mutation& m,
                          const std::vector<std::shared_ptr<const model::Task>>& replaced,
                          const state::ClusterState& state,
                          std::vector<model::SchedulerEvent>* out) {
  if (const auto* save = std::get_if<state::SaveTasks>(&m)) {
    size_t k = 0;
    auto add = [&](const model::Task& t) {
      const model::Task* before = k < replaced.size() ? replaced[k].get() : nullptr;
      ++k;
      AppendTaskEvents(t, before, out);
    };
    for (const auto& t : save->tasks) add(t);
    for (const auto& t : save->shared) add(*t);
  } else if (const auto* change = std::get_if<state::ChangeTasks>(&m)) {
    for (const state::TaskDelta& d : change->deltas) {
      const model::Task* task = state.FindTask(d.task_id);
      if (task == nullptr) continue;
      for (const model::TaskEvent& e : d.new_events) out->push_back(TaskEvent(*task, e));
    }
  } else if (const auto* ue = std::get_if<state::SaveJobUpdateEvent>(&m)) {
    out->push_back(UpdateEvent("update", ue->key, ue->event.timestamp_ms,
                               model::UpdateStatusName(ue->event.status)));
    out->back().message = ue->event.message.value_or("");
  } else if (const auto* ie = std::get_if<state::SaveJobInstanceUpdateEvent>(&m)) {
    out->push_back(UpdateEvent("update_instance", ie->key, ie->event.timestamp_ms,
                               ActionName(ie->event.action)));
    out->back().instance = ie->event.instance_id;
  }
}

void SortRecordEvents(std::vector<model::SchedulerEvent>* events) {
  std::stable_sort(events->begin(), events->end(),
                   [](const model::SchedulerEvent& a, const model::SchedulerEvent& b) {
                     return std::tie(a.time_ms, a.task_id, a.update_id) <
                            std::tie(b.time_ms, b.task_id, b.update_id);
                   });
}

}  // namespace borealis::scheduler
