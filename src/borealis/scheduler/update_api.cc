// SchedulerCore's job update calls: startJobUpdate's checks (request shape, settings, the
// task config as createJob checks it, the diff, another active update, quota) and the
// calls that change or pulse an update. The update itself is the update controller's
// (components/update_controller.h); its decisions are core/job_update.h's.
#include <algorithm>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "borealis/base/status.h"
#include "borealis/core/canary.h"
#include "borealis/core/job_update.h"
#include "borealis/core/quota.h"
#include "borealis/scheduler/scheduler_core.h"
#include "borealis/wire/convert.h"
#include "borealis/wire/convert_update.h"
#include "borealis/wire/response.h"

namespace borealis::scheduler {

namespace {

api::Response Invalid(std::string message) {
  return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST, std::move(message));
}

// A random (version 4) UUID from two draws of the core's seeded generator.
std::string NewUuid(uint64_t a, uint64_t b) {
  a = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(a >> 32), static_cast<unsigned>((a >> 16) & 0xFFFF),
                static_cast<unsigned>(a & 0xFFFF), static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
  return buf;
}

model::Resources Times(const model::Resources& r, int64_t n) {
  return model::Resources{r.milli_cpus * n, r.ram_mb * n, r.disk_mb * n, 0, {}};
}

// The request's job (tier applied) and settings, checked as startJobUpdate checks them;
// InvalidArgument naming the field.
absl::Status CheckUpdateRequest(const api::JobUpdateRequest& request, const core::TierConfig& tiers,
                                const core::JobValidator& validator,
                                const core::UpdateLimits& limits, model::JobConfiguration* job,
                                model::JobUpdateSettings* settings) {
  if (request.taskConfig.job.role.empty()) {
    return absl::InvalidArgumentError("taskConfig.job: must be set");
  }
  if (!request.taskConfig.isService) {
    return absl::InvalidArgumentError(
        "taskConfig.isService: updates are not supported for non-service tasks");
  }
  auto parsed_settings = wire::FromThrift(request.settings);
  if (!parsed_settings.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("settings.", parsed_settings.status().message()));
  }
  *settings = std::move(*parsed_settings);
  api::JobConfiguration description;
  description.__set_key(request.taskConfig.job);
  description.__set_taskConfig(request.taskConfig);
  description.__set_instanceCount(request.instanceCount);
  ASSIGN_OR_RETURN(*job, wire::FromThrift(description));
  RETURN_IF_ERROR(core::ApplyTier(tiers, job->task));
  RETURN_IF_ERROR(core::ValidateUpdateSettings(*settings, request.instanceCount,
                                               job->task.sla_policy.has_value(), limits));
  RETURN_IF_ERROR(validator.Validate(*job));
  std::vector<model::Metadata> metadata;
  for (const api::Metadata& m : request.metadata) metadata.push_back(wire::FromThrift(m));
  return core::CanaryOf(metadata).status();
}

}  // namespace

std::optional<api::Response> SchedulerCore::RefuseWhileUpdating(const model::JobKey& job) const {
  std::optional<model::JobUpdateKey> active = state_.updates().ActiveUpdate(job);
  if (!active) return std::nullopt;
  return wire::MakeResponse(
      api::ResponseCode::JOB_UPDATING_ERROR,
      absl::StrCat("job ", job.ToString(), " has an update in progress (update id ", active->id,
                   "): wait for it to finish, or abort it first"));
}

absl::Status SchedulerCore::CheckUpdateQuota(const model::JobKey& job, const core::JobDiff& diff,
                                             const model::TaskConfig& proposed) const {
  // The job after the update against the job now; only growth needs quota.
  model::Resources before;
  model::Resources after;
  for (const auto& [i, config] : diff.replaced) {
    if (!core::ConsumesQuota(*config)) continue;
    before.milli_cpus += config->resources.milli_cpus;
    before.ram_mb += config->resources.ram_mb;
    before.disk_mb += config->resources.disk_mb;
  }
  if (core::ConsumesQuota(proposed)) {
    after = Times(proposed.resources, static_cast<int64_t>(diff.replacements.size()));
  }
  model::Resources added{std::max<int64_t>(0, after.milli_cpus - before.milli_cpus),
                         std::max<int64_t>(0, after.ram_mb - before.ram_mb),
                         std::max<int64_t>(0, after.disk_mb - before.disk_mb), 0, {}};
  if (added.milli_cpus == 0 && added.ram_mb == 0 && added.disk_mb == 0) return absl::OkStatus();
  const model::Resources* stored = state_.FindQuota(job.role);
  const core::QuotaConsumption used = state_.QuotaUse(job.role);
  return core::CheckQuota(job.role, stored ? *stored : model::Resources{}, used.prod_shared,
                          added);
}

