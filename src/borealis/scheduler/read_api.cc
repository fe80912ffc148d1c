#include "borealis/scheduler/read_api.h"

#include <algorithm>
#include <map>
#include <set>

#include "borealis/core/quota.h"
#include "borealis/model/job_key.h"
#include "borealis/model/resources.h"
#include "borealis/model/task_config.h"
#include "borealis/wire/convert.h"
#include "borealis/wire/response.h"

namespace borealis::scheduler {

using model::ScheduleStatus;

bool MatchesQuery(const model::Task& task, const api::TaskQuery& q) {
  const model::JobKey& key = task.job();
  if (q.__isset.role && !q.role.empty() && key.role != q.role) return false;
  if (q.__isset.environment && !q.environment.empty() && key.environment != q.environment) {
    return false;
  }
  if (q.__isset.jobName && !q.jobName.empty() && key.name != q.jobName) return false;
  if (q.__isset.taskIds && !q.taskIds.empty() && q.taskIds.count(task.task_id.str()) == 0) return false;
  if (q.__isset.statuses && !q.statuses.empty() &&
      q.statuses.count(wire::ToThrift(task.status)) == 0) {
    return false;
  }
  if (q.__isset.instanceIds && !q.instanceIds.empty() &&
      q.instanceIds.count(task.instance_id) == 0) {
    return false;
  }
  if (q.__isset.slaveHosts && !q.slaveHosts.empty() && q.slaveHosts.count(task.agent_host) == 0) {
    return false;
  }
  if (q.__isset.jobKeys && !q.jobKeys.empty() && q.jobKeys.count(wire::ToThrift(key)) == 0) {
    return false;
  }
  return true;
}

namespace {

// The tasks `q` matches, in the view's order (job key, then task id), passing `keep` too;
// then, as Aurora's getTasks, the first `offset` skipped and at most `limit` kept (each
// only when > 0). Aurora pages its task store's order, which no query can choose; this one
// is stable, so consecutive pages of an unchanged cluster neither skip nor repeat a task.
template <typename Keep>
std::vector<const model::Task*> Page(const SchedulerView& view, const api::TaskQuery& q,
                                     Keep keep) {
  std::vector<const model::Task*> out;
  int64_t skip = q.offset > 0 ? q.offset : 0;
  for (const auto& [id, t] : *view.tasks) {
    if (!MatchesQuery(*t, q) || !keep(*t)) continue;
    if (skip > 0) {
      --skip;
      continue;
    }
    if (q.limit > 0 && out.size() >= static_cast<size_t>(q.limit)) break;
    out.push_back(t.get());
  }
  return out;
}

std::vector<const model::Task*> Page(const SchedulerView& view, const api::TaskQuery& q) {
  return Page(view, q, [](const model::Task&) { return true; });
}

// Per job key, the active task whose latest event is newest, and the active count.
struct JobAggregate {
  const model::Task* newest = nullptr;
  int32_t active = 0;
};

std::map<model::JobKey, JobAggregate> ActiveJobs(const SchedulerView& view,
                                                 const std::string& role) {
  std::map<model::JobKey, JobAggregate> jobs;
  for (const auto& [id, t] : *view.tasks) {
    if (!model::IsActive(t->status)) continue;
    if (!role.empty() && t->job().role != role) continue;
    JobAggregate& agg = jobs[t->job()];
    ++agg.active;
    if (agg.newest == nullptr || t->LatestEventMs() > agg.newest->LatestEventMs()) {
      agg.newest = t.get();
    }
  }
  return jobs;
}

api::JobConfiguration SynthesizeJob(const model::JobKey& key, const JobAggregate& agg) {
  api::JobConfiguration job;
  job.key = wire::ToThrift(key);
  job.owner.user = agg.newest->config->owner_user;
  job.taskConfig = wire::ToThrift(*agg.newest->config);
  job.instanceCount = agg.active;
  return job;
}

// The jobs getJobs and getJobSummary report: those with active tasks, synthesized from
// their newest task, and the cron templates (even with no task), which take precedence.
std::map<model::JobKey, api::JobConfiguration> ReportedJobs(const SchedulerView& view,
                                                            const std::string& role) {
  std::map<model::JobKey, api::JobConfiguration> out;
  for (const auto& [key, agg] : ActiveJobs(view, role)) out.emplace(key, SynthesizeJob(key, agg));
  for (const auto& [key, job] : *view.cron_jobs) {
    if (role.empty() || key.role == role) out.insert_or_assign(key, wire::ToThrift(*job));
  }
  return out;
}

}  // namespace

api::Response GetTasks(const SchedulerView& view, const api::TaskQuery& query,
                       bool strip_executor_data) {
  api::ScheduleStatusResult result;
  for (const model::Task* t : Page(view, query)) {
    api::ScheduledTask st = wire::ToThrift(*t);
    if (strip_executor_data && st.assignedTask.task.__isset.executorConfig) {
      st.assignedTask.task.executorConfig.data.clear();
    }
    result.tasks.push_back(std::move(st));
  }
  api::Response r = wire::OkResponse();
  wire::SetResult(&r, std::move(result));
  return r;
}

api::Response GetJobs(const SchedulerView& view, const std::string& role) {
  api::GetJobsResult result;
  for (auto& [key, job] : ReportedJobs(view, role)) result.configs.insert(std::move(job));
  api::Response r = wire::OkResponse();
  wire::SetResult(&r, std::move(result));
  return r;
}

api::Response GetJobSummary(const SchedulerView& view, const std::string& role) {
  std::map<model::JobKey, api::JobStats> stats;
  for (const auto& [id, t] : *view.tasks) {
    if (!role.empty() && t->job().role != role) continue;
    api::JobStats& s = stats[t->job()];
    switch (t->status) {
      case ScheduleStatus::kInit:
      case ScheduleStatus::kPending:
      case ScheduleStatus::kThrottled:
        ++s.pendingTaskCount;
        break;
      case ScheduleStatus::kKilled:
      case ScheduleStatus::kFinished:
        ++s.finishedTaskCount;
        break;
      case ScheduleStatus::kLost:
      case ScheduleStatus::kFailed:
        ++s.failedTaskCount;
        break;
      default:
        ++s.activeTaskCount;
        break;
    }
  }
  api::JobSummaryResult result;
  for (auto& [key, job] : ReportedJobs(view, role)) {
    api::JobSummary summary;
    summary.job = std::move(job);
    summary.stats = stats[key];
    if (auto next = view.cron_next_runs->find(key); next != view.cron_next_runs->end()) {
      summary.__set_nextCronRunMs(next->second);
    }
    result.summaries.insert(std::move(summary));
  }
  api::Response r = wire::OkResponse();
  wire::SetResult(&r, std::move(result));
  return r;
}

api::Response GetRoleSummary(const SchedulerView& view) {
  std::map<std::string, std::set<model::JobKey>> jobs_by_role;
  std::map<std::string, int32_t> cron_by_role;
  for (const auto& [key, agg] : ActiveJobs(view, "")) jobs_by_role[key.role].insert(key);
  for (const auto& [key, job] : *view.cron_jobs) {
    jobs_by_role[key.role];  // a role with only cron jobs is listed too
    ++cron_by_role[key.role];
  }
  api::RoleSummaryResult result;
  for (const auto& [role, jobs] : jobs_by_role) {
    api::RoleSummary s;
    s.role = role;
    s.jobCount = static_cast<int32_t>(jobs.size());
    s.cronJobCount = cron_by_role[role];
    result.summaries.insert(s);
  }
  api::Response r = wire::OkResponse();
  wire::SetResult(&r, std::move(result));
  return r;
}

api::Response GetPendingReason(const SchedulerView& view, const api::TaskQuery& query) {
  if ((query.__isset.statuses && !query.statuses.empty()) ||
      (query.__isset.slaveHosts && !query.slaveHosts.empty())) {
    return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST,
                              "Statuses or slaveHosts are not supported in " + query.jobName);
  }
  api::GetPendingReasonResult result;
  // Paged after the pending filter, as Aurora narrows its query to pending tasks first.
  auto pending = [](const model::Task& t) {
    return t.status == ScheduleStatus::kPending || t.status == ScheduleStatus::kThrottled;
  };
  for (const model::Task* t : Page(view, query, pending)) {
    api::PendingReason pr;
    pr.taskId = t->task_id.str();
    const PendingReason* why =
        t->status == ScheduleStatus::kPending ? view.pending_reasons->Find(*t) : nullptr;
    pr.reason = why != nullptr ? why->text : "Waiting to be scheduled";
    result.reasons.insert(pr);
  }
  api::Response r = wire::OkResponse();
  wire::SetResult(&r, std::move(result));
  return r;
}

