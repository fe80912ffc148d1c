#include "borealis/scheduler/update_read_api.h"

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "borealis/core/job_update.h"
#include "borealis/core/tier_config.h"
#include "borealis/wire/convert.h"
#include "borealis/wire/convert_update.h"
#include "borealis/wire/response.h"

namespace borealis::scheduler {

namespace {

// Matching records, newest first, paged.
std::vector<const model::JobUpdateDetails*> Query(const SchedulerView& view,
                                                  const api::JobUpdateQuery& query) {
  std::vector<const model::JobUpdateDetails*> out;
  for (const auto& [key, d] : *view.updates) {
    if (MatchesUpdateQuery(d->update.summary, query)) out.push_back(d.get());
  }
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) {
    const auto& x = a->update.summary;
    const auto& y = b->update.summary;
    return std::tie(y.created_ms, y.key) < std::tie(x.created_ms, x.key);
  });
  const size_t offset = query.offset > 0 ? static_cast<size_t>(query.offset) : 0;
  out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(std::min(offset, out.size())));
  if (query.limit > 0 && out.size() > static_cast<size_t>(query.limit)) {
    out.resize(static_cast<size_t>(query.limit));
  }
  return out;
}

std::set<api::ConfigGroup> Groups(const core::InstanceConfigs& configs) {
  std::set<api::ConfigGroup> out;
  for (const model::InstanceTaskConfig& g : core::GroupByConfig(configs)) {
    api::ConfigGroup group;
    group.__set_config(wire::ToThrift(*g.task));
    group.__set_instances(wire::ToThrift(g.instances));
    out.insert(std::move(group));
  }
  return out;
}

}  // namespace

bool MatchesUpdateQuery(const model::JobUpdateSummary& s, const api::JobUpdateQuery& q) {
  if (q.__isset.key && !q.key.id.empty() && !(wire::FromThrift(q.key) == s.key)) return false;
  if (q.__isset.jobKey && !q.jobKey.role.empty() && !(wire::FromThrift(q.jobKey) == s.key.job)) {
    return false;
  }
  if (!q.role.empty() && q.role != s.key.job.role) return false;
  if (!q.user.empty() && q.user != s.user) return false;
  if (!q.updateStatuses.empty() &&
      !q.updateStatuses.contains(static_cast<api::JobUpdateStatus::type>(s.status))) {
    return false;
  }
  return true;
}

api::Response GetJobUpdateSummaries(const SchedulerView& view, const api::JobUpdateQuery& query) {
  api::GetJobUpdateSummariesResult result;
  for (const auto* d : Query(view, query)) {
    result.updateSummaries.push_back(wire::ToThrift(d->update.summary));
  }
  result.__isset.updateSummaries = true;
  api::Response r = wire::OkResponse();
  wire::SetResult(&r, std::move(result));
  return r;
}

api::Response GetJobUpdateDetails(const SchedulerView& view, const api::JobUpdateKey& key,
                                  const api::JobUpdateQuery& query) {
  api::GetJobUpdateDetailsResult result;
  if (!key.id.empty()) {
    const model::JobUpdateKey k = wire::FromThrift(key);
    auto it = view.updates->find(k);
    if (it == view.updates->end()) {
      return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST,
                                absl::StrCat("Invalid update: ", k.ToString()));
    }
    result.__set_details(wire::ToThrift(*it->second));
    result.detailsList.push_back(result.details);
  } else {
    for (const auto* d : Query(view, query)) result.detailsList.push_back(wire::ToThrift(*d));
  }
  result.__isset.detailsList = true;
  api::Response r = wire::OkResponse();
  wire::SetResult(&r, std::move(result));
  return r;
}

api::Response GetJobUpdateDiff(const SchedulerView& view, const api::JobUpdateRequest& request) {
  if (request.taskConfig.job.role.empty()) {
    return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST, "taskConfig.job: must be set");
  }
  auto config = wire::FromThrift(request.taskConfig);
  if (!config.ok()) {
    return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST,
                              absl::StrCat("taskConfig.", config.status().message()));
  }
  const core::TierConfig& tiers = view.tiers ? *view.tiers : core::TierConfig::Default();
  if (absl::Status s = core::ApplyTier(tiers, *config); !s.ok()) return wire::ErrorResponse(s);
  if (request.instanceCount <= 0) {
    return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST, "instanceCount must be positive");
  }
  auto proposed = std::make_shared<const model::TaskConfig>(std::move(*config));
  std::vector<const model::Task*> tasks;
  if (const state::TaskTable::JobTasks* jt = view.tasks->Job(proposed->job)) {
    for (const auto& [id, t] : *jt) tasks.push_back(t.get());
  }
  const core::InstanceConfigs current = core::CurrentConfigs(tasks);
  const core::JobDiff diff =
      core::ComputeDiff(current, proposed, request.instanceCount,
                        wire::FromThrift(request.settings.updateOnlyTheseInstances));
  core::InstanceConfigs add, remove, update;
  for (int32_t i : diff.replacements) {
    if (!diff.replaced.contains(i)) add[i] = proposed;
  }
  for (const auto& [i, c] : diff.replaced) {
    (diff.replacements.contains(i) ? update : remove)[i] = c;
  }
  api::GetJobUpdateDiffResult result;
  result.__set_add(Groups(add));
  result.__set_remove(Groups(remove));
  result.__set_update(Groups(update));
  result.__set_unchanged(Groups(diff.unchanged));
  api::Response r = wire::OkResponse();
  wire::SetResult(&r, std::move(result));
  return r;
}

api::Response PopulateJobConfig(const SchedulerView& view, const api::JobConfiguration& job) {
  api::JobConfiguration filled = job;
  if (!filled.taskConfig.__isset.job || filled.taskConfig.job.role.empty()) {
    filled.taskConfig.__set_job(filled.key);
  }
  auto parsed = wire::FromThrift(filled);
  if (!parsed.ok()) return wire::ErrorResponse(parsed.status());
  const core::TierConfig& tiers = view.tiers ? *view.tiers : core::TierConfig::Default();
  if (absl::Status s = core::ApplyTier(tiers, parsed->task); !s.ok()) return wire::ErrorResponse(s);
  api::PopulateJobResult result;
  result.__set_taskConfig(wire::ToThrift(parsed->task));
  api::Response r = wire::OkResponse();
  wire::SetResult(&r, std::move(result));
  return r;
}

}  // namespace borealis::scheduler
