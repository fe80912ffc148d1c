// SchedulerCore's cron entry points (scheduleCronJob, replaceCronTemplate,
// descheduleCronJob, startCronJob): thin, they validate, store the template and hand the
// rest to the CronScheduler component. docs/aurora-compatibility.md, "Cron jobs".
#include "absl/strings/str_cat.h"
#include "borealis/core/cron.h"
#include "borealis/core/quota.h"
#include "borealis/scheduler/scheduler_core.h"
#include "borealis/wire/convert.h"
#include "borealis/wire/response.h"

namespace borealis::scheduler {

namespace {

std::string NotScheduledMessage(const model::JobKey& job) {
  return absl::StrCat("Job ", job.ToString(), " is not scheduled with cron");
}

}  // namespace

api::Response SchedulerCore::ScheduleCronJob(const api::JobConfiguration& description) {
  owner_.Check();
  return SaveCronTemplate(description, /*must_exist=*/false);
}

api::Response SchedulerCore::ReplaceCronTemplate(const api::JobConfiguration& config) {
  owner_.Check();
  return SaveCronTemplate(config, /*must_exist=*/true);
}

api::Response SchedulerCore::SaveCronTemplate(const api::JobConfiguration& description,
                                              bool must_exist) {
  api::JobConfiguration filled = description;
  if (!filled.taskConfig.__isset.job || filled.taskConfig.job.role.empty()) {
    filled.taskConfig.__set_job(filled.key);
  }
  auto job = wire::FromThrift(filled);
  if (!job.ok()) return wire::ErrorResponse(job.status());
  if (auto refused = RefuseWhileUpdating(job->key)) return *refused;
  if (job->cron_schedule.empty()) {
    return wire::MakeResponse(
        api::ResponseCode::INVALID_REQUEST,
        absl::StrCat("cronSchedule: job ", job->key.ToString(), " has no cron schedule"));
  }
  if (auto refused = core::RefusedCronPolicy(job->cron_collision_policy)) {
    return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST, *refused);
  }
  if (absl::Status s = core::ApplyTier(*tiers_, job->task); !s.ok()) {
    return wire::ErrorResponse(s);
  }
  if (absl::Status s = job_validator_.Validate(*job); !s.ok()) return wire::ErrorResponse(s);
  if (must_exist && state_.cron_jobs().Find(job->key) == nullptr) {
    return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST,
                              NotScheduledMessage(job->key));
  }
  if (absl::Status s = CheckCronQuota(*job); !s.ok()) return wire::ErrorResponse(s);
  Mutate(state::SaveCronJob{*std::move(job)});
  cron_.Sync(clock_.NowMs(), context());
  Count("cron_jobs_saved");
  return wire::OkResponse();
}

absl::Status SchedulerCore::CheckCronQuota(const model::JobConfiguration& job) const {
  if (!core::ConsumesQuota(job.task)) return absl::OkStatus();
  const std::string& role = job.key.role;
  auto running = [&](const model::JobKey& key) {
    const state::TaskTable::JobTasks* tasks = state_.table().Job(key);
    return tasks ? core::ComputeConsumption(role, *tasks).prod_shared : model::Resources{};
  };
  // The role's tasks, plus what its other production cron templates may start beyond them.
  model::Resources used = state_.QuotaUse(role).prod_shared;
  for (const auto& [key, other] : *state_.cron_jobs().all()) {
    if (key.role != role || key == job.key || !core::ConsumesQuota(other->task)) continue;
    const model::Resources extra = core::CronQuotaExtra(*other, running(key));
    used.milli_cpus += extra.milli_cpus;
    used.ram_mb += extra.ram_mb;
    used.disk_mb += extra.disk_mb;
  }
  const model::Resources* stored = state_.FindQuota(role);
  return core::CheckQuota(role, stored ? *stored : model::Resources{}, used,
                          core::CronQuotaExtra(job, running(job.key)));
}

api::Response SchedulerCore::DescheduleCronJob(const model::JobKey& job) {
  owner_.Check();
  if (auto refused = RefuseWhileUpdating(job)) return *refused;
  if (state_.cron_jobs().Find(job) == nullptr) {
    return wire::OkResponse(NotScheduledMessage(job));
  }
  Mutate(state::RemoveCronJob{job});
  cron_.Sync(clock_.NowMs(), context());
  Count("cron_jobs_descheduled");
  return wire::OkResponse();
}

api::Response SchedulerCore::StartCronJob(const model::JobKey& job) {
  owner_.Check();
  if (!cron_.Trigger(job, clock_.NowMs(), context())) {
    return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST, NotScheduledMessage(job));
  }
  return wire::OkResponse();
}

}  // namespace borealis::scheduler
