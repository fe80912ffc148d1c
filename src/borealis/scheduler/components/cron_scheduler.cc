#include "borealis/scheduler/components/cron_scheduler.h"

#include <algorithm>
#include <numeric>
#include <utility>
#include <vector>

namespace borealis::scheduler {

namespace {

constexpr char kKillMessage[] = "Killed by cronScheduler";

}  // namespace

std::optional<int64_t> CronScheduler::NextAfter(const std::string& schedule,
                                                int64_t after_ms) const {
  auto parsed = core::ParseCronSchedule(schedule);
  if (!parsed.ok()) return std::nullopt;  // templates are validated when stored
  auto next = core::NextFire(*parsed, absl::FromUnixMillis(after_ms), options_.zone);
  if (!next) return std::nullopt;
  return absl::ToUnixMillis(*next);
}

void CronScheduler::Sync(int64_t now, ComponentContext& ctx) {
  const auto& templates = ctx.state().cron_jobs().all();
  if (templates == seen_) return;
  seen_ = templates;
  std::map<model::JobKey, Entry> entries;
  for (const auto& [key, job] : *templates) {
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.schedule == job->cron_schedule) {
      entries.emplace(key, std::move(it->second));
    } else {
      entries.emplace(key, Entry{job->cron_schedule, NextAfter(job->cron_schedule, now)});
    }
  }
  entries_ = std::move(entries);
  std::erase_if(waiting_, [&](const auto& w) { return !templates->contains(w.first); });
  Publish();
}

void CronScheduler::Tick(int64_t now, ComponentContext& ctx) {
  Sync(now, ctx);
  std::vector<model::JobKey> due;
  for (auto& [key, entry] : entries_) {
    if (entry.next_ms && *entry.next_ms <= now) {
      due.push_back(key);
      // From now, not from the missed time: a late tick fires once, never catches up.
      entry.next_ms = NextAfter(entry.schedule, now);
    }
  }
  if (!due.empty()) Publish();
  for (const model::JobKey& key : due) {
    ctx.Count("cron_runs_scheduled");
    Run(key, now, ctx);
  }
  std::vector<model::JobKey> ready;
  for (auto& [key, wait] : waiting_) {
    if (now < wait.check_ms) continue;
    if (ctx.state().ActiveTaskCount(key) == 0) {
      ready.push_back(key);
    } else {
      wait.backoff_ms = std::min(wait.backoff_ms * 2, options_.start_max_backoff_ms);
      wait.check_ms = now + wait.backoff_ms;
    }
  }
  for (const model::JobKey& key : ready) {
    waiting_.erase(key);
    if (const model::JobConfiguration* job = ctx.state().cron_jobs().Find(key)) {
      Launch(*job, ctx);
    }
  }
}

bool CronScheduler::Trigger(const model::JobKey& job, int64_t now, ComponentContext& ctx) {
  Sync(now, ctx);
  if (ctx.state().cron_jobs().Find(job) == nullptr) return false;
  ctx.Count("cron_runs_started_by_hand");
  Run(job, now, ctx);
  return true;
}

void CronScheduler::Run(const model::JobKey& key, int64_t now, ComponentContext& ctx) {
  const model::JobConfiguration* job = ctx.state().cron_jobs().Find(key);
  if (job == nullptr) return;
  if (waiting_.contains(key)) {  // a run already waits for the old tasks
    ctx.Count("cron_triggers_ignored");
    return;
  }
  const int64_t active = ctx.state().ActiveTaskCount(key);
  switch (core::CronCollision(job->cron_collision_policy, active)) {
    case core::CronAction::kLaunch:
      Launch(*job, ctx);
      return;
    case core::CronAction::kSkip:
      ctx.Count("cron_runs_skipped");
      return;
    case core::CronAction::kKillThenLaunch:
      break;
  }
  std::vector<model::Task> victims;  // copies: the kills change the table
  if (const state::TaskTable::JobTasks* tasks = ctx.state().table().Job(key)) {
    for (const auto& [id, t] : *tasks) {
      if (model::IsActive(t->status)) victims.push_back(*t);
    }
  }
  const model::JobConfiguration launch = *job;  // the kills may not touch it, but be safe
  for (const model::Task& t : victims) {
    ctx.ChangeTaskState(t, model::ScheduleStatus::kKilling, kKillMessage);
  }
  ctx.Count("cron_runs_killing_previous");
  if (ctx.state().ActiveTaskCount(key) == 0) {  // e.g. only PENDING tasks, removed at once
    Launch(launch, ctx);
    return;
  }
  waiting_[key] = Waiting{now + options_.start_initial_backoff_ms,
                          options_.start_initial_backoff_ms};
}

void CronScheduler::Launch(const model::JobConfiguration& job, ComponentContext& ctx) {
  auto config = std::make_shared<model::TaskConfig>(job.task);
  config->job = job.key;
  std::vector<int32_t> instances(static_cast<size_t>(std::max(job.instance_count, 0)));
  std::iota(instances.begin(), instances.end(), 0);
  ctx.InsertPendingTasks(std::move(config), instances, "");
  ctx.Count("cron_jobs_launched");
}

void CronScheduler::Publish() {
  auto runs = std::make_shared<CronNextRuns>();
  for (const auto& [key, entry] : entries_) {
    if (entry.next_ms) runs->emplace(key, *entry.next_ms);
  }
  next_runs_ = std::move(runs);
}

}  // namespace borealis::scheduler