api::Response GetConfigSummary(const SchedulerView& view, const api::JobKey& job) {
  const model::JobKey key = wire::FromThrift(job);
  // Group active instances by identical TaskConfig.
  std::vector<std::pair<const model::TaskConfig*, std::set<int32_t>>> groups;
  for (const auto& [id, t] : *view.tasks) {
    if (t->job() != key || !model::IsActive(t->status)) continue;
    const model::TaskConfig* config = t->config.get();  // a lambda may not capture `t` (Clang 14)
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return *g.first == *config; });
    if (it == groups.end()) {
      groups.push_back({t->config.get(), {t->instance_id}});
    } else {
      it->second.insert(t->instance_id);
    }
  }
  api::ConfigSummaryResult result;
  result.summary.key = job;
  for (const auto& [config, instances] : groups) {
    api::ConfigGroup g;
    g.config = wire::ToThrift(*config);
    for (auto it = instances.begin(); it != instances.end();) {
      api::Range range;
      range.first = *it;
      range.last = *it;
      for (++it; it != instances.end() && *it == range.last + 1; ++it) range.last = *it;
      g.instances.insert(range);
    }
    result.summary.groups.insert(std::move(g));
  }
  api::Response r = wire::OkResponse();
  wire::SetResult(&r, std::move(result));
  return r;
}

