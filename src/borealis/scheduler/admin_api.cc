// AuroraAdmin's task operations — forceTaskState, pruneTasks and the two reconciliation
// triggers — in SchedulerCore and in ApiHandler (docs/admin.md). Thin: they validate, then hand the work to the
// task state machine, the state or the Reconciler component. Result codes and messages as
// Aurora's scheduler gives them, except where docs/aurora-compatibility.md says otherwise.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "borealis/model/schedule_status.h"
#include "borealis/scheduler/api_handler.h"
#include "borealis/scheduler/read_api.h"
#include "borealis/scheduler/scheduler_core.h"
#include "borealis/wire/convert.h"
#include "borealis/wire/response.h"

namespace borealis::scheduler {

namespace {

api::Response Invalid(std::string message) {
  return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST, std::move(message));
}

// The audit message of a forced transition: Aurora's, with the caller Aurora names when
// there is no authentication.
constexpr char kForcedMessage[] = "Transition forced by UNSECURE";

}  // namespace

api::Response SchedulerCore::ForceTaskState(const std::string& task_id,
                                            api::ScheduleStatus::type status) {
  owner_.Check();
  if (task_id.empty()) return Invalid("taskId: must not be blank");
  absl::StatusOr<model::ScheduleStatus> to = wire::FromThrift(status);
  if (!to.ok()) {
    return Invalid(absl::StrCat("status: ", static_cast<int>(status), " is not a task state"));
  }
  std::shared_ptr<const model::Task> held = state_.FindTaskPtr(model::TaskId(task_id));
  if (held == nullptr) return Invalid(absl::StrCat("taskId: no task has the id ", task_id));
  const model::Task& before = *held;
  core::TaskChange change = core::ChangeState(before, *to, kForcedMessage, Context());
  if (change.noop) {
    return wire::OkResponse(
        absl::StrCat("Task ", task_id, " is already ", std::string(model::StatusName(*to))));
  }
  if (!change.legal) {
    return Invalid(absl::StrCat("status: the task state machine does not allow ",
                                std::string(model::StatusName(before.status)), " -> ",
                                std::string(model::StatusName(*to)), " (task ", task_id, ")"));
  }
  ApplyChange(before, std::move(change), kForcedMessage);
  Count("tasks_state_forced");
  return wire::OkResponse();
}

api::Response SchedulerCore::PruneTasks(const api::TaskQuery& query) {
  owner_.Check();
  api::TaskQuery q = query;
  if (q.__isset.statuses && !q.statuses.empty()) {
    for (api::ScheduleStatus::type s : q.statuses) {
      absl::StatusOr<model::ScheduleStatus> status = wire::FromThrift(s);
      if (!status.ok() || !model::IsTerminal(*status)) {
        return wire::MakeResponse(api::ResponseCode::ERROR,
                                  "Tasks in non-terminal state cannot be pruned.");
      }
    }
  }
  // As Aurora's: the query's offset is not applied, its limit is.
  q.offset = 0;
  q.limit = 0;
  std::vector<model::TaskId> prune;
  for (const auto& [id, t] : state_.table()) {
    if (query.limit > 0 && prune.size() >= static_cast<size_t>(query.limit)) break;
    // Only terminal tasks, whatever the query says (an empty status set included).
    if (!model::IsTerminal(t->status) || !MatchesQuery(*t, q)) continue;
    prune.push_back(t->task_id);
  }
  if (!prune.empty()) {
    Count("tasks_pruned_by_request", static_cast<int64_t>(prune.size()));
    Mutate(state::RemoveTasks{std::move(prune)});
  }
  return wire::OkResponse();
}

api::Response SchedulerCore::TriggerExplicitReconciliation(
    const api::ExplicitReconciliationSettings& s) {
  owner_.Check();
  if (s.__isset.batchSize && s.batchSize <= 0) {
    return Invalid("Batch size must be greater than zero.");
  }
  reconciler_.TriggerExplicit(context(), s.__isset.batchSize
                                             ? std::optional<int32_t>(s.batchSize)
                                             : std::nullopt);
  return wire::OkResponse();
}

api::Response SchedulerCore::TriggerImplicitReconciliation() {
  owner_.Check();
  reconciler_.TriggerImplicit(context());
  return wire::OkResponse();
}

// ---- ApiHandler: each on the core thread, answered once its effects are committed

void ApiHandler::forceTaskState(api::Response& r, const std::string& task_id,
                                api::ScheduleStatus::type status) {
  r = Finish(core_.Call([&](SchedulerCore& c) { return c.ForceTaskState(task_id, status); }));
}

void ApiHandler::pruneTasks(api::Response& r, const api::TaskQuery& query) {
  r = Finish(core_.Call([&](SchedulerCore& c) { return c.PruneTasks(query); }));
}

void ApiHandler::triggerExplicitTaskReconciliation(
    api::Response& r, const api::ExplicitReconciliationSettings& settings) {
  r = Finish(core_.Call(
      [&](SchedulerCore& c) { return c.TriggerExplicitReconciliation(settings); }));
}

void ApiHandler::triggerImplicitTaskReconciliation(api::Response& r) {
  r = Finish(core_.Call([](SchedulerCore& c) { return c.TriggerImplicitReconciliation(); }));
}

}  // namespace borealis::scheduler
