// Plan before apply (see plan.h).
#include "borealis/scheduler/plan.h"

#include <memory>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "borealis/core/job_update.h"
#include "borealis/core/placement.h"
#include "borealis/core/preemption.h"
#include "borealis/core/tier_config.h"
#include "borealis/model/schedule_status.h"
#include "borealis/wire/codec.h"
#include "borealis/wire/convert.h"
#include "borealis/wire/response.h"

namespace borealis::scheduler {

namespace {

// FNV-1a, 64 bits: stable across processes and versions, unlike std::hash.
class Fnv64 {
 public:
  void Add(std::string_view bytes) {
    for (char c : bytes) {
      hash_ ^= static_cast<unsigned char>(c);
      hash_ *= 0x100000001b3ULL;
    }
    // A separator, so that ("ab", "c") and ("a", "bc") differ.
    hash_ ^= 0xff;
    hash_ *= 0x100000001b3ULL;
  }
  uint64_t value() const { return hash_; }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// The live agents of the view with what their tasks use (executor overheads included)
// and, as placed_tasks, every task on them: what the scheduler's own ClusterView holds,
// rebuilt from the published view. Tasks of `job` whose instance is in `leaving` are left
// out: the plan replaces them.
core::ClusterView BuildHosts(const SchedulerView& view, const model::JobKey& job,
                             const std::set<int32_t>& leaving, const model::Resources& overhead) {
  core::ClusterView out;
  std::map<model::AgentId, size_t> index;
  for (const auto& [id, rec] : *view.agents) {  // agent_id order, as ClusterView wants
    if (!rec.live()) continue;
    index[id] = out.hosts.size();
    core::HostView& hv = out.hosts.emplace_back();
    hv.agent = rec.info.get();
    hv.statics = rec.statics;
  }
  for (const auto& [id, t] : *view.tasks) {
    if (!model::IsSlaveAssigned(t->status)) continue;
    if (t->job() == job && leaving.contains(t->instance_id)) continue;
    auto it = index.find(t->agent_id);
    if (it == index.end()) continue;
    core::HostView& hv = out.hosts[it->second];
    const model::Resources need = core::TaskNeed(*t->config, overhead);
    hv.used.milli_cpus += need.milli_cpus;
    hv.used.ram_mb += need.ram_mb;
    hv.used.disk_mb += need.disk_mb;
    hv.used.gpus += need.gpus;
    for (const auto& [name, port] : t->assigned_ports) hv.used_ports.insert(port);
    out.placed_tasks.push_back(t.get());
  }
  return out;
}

}  // namespace

std::string PlanToken(const model::JobKey& job, const state::TaskTable::JobTasks* tasks,
                      const std::optional<model::JobUpdateKey>& active_update) {
  Fnv64 h;
  h.Add(job.ToString());
  std::map<int32_t, std::vector<const model::Task*>> by_instance;
  if (tasks != nullptr) {
    for (const auto& [id, t] : *tasks) {
      if (model::IsActive(t->status)) by_instance[t->instance_id].push_back(t.get());
    }
  }
  std::map<const model::TaskConfig*, std::string> encoded;  // configs are shared by tasks
  for (const auto& [instance, list] : by_instance) {
    for (const model::Task* t : list) {
      auto [it, fresh] = encoded.try_emplace(t->config.get());
      if (fresh) {
        it->second = wire::Serialize(wire::Protocol::kBinary, wire::ToThrift(*t->config));
      }
      h.Add(absl::StrCat("instance ", instance));
      h.Add(it->second);
    }
  }
  h.Add(active_update ? active_update->id : std::string("no update"));
  return absl::StrFormat("v1-%016x", h.value());
}

std::optional<model::JobUpdateKey> ActiveUpdateOf(const state::UpdateRecords& records,
                                                  const model::JobKey& job) {
  for (auto it = records.lower_bound(model::JobUpdateKey{job, ""});
       it != records.end() && it->first.job == job; ++it) {
    if (core::IsActiveUpdate(it->second->update.summary.status)) return it->first;
  }
  return std::nullopt;
}

absl::StatusOr<PlanResult> PlanJob(const SchedulerView& view, const api::JobConfiguration& job,
                                   const model::Resources& executor_overhead) {
  api::JobConfiguration filled = job;
  if (!filled.taskConfig.__isset.job || filled.taskConfig.job.role.empty()) {
    filled.taskConfig.__set_job(filled.key);
  }
  absl::StatusOr<model::JobConfiguration> parsed = wire::FromThrift(filled);
  if (!parsed.ok()) return parsed.status();
  const core::TierConfig& tiers = view.tiers ? *view.tiers : core::TierConfig::Default();
  if (absl::Status s = core::ApplyTier(tiers, parsed->task); !s.ok()) return s;
  if (parsed->instance_count <= 0) {
    return absl::InvalidArgumentError("instanceCount: must be positive");
  }
  const model::JobKey key = parsed->key;
  auto proposed = std::make_shared<const model::TaskConfig>(parsed->task);

  PlanResult plan;
  const state::TaskTable::JobTasks* job_tasks = view.tasks->Job(key);
  plan.token = PlanToken(key, job_tasks, ActiveUpdateOf(*view.updates, key));
  std::vector<const model::Task*> tasks;
  if (job_tasks != nullptr) {
    for (const auto& [id, t] : *job_tasks) tasks.push_back(t.get());
  }
  const core::JobDiff diff =
      core::ComputeDiff(core::CurrentConfigs(tasks), proposed, parsed->instance_count, {});
  for (const auto& [i, c] : diff.unchanged) plan.unchanged.push_back(i);
  std::set<int32_t> leaving;
  for (const auto& [i, c] : diff.replaced) {
    leaving.insert(i);
    if (!diff.replacements.contains(i)) plan.removed.push_back(i);
  }

  // The new tasks, as placement would see them once pending.
  std::vector<model::Task> fresh;
  fresh.reserve(diff.replacements.size());
  for (int32_t i : diff.replacements) {
    model::Task& t = fresh.emplace_back();
    t.task_id = model::TaskId(absl::StrCat("plan-", key.ToString(), "-", i));
    t.config = proposed;
    t.instance_id = i;
    t.status = model::ScheduleStatus::kPending;
  }
  std::vector<const model::Task*> pending;
  for (const model::Task& t : fresh) pending.push_back(&t);

  const core::ClusterView hosts = BuildHosts(view, key, leaving, executor_overhead);
  core::PlacementOptions options;
  options.executor_overhead = executor_overhead;
  const core::PlacementResult placed = core::Place(hosts, pending, options);
  std::map<model::TaskId, const core::Assignment*> by_task;
  for (const core::Assignment& a : placed.assignments) by_task[a.task_id] = &a;

  const core::PreemptionSearch search(hosts, executor_overhead);
  std::set<model::TaskId> chosen;  // victims already taken by an earlier instance
  for (const model::Task& t : fresh) {
    const bool replaces = leaving.contains(t.instance_id);
    if (auto it = by_task.find(t.task_id); it != by_task.end()) {
      plan.placed.push_back({t.instance_id, replaces, it->second->host, it->second->ports});
      continue;
    }
    PlanResult::Pending& p = plan.pending.emplace_back();
    p.instance = t.instance_id;
    p.replaces = replaces;
    auto reason = placed.pending_reasons.find(t.task_id);
    p.reason = reason == placed.pending_reasons.end() ? "" : reason->second;
    if (std::optional<core::PreemptionSlot> slot = search.FindSlot(t, {}, chosen)) {
      p.preempt_host = slot->host;
      for (const model::TaskId& v : slot->victim_ids) {
        chosen.insert(v);
        p.victims.push_back(v.str());
      }
    }
  }
  return plan;
}

nlohmann::json PlanJson(const PlanResult& plan) {
  nlohmann::json out = {{"token", plan.token},
                        {"unchanged", plan.unchanged},
                        {"removed", plan.removed},
                        {"placed", nlohmann::json::array()},
                        {"pending", nlohmann::json::array()}};
  for (const PlanResult::Placed& p : plan.placed) {
    out["placed"].push_back(
        {{"instance", p.instance}, {"replaces", p.replaces}, {"host", p.host}, {"ports", p.ports}});
  }
  for (const PlanResult::Pending& p : plan.pending) {
    nlohmann::json one = {{"instance", p.instance}, {"replaces", p.replaces}, {"reason", p.reason}};
    if (p.preempt_host) {
      one["preempt"] = {{"host", *p.preempt_host}, {"victims", p.victims}};
    }
    out["pending"].push_back(std::move(one));
  }
  return out;
}

net::HttpResponse ServePlan(const net::HttpRequest& request, const SchedulerView& view,
                            const model::Resources& executor_overhead) {
  auto error = [](const std::string& message) {
    return net::HttpResponse::Of(400, "application/json",
                                 nlohmann::json{{"error", message}}.dump());
  };
  api::JobConfiguration job;
  if (absl::Status s = wire::Deserialize(wire::Protocol::kJson, request.body, &job); !s.ok()) {
    return error(absl::StrCat("the body is not a JobConfiguration in TJSON: ", s.message()));
  }
  absl::StatusOr<PlanResult> plan = PlanJob(view, job, executor_overhead);
  if (!plan.ok()) return error(std::string(plan.status().message()));
  return net::HttpResponse::Of(200, "application/json", PlanJson(*plan).dump());
}

std::optional<api::Response> CheckPlanToken(const state::ClusterState& state,
                                            const model::JobKey& job, const std::string& token) {
  const std::string now = PlanToken(job, state.table().Job(job), state.updates().ActiveUpdate(job));
  if (now == token) return std::nullopt;
  return wire::MakeResponse(
      api::ResponseCode::INVALID_REQUEST,
      absl::StrCat("Borealis-Check-Token: job ", job.ToString(),
                   " changed since the plan (its configuration, instances or active update); "
                   "the plan assumed ",
                   token, ", the job is now ", now, ". Run `job plan` again."));
}

}  // namespace borealis::scheduler