api::Response GetTierConfigs(const core::TierConfig& tiers) {
  api::GetTierConfigResult result;
  result.defaultTierName = tiers.default_tier;
  for (const auto& [name, tier] : tiers.tiers) {
    api::TierConfig t;
    t.name = name;
    t.settings["preemptible"] = tier.preemptible ? "true" : "false";
    t.settings["revocable"] = tier.revocable ? "true" : "false";
    result.tiers.insert(std::move(t));
  }
  api::Response r = wire::OkResponse();
  wire::SetResult(&r, std::move(result));
  return r;
}

api::Response GetQuota(const SchedulerView& view, const std::string& role) {
  if (role.empty()) return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST, "ownerRole: empty");
  model::Resources quota;
  if (auto it = view.quotas.find(role); it != view.quotas.end()) quota = it->second;
  const core::QuotaConsumption used = core::ComputeConsumption(role, *view.tasks);
  api::GetQuotaResult result;
  result.quota = wire::ToResourceAggregate(quota);
  result.__set_prodSharedConsumption(wire::ToResourceAggregate(used.prod_shared));
  result.__set_nonProdSharedConsumption(wire::ToResourceAggregate(used.nonprod_shared));
  result.__set_prodDedicatedConsumption(wire::ToResourceAggregate(used.prod_dedicated));
  result.__set_nonProdDedicatedConsumption(wire::ToResourceAggregate(used.nonprod_dedicated));
  api::Response r = wire::OkResponse();
  wire::SetResult(&r, std::move(result));
  return r;
}

}  // namespace borealis::scheduler