api::Response SchedulerCore::StartJobUpdate(const api::JobUpdateRequest& request,
                                            const std::string& message,
                                            const std::string& user) {
  owner_.Check();
  model::JobConfiguration job;
  model::JobUpdateSettings settings;
  if (absl::Status st = CheckUpdateRequest(request, *tiers_, job_validator_,
                                           options_.update_limits, &job, &settings);
      !st.ok()) {
    return wire::ErrorResponse(st);
  }
  if (state_.cron_jobs().Find(job.key) != nullptr) {
    return Invalid("Cron jobs may only be created/updated by calling scheduleCronJob.");
  }
  auto proposed = std::make_shared<const model::TaskConfig>(job.task);
  std::vector<const model::Task*> tasks;
  if (const state::TaskTable::JobTasks* jt = state_.table().Job(job.key)) {
    for (const auto& [id, t] : *jt) tasks.push_back(t.get());
  }
  const core::JobDiff diff = core::ComputeDiff(core::CurrentConfigs(tasks), proposed,
                                               request.instanceCount,
                                               settings.update_only_these_instances);
  if (std::set<int32_t> out = diff.OutOfScope(settings.update_only_these_instances);
      !out.empty()) {
    return Invalid(absl::StrCat("settings.updateOnlyTheseInstances: instances ",
                                absl::StrJoin(out, ", "),
                                " are irrelevant to the update and the job's current state"));
  }
  if (diff.IsNoop()) return wire::OkResponse("Job is unchanged by proposed update.");
  if (auto active = state_.updates().ActiveUpdate(job.key)) {
    const model::JobUpdateDetails* d = state_.updates().Find(*active);
    api::Response r = Invalid(absl::StrCat(
        "An active update already exists for job ", job.key.ToString(), ": update id ",
        active->id, " is ", model::UpdateStatusName(d->update.summary.status),
        "; abort it or wait for it to finish before starting another"));
    api::StartJobUpdateResult result;
    result.__set_key(wire::ToThrift(*active));
    result.__set_updateSummary(wire::ToThrift(d->update.summary));
    wire::SetResult(&r, std::move(result));
    return r;
  }
  if (absl::Status s = CheckUpdateQuota(job.key, diff, *proposed); !s.ok()) {
    return wire::ErrorResponse(s);
  }
  model::JobUpdate update;
  update.summary.key = model::JobUpdateKey{job.key, NewUuid(rng_.Next(), rng_.Next())};
  update.summary.user = user;
  for (const api::Metadata& m : request.metadata) update.summary.metadata.push_back(wire::FromThrift(m));
  std::sort(update.summary.metadata.begin(), update.summary.metadata.end());
  update.instructions = core::InstructionsOf(diff, proposed, std::move(settings));
  TimeUpdates([&] {
    updates_.Start(update, message.empty() ? std::nullopt : std::optional<std::string>(message),
                   clock_.NowMs(), context());
  });
  const model::JobUpdateDetails* d = state_.updates().Find(update.summary.key);
  api::Response r = wire::OkResponse();
  api::StartJobUpdateResult result;
  result.__set_key(wire::ToThrift(update.summary.key));
  result.__set_updateSummary(wire::ToThrift(d->update.summary));
  wire::SetResult(&r, std::move(result));
  return r;
}

api::Response SchedulerCore::ChangeJobUpdate(const model::JobUpdateKey& key, core::UpdateOp op,
                                             const std::string& message,
                                             const std::string& user) {
  owner_.Check();
  absl::Status s = TimeUpdates([&] {
    return updates_.Change(
        key, op, user, message.empty() ? std::nullopt : std::optional<std::string>(message),
        clock_.NowMs(), context());
  });
  return s.ok() ? wire::OkResponse() : wire::ErrorResponse(s);
}

api::Response SchedulerCore::PulseJobUpdate(const model::JobUpdateKey& key) {
  owner_.Check();
  absl::StatusOr<bool> active =
      TimeUpdates([&] { return updates_.Pulse(key, clock_.NowMs(), context()); });
  if (!active.ok()) return wire::ErrorResponse(active.status());
  api::Response r = wire::OkResponse();
  api::PulseJobUpdateResult result;
  result.__set_status(*active ? api::JobUpdatePulseStatus::OK : api::JobUpdatePulseStatus::FINISHED);
  wire::SetResult(&r, std::move(result));
  return r;
}

}  // namespace borealis::scheduler
