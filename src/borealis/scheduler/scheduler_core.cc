#include "borealis/scheduler/scheduler_core.h"

#include <algorithm>
#include <array>
#include <numeric>
#include <optional>
#include <variant>

#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "absl/strings/str_join.h"
#include "borealis/core/feasibility.h"
#include "borealis/core/job_validation.h"
#include "borealis/core/quota.h"
#include "borealis/core/restart.h"
#include "borealis/model/container.h"
#include "borealis/model/task_config.h"
#include "borealis/scheduler/event_derivation.h"
#include "borealis/scheduler/storage_codec.h"
#include "borealis/wire/exec_grant.h"
#include "borealis/wire/convert.h"
#include "borealis/wire/response.h"

namespace borealis::scheduler {

using model::ScheduleStatus;


SchedulerCore::SchedulerCore(SchedulerOptions options, base::Clock& clock, state::Store& store,
                             AgentTransport& transport, uint64_t seed)
    : options_(std::move(options)),
      clock_(clock),
      store_(store),
      transport_(transport),
      rng_(seed),
      scheduler_host_(options_.scheduler_host),
      job_validator_(
          core::JobLimits{options_.max_instances_per_job, options_.environment_pattern}),
      tiers_(std::make_shared<const core::TierConfig>(options_.tiers)),
      placer_(options_.executor_overhead),
      blocked_(options_.rules.blocked_recheck_ms, options_.executor_overhead,
               options_.rules.enable_blocked_set),
      preemptor_(options_.rules, options_.executor_overhead),
      pruner_(options_.rules),
      reconciler_(options_.rules),
      updates_(options_.updates),
      cron_(options_.cron),
      maintenance_([this] {
        MaintenanceOptions m = options_.maintenance;
        m.cluster_name = options_.cluster_name;
        return m;
      }()),
      view_(std::make_shared<SchedulerView>()) {
  auto view = std::make_shared<SchedulerView>();
  view->tasks = state_.tasks();
  view->tiers = tiers_;
  view_ = std::move(view);
}

core::TransitionContext SchedulerCore::Context() {
  core::TransitionContext ctx;
  ctx.now_ms = clock_.NowMs();
  ctx.scheduler_host = scheduler_host_;
  ctx.max_task_events = options_.max_task_events;
  ctx.rng = &rng_;
  ctx.flapping_penalty_ms = [this](const model::Task& terminated) {
    return FlappingPenaltyMs(terminated);
  };
  return ctx;
}

int64_t SchedulerCore::FlappingPenaltyMs(const model::Task& task) {
  const core::TaskLookup lookup = [this](const model::TaskId& id) { return state_.FindTask(id); };
  return core::FlappingPenaltyMs(task, lookup, options_.flapping, rng_);
}

absl::Status SchedulerCore::Recover() {
  base::ThreadOwner::SetUpScope set_up(owner_);  // the loop thread takes over afterwards
  auto recovered = store_.Load();
  if (!recovered.ok()) return recovered.status();
  if (events_ != nullptr) events_->StartAt(recovered->first_seq);
  if (recovered->snapshot) {
    absl::Status s = DecodeSnapshot(*recovered->snapshot, &state_);
    if (!s.ok()) return absl::DataLossError(absl::StrCat("recovering the snapshot: ", s.message()));
  }
  for (size_t i = 0; i < recovered->records.size(); ++i) {
    auto mutations = DecodeTransaction(recovered->records[i]);
    if (!mutations.ok()) {
      return absl::DataLossError(
          absl::StrCat("recovering log record ", i, ": ", mutations.status().message()));
    }
    for (const state::Mutation& m : *mutations) {
      const auto* change = std::get_if<state::ChangeTasks>(&m);
      if (const model::TaskId* unknown = change ? state_.Unknown(*change) : nullptr) {
        return absl::DataLossError(absl::StrCat("recovering log record ", i,
                                                ": a change to task ", unknown->str(),
                                                ", which the log does not hold"));
      }
      std::vector<std::shared_ptr<const model::Task>> replaced;
      state_.Apply(m, events_ != nullptr ? &replaced : nullptr);
      if (events_ != nullptr) AppendMutationEvents(m, replaced, state_, &record_events_);
    }
    if (events_ != nullptr) {  // the window holds the replayed records' events again
      SortRecordEvents(&record_events_);
      events_->PublishRecord(recovered->first_seq + i, std::move(record_events_));
      record_events_ = {};
    }
  }
  if (events_ != nullptr) events_->Restarted();
  // Agents named by recovered tasks get a record so that, if they never come back,
  // their tasks are declared LOST after the agent timeout.
  const int64_t now = clock_.NowMs();
  for (const auto& [id, t] : state_.table()) {
    if (!model::IsSlaveAssigned(t->status) || t->agent_id.empty()) continue;
    AgentRecord& rec = agents_.Add(t->agent_id);
    if (!rec.registered) {
      auto info = std::make_shared<model::AgentInfo>();
      info->agent_id = t->agent_id;
      info->host = t->agent_host;
      rec.info = std::move(info);
      rec.last_seen_ms = now;
    }
  }
  AgentsChanged();
  Count("recovered_tasks", static_cast<int64_t>(state_.task_count()));
  placement_dirty_ = true;
  records_since_snapshot_ = store_.records_since_snapshot();
  cron_.Sync(now, context());  // next runs from now: runs missed while down are not replayed
  return Flush();
}

void SchedulerCore::Mutate(state::Mutation m) {
  // Saves record the versions they replace, so that the log can store only the change.
  auto* save = std::get_if<state::SaveTasks>(&m);
  state_.Apply(m, save ? &save->replaced : nullptr);
  if (events_ != nullptr) {
    static const std::vector<std::shared_ptr<const model::Task>> kNone;
    AppendMutationEvents(m, save ? save->replaced : kNone, state_, &record_events_);
  }
  // Placement's host table holds the hosts' maintenance modes; the event stream shows
  // each change (docs/events.md).
  if (const auto* mode = std::get_if<state::SaveHostMode>(&m)) {
    AgentsChanged();
    placement_dirty_ = true;
    PublishHostEvent("host_maintenance", mode->host,
                     std::string(model::MaintenanceModeName(mode->mode)), "");
  }
  pending_mutations_.push_back(std::move(m));
}

void SchedulerCore::SaveTask(std::shared_ptr<const model::Task> task) {
  // Consecutive saves share one mutation (the log encodes a run of saves as one anyway).
  auto* run = pending_mutations_.empty()
                  ? nullptr
                  : std::get_if<state::SaveTasks>(&pending_mutations_.back());
  if (run == nullptr) run = &std::get<state::SaveTasks>(pending_mutations_.emplace_back());
  const model::Task* saved = task.get();
  state_.SaveInto(std::move(task), run);
  if (events_ != nullptr) AppendTaskEvents(*saved, run->replaced.back().get(), &record_events_);
}

void SchedulerCore::PublishHostEvent(std::string type, const std::string& host,
                                     std::string status, std::string message) {
  owner_.Check();
  if (events_ == nullptr) return;
  model::SchedulerEvent e;
  e.time_ms = clock_.NowMs();
  e.type = std::move(type);
  e.host = host;
  e.status = std::move(status);
  e.message = std::move(message);
  host_events_.push_back(std::move(e));
}

void SchedulerCore::QueueSend(const model::AgentId& agent_id, OutgoingMessage message) {
  outbox_.emplace_back(agent_id, std::move(message));
}

void SchedulerCore::SendKill(const model::AgentId& agent_id, const model::TaskId& task_id,
                             const std::string& message) {
  if (agent_id.empty()) return;
  agentproto::KillTask kill;
  kill.taskId = task_id.str();
  kill.message = message;
  QueueSend(agent_id, std::move(kill));
  last_kill_sent_ms_[task_id] = clock_.NowMs();
}

void SchedulerCore::SendKill(const model::Task& task, const std::string& message) {
  SendKill(task.agent_id, task.task_id, message);
}

std::shared_ptr<const model::Task> SchedulerCore::ApplyChange(const model::Task& before,
                                                              core::TaskChange change,
                                                              const std::string& kill_message) {
  if (!change.legal) {
    if (!change.noop) Count("scheduler_illegal_task_state_transitions");
    if (change.send_kill) SendKill(before, "Task is not expected to run");
    return nullptr;
  }
  std::shared_ptr<const model::Task> after_ptr;
  if (change.updated) {
    after_ptr = std::make_shared<const model::Task>(std::move(*change.updated));
    SaveTask(after_ptr);
  }
  if (change.replacement) {
    SaveTask(std::make_shared<const model::Task>(std::move(*change.replacement)));
  }
  const bool replaced = change.replacement.has_value();
  if (change.deleted) Mutate(state::RemoveTasks{{before.task_id}});
  // The update controller looks at the instance again (a no-op without an active update,
  // so not timed then: no clock read per task change).
  if (updates_.active() > 0) {
    TimeUpdates([&] { updates_.OnTaskChanged(before.job(), before.task_id, before.instance_id); });
  }
  if (change.send_kill) SendKill(before, kill_message);
  const model::Task* after = after_ptr.get();
  if (!after || model::IsTerminal(after->status) || change.deleted) {
    last_kill_sent_ms_.erase(before.task_id);
  }
  if (replaced || change.deleted ||
      (after && model::IsTerminal(after->status))) {
    placement_dirty_ = true;
  }
  Count(TransitionCounter(after ? std::optional(after->status) : std::nullopt));
  return change.deleted ? nullptr : after_ptr;
}

std::string_view SchedulerCore::TransitionCounter(std::optional<ScheduleStatus> to) {
  static const std::array<std::string, 20> names = [] {
    std::array<std::string, 20> out;  // by status value (0..18), then DELETED
    for (ScheduleStatus st : model::AllStatuses()) {
      out.at(static_cast<size_t>(st)) =
          absl::StrCat("task_transitions_to_", std::string(model::StatusName(st)));
    }
    out.back() = "task_transitions_to_DELETED";
    return out;
  }();
  const size_t i = to ? static_cast<size_t>(*to) : names.size() - 1;
  return i < names.size() ? std::string_view(names[i]) : std::string_view(names.back());
}

void SchedulerCore::ChangeTaskState(const model::Task& task, ScheduleStatus to,
                                    const std::string& message) {
  // `task` may point into the state we are changing: hold the stored object (or a copy).
  std::shared_ptr<const model::Task> held = state_.FindTaskPtr(task.task_id);
  if (held.get() != &task) held = std::make_shared<const model::Task>(task);
  const model::Task& before = *held;
  ApplyChange(before, core::ChangeState(before, to, message, Context()),
              message.empty() ? std::string("Killed by the scheduler") : message);
}

// ---------------------------------------------------------------- API calls

api::Response SchedulerCore::CreateJob(const api::JobConfiguration& description) {
  owner_.Check();
  api::JobConfiguration filled = description;
  // Aurora clients may leave taskConfig.job unset and rely on the job key.
  if (!filled.taskConfig.__isset.job || filled.taskConfig.job.role.empty()) {
    filled.taskConfig.__set_job(filled.key);
  }
  auto job = wire::FromThrift(filled);
  if (!job.ok()) return wire::ErrorResponse(job.status());
  if (absl::Status s = core::ApplyTier(*tiers_, job->task); !s.ok()) {
    return wire::ErrorResponse(s);
  }
  if (absl::Status s = job_validator_.Validate(*job); !s.ok()) return wire::ErrorResponse(s);
  if (!job->cron_schedule.empty()) {
    return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST,
                              "Cron jobs may only be created/updated by calling scheduleCronJob.");
  }
  if (auto refused = RefuseWhileUpdating(job->key)) return *refused;
  if (state_.ActiveTaskCount(job->key) > 0) {
    return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST,
                              absl::StrCat("Job already exists: ", job->key.ToString()));
  }
  if (absl::Status s = CheckJobQuota(*job); !s.ok()) return wire::ErrorResponse(s);
  // Usually the first agent can hold the job: check agents one at a time, and only when
  // none can, once more over all of them for the explanation (copying 10,000 AgentInfos
  // for every createJob was its main cost).
  bool some_agent = false;
  bool fits_one = false;
  for (const auto& [id, rec] : agents_.records()) {
    if (!rec.registered) continue;
    some_agent = true;
    if (core::CheckSomeHostCouldHold(job->task, {*rec.info}, options_.executor_overhead).ok()) {
      fits_one = true;
      break;
    }
  }
  if (some_agent && !fits_one) {
    std::vector<model::AgentInfo> agents;
    for (const auto& [id, rec] : agents_.records()) {
      if (rec.registered) agents.push_back(*rec.info);
    }
    absl::Status fits =
        core::CheckSomeHostCouldHold(job->task, agents, options_.executor_overhead);
    if (!fits.ok()) return wire::ErrorResponse(fits);
  }
  std::vector<int32_t> instances(static_cast<size_t>(job->instance_count));
  std::iota(instances.begin(), instances.end(), 0);
  InsertPendingTasks(std::make_shared<const model::TaskConfig>(job->task), instances, "");
  Count("jobs_created");
  return wire::OkResponse();
}

void SchedulerCore::InsertPendingTasks(std::shared_ptr<const model::TaskConfig> config,
                                       const std::vector<int32_t>& instances,
                                       std::string_view message) {
  state::SaveTasks save;  // shared: the state keeps these very objects, no copy
  save.shared.reserve(instances.size());
  const core::TransitionContext ctx = Context();
  for (int32_t instance : instances) {
    save.shared.push_back(
        std::make_shared<const model::Task>(core::NewPendingTask(config, instance, message, ctx)));
  }
  Mutate(std::move(save));
  placement_dirty_ = true;
}

api::Response SchedulerCore::AddInstances(const model::InstanceKey& key, int32_t count) {
  owner_.Check();
  const model::JobKey& job = key.job;
  if (auto refused = RefuseWhileUpdating(job)) return *refused;
  if (count < 1) {
    return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST,
                              absl::StrCat("count: must be at least 1, got ", count));
  }
  if (state_.cron_jobs().Find(job) != nullptr) {
    return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST,
                              "Instances may not be added to cron jobs.");
  }
  const model::Task* source = nullptr;
  int64_t active = 0;
  int32_t last_id = -1;
  if (const state::TaskTable::JobTasks* tasks = state_.table().Job(job)) {
    for (const auto& [id, t] : *tasks) {
      if (!model::IsActive(t->status)) continue;
      ++active;
      last_id = std::max(last_id, t->instance_id);
      if (t->instance_id == key.instance_id) source = t.get();
    }
  }
  if (source == nullptr || !source->config) {
    return wire::MakeResponse(
        api::ResponseCode::INVALID_REQUEST,
        absl::StrCat("instanceId: no active task of job ", job.ToString(), " has instance ",
                     key.instance_id));
  }
  if (active + count > options_.max_instances_per_job) {
    return wire::MakeResponse(
        api::ResponseCode::INVALID_REQUEST,
        absl::StrCat("count: ", active, " active instances plus ", count,
                     " exceeds the limit of ", options_.max_instances_per_job,
                     " instances per job"));
  }
  if (static_cast<int64_t>(last_id) + count > INT32_MAX) {
    return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST,
                              "count: the new instance ids would overflow");
  }
  model::JobConfiguration added;  // what the new instances ask of the role's quota
  added.key = job;
  added.task = *source->config;
  added.instance_count = count;
  if (absl::Status s = CheckJobQuota(added); !s.ok()) return wire::ErrorResponse(s);
  std::vector<int32_t> instances(static_cast<size_t>(count));
  std::iota(instances.begin(), instances.end(), last_id + 1);
  InsertPendingTasks(source->config, instances, "");  // the config is shared, not copied
  Count("instances_added", count);
  return wire::OkResponse();
}

absl::Status SchedulerCore::CheckJobQuota(const model::JobConfiguration& job) const {
  if (!core::ConsumesQuota(job.task)) return absl::OkStatus();
  const std::string& role = job.key.role;
  const model::Resources* stored = state_.FindQuota(role);
  const model::Resources quota = stored ? *stored : model::Resources{};
  const core::QuotaConsumption used = state_.QuotaUse(role);
  model::Resources requested;
  requested.milli_cpus = job.task.resources.milli_cpus * job.instance_count;
  requested.ram_mb = job.task.resources.ram_mb * job.instance_count;
  requested.disk_mb = job.task.resources.disk_mb * job.instance_count;
  return core::CheckQuota(role, quota, used.prod_shared, requested);
}

api::Response SchedulerCore::SetQuota(const std::string& role,
                                      const api::ResourceAggregate& aggregate) {
  owner_.Check();
  if (!core::IsGoodIdentifier(role)) {
    return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST,
                              absl::StrCat("ownerRole: '", role, "' is not a valid identifier"));
  }
  auto quota = wire::FromThrift(aggregate);
  if (!quota.ok()) return wire::ErrorResponse(quota.status());
  if (quota->gpus != 0 || !quota->named_ports.empty()) {
    return wire::MakeResponse(api::ResponseCode::INVALID_REQUEST,
                              "quota: only numCpus, ramMb and diskMb may be set");
  }
  const core::QuotaConsumption used = state_.QuotaUse(role);
  if (absl::Status s = core::ValidateNewQuota(role, *quota, used.prod_shared); !s.ok()) {
    return wire::ErrorResponse(s);
  }
  Mutate(state::SaveQuota{role, *quota});
  Count("quota_changes");
  return wire::OkResponse();
}

api::Response SchedulerCore::KillTasks(const model::JobKey& key,
                                       const std::set<int32_t>& instances,
                                       const std::string& message) {
  owner_.Check();
  if (auto refused = RefuseWhileUpdating(key)) return *refused;
  std::vector<model::Task> victims;
  if (const state::TaskTable::JobTasks* tasks = state_.table().Job(key)) {
    for (const auto& [id, t] : *tasks) {
      if (model::IsActive(t->status) &&
          (instances.empty() || instances.count(t->instance_id) > 0)) {
        victims.push_back(*t);
      }
    }
  }
  if (victims.empty()) return wire::OkResponse("No tasks to kill.");
  const std::string why = message.empty() ? "Killed by request" : message;
  for (const auto& t : victims) ChangeTaskState(t, ScheduleStatus::kKilling, why);
  return wire::OkResponse();
}

api::Response SchedulerCore::RestartShards(const model::JobKey& key,
                                           const std::set<int32_t>& instances) {
  owner_.Check();
  if (auto refused = RefuseWhileUpdating(key)) return *refused;  // as Aurora
  std::vector<const model::Task*> tasks;
  if (const state::TaskTable::JobTasks* job = state_.table().Job(key)) {
    for (const auto& [id, t] : *job) tasks.push_back(t.get());
  }
  auto targets = core::SelectRestartTasks(key.ToString(), tasks, instances);
  if (!targets.ok()) return wire::ErrorResponse(targets.status());
  std::vector<model::Task> restart;  // copies: each change replaces the stored task
  for (const model::Task* t : *targets) restart.push_back(*t);
  for (const auto& t : restart) {
    ChangeTaskState(t, ScheduleStatus::kRestarting, core::kRestartMessage);
  }
  Count("tasks_restarted", static_cast<int64_t>(restart.size()));
  return wire::OkResponse();
}

// ---------------------------------------------------------------- agents

void SchedulerCore::OnAgentRegister(const agentproto::RegisterAgent& registration) {
  owner_.Check();
  auto info = wire::FromThrift(registration);
  if (!info.ok()) {
    Count("agent_registrations_rejected");
    return;
  }
  AgentRecord& rec = agents_.Add(info->agent_id);
  rec.info = std::make_shared<const model::AgentInfo>(*info);
  rec.statics = core::MakeHostStatic(*rec.info);
  rec.registered = true;
  rec.connected = true;
  AgentsChanged();
  rec.last_seen_ms = clock_.NowMs();
  agentproto::AgentRegistered registered;
  registered.agentId = info->agent_id.str();
  registered.heartbeatIntervalMs = options_.heartbeat_interval_ms;
  if (!options_.exec_master_key.empty()) {
    registered.__set_execKey(
        wire::DeriveAgentExecKey(options_.exec_master_key, info->agent_id.str()));
  }
  QueueSend(info->agent_id, std::move(registered));
  reconciler_.OnRegister(registration, context());
  placement_dirty_ = true;
  Count("agent_registrations");
  PublishHostEvent("host_registered", info->host, "REGISTERED",
                   absl::StrCat("Agent ", info->agent_id.str(), " registered"));
}

void SchedulerCore::OnStatusUpdate(const model::AgentId& agent_id,
                                   const agentproto::StatusUpdate& update) {
  owner_.Check();
  Count("status_updates");
  // Acknowledge once what the update caused is durable.
  agentproto::Acknowledge ack;
  ack.uuid = update.uuid;
  ack.taskId = update.taskId;
  QueueSend(agent_id, std::move(ack));
  if (AgentRecord* rec = agents_.Find(agent_id)) rec->last_seen_ms = clock_.NowMs();
  if (histograms_.status_update_delay_seconds != nullptr && update.timestampMs > 0) {
    const int64_t delay_ms = std::max<int64_t>(0, clock_.NowMs() - update.timestampMs);
    histograms_.status_update_delay_seconds->Observe(static_cast<double>(delay_ms) / 1000);
  }

  auto status = wire::FromThrift(update.status);
  if (!status.ok()) {
    Count("status_updates_rejected");
    return;
  }
  const model::TaskId task_id(update.taskId);
  const model::Task* task = state_.FindTask(task_id);
  if (task == nullptr || task->agent_id != agent_id) {
    if (core::ShouldKillUnknownTask(*status)) {
      SendKill(agent_id, task_id, "Task is not expected to run on this agent");
    }
    return;
  }
  ChangeTaskState(*task, *status, update.message);
}

void SchedulerCore::OnHeartbeat(const model::AgentId& agent_id) {
  owner_.Check();
  if (AgentRecord* rec = agents_.Find(agent_id)) {
    rec->last_seen_ms = clock_.NowMs();
    if (!rec->connected) AgentsChanged();
    rec->connected = true;
  }
}

void SchedulerCore::OnAgentDisconnected(const model::AgentId& agent_id) {
  owner_.Check();
  if (AgentRecord* rec = agents_.Find(agent_id)) {
    rec->connected = false;
    AgentsChanged();
    placement_dirty_ = true;
  }
}

void SchedulerCore::LoseAgent(const model::AgentId& agent_id, const std::string& why) {
  if (const AgentRecord* rec = agents_.Find(agent_id); rec != nullptr && rec->info) {
    PublishHostEvent("host_lost", rec->info->host, "LOST", why);
  }
  partitions_.OnAgentLost(agent_id, why, context());
  agents_.Erase(agent_id);
  AgentsChanged();
  placement_dirty_ = true;
  Count("agents_lost");
}

// ---------------------------------------------------------------- timers

void SchedulerCore::Tick() {
  owner_.Check();
  const int64_t now = clock_.NowMs();
  std::vector<model::AgentId> lost;
  for (const auto& [id, rec] : agents_.records()) {
    if (now - rec.last_seen_ms > options_.agent_timeout_ms) lost.push_back(id);
  }
  for (const auto& id : lost) {
    LoseAgent(id, absl::StrCat("Agent ", agents_.Find(id)->info->host, " (", id.str(), ") was silent for more than ",
                               options_.agent_timeout_ms, " ms"));
  }
  std::vector<model::Task> retry_kill;
  std::vector<model::Task> timed_out;
  // Only tasks in transient states, from the state's index (id order within each state).
  for (ScheduleStatus status : {ScheduleStatus::kAssigned, ScheduleStatus::kKilling,
                                ScheduleStatus::kPreempting, ScheduleStatus::kRestarting,
                                ScheduleStatus::kDraining}) {
    for (const model::Task* t : state_.InStatus(status)) {
      const model::TaskId& id = t->task_id;
      if (now - t->LatestEventMs() > options_.transient_timeout_ms) {
        timed_out.push_back(*t);
      } else if (t->status != ScheduleStatus::kAssigned) {
        auto it = last_kill_sent_ms_.find(id);
        if (it == last_kill_sent_ms_.end() || now - it->second >= KillRetryDelayMs(id)) {
          retry_kill.push_back(*t);
        }
      }
    }
  }
  // The old full scan visited tasks in id order; keep that order across the states.
  auto by_id = [](const model::Task& a, const model::Task& b) { return a.task_id < b.task_id; };
  std::sort(timed_out.begin(), timed_out.end(), by_id);
  std::sort(retry_kill.begin(), retry_kill.end(), by_id);
  for (const auto& t : timed_out) {
    ChangeTaskState(t, ScheduleStatus::kLost, "Task timed out");
    Count("timed_out_tasks");
  }
  for (const auto& t : retry_kill) {
    ++kill_retries_[t.task_id];
    SendKill(t, "Killed by request");
    Count("task_kill_retries");
  }
  ReleaseThrottled(now);
  RunComponents(now);
}

void SchedulerCore::RunComponents(int64_t now) {
  ComponentContext& ctx = context();
  partitions_.Tick(now, ctx);
  preemptor_.Tick(now, ctx);
  if (pruner_.Tick(now, ctx)) ForgetKillRetriesOfEndedTasks();
  reconciler_.Tick(now, ctx);
  cron_.Tick(now, ctx);
  maintenance_.Tick(now, ctx);
  TimeUpdates([&] { updates_.Tick(now, ctx); });
}

int64_t SchedulerCore::KillRetryDelayMs(const model::TaskId& task_id) const {
  // Aurora's truncated binary backoff: --kill-retry-ms, doubled after each retry, at most
  // the transient-state timeout.
  auto it = kill_retries_.find(task_id);
  const int32_t retries = it == kill_retries_.end() ? 0 : it->second;
  int64_t delay = std::max<int64_t>(1, options_.kill_retry_ms);
  for (int32_t i = 0; i < retries && delay < options_.transient_timeout_ms; ++i) delay *= 2;
  return std::min(delay, std::max(options_.kill_retry_ms, options_.transient_timeout_ms));
}

void SchedulerCore::ForgetKillRetriesOfEndedTasks() {
  for (auto it = kill_retries_.begin(); it != kill_retries_.end();) {
    const model::Task* t = state_.FindTask(it->first);
    it = t == nullptr || model::IsTerminal(t->status) ? kill_retries_.erase(it) : std::next(it);
  }
}

void SchedulerCore::ReleaseThrottled(int64_t now) {
  std::vector<model::Task> release;
  std::map<model::TaskId, int64_t> still_throttled;
  for (const model::Task* t : state::SortedById(state_.InStatus(ScheduleStatus::kThrottled))) {
    const model::TaskId& id = t->task_id;
    auto it = throttle_release_ms_.find(id);
    // The delay is recomputed from this task's ancestors, once per task.
    const int64_t at = it != throttle_release_ms_.end()
                           ? it->second
                           : core::ThrottleReleaseMs(*t, FlappingPenaltyMs(*t));
    if (now >= at) {
      release.push_back(*t);
    } else {
      still_throttled[id] = at;
    }
  }
  throttle_release_ms_ = std::move(still_throttled);
  // Aurora records no message on this change.
  for (const auto& t : release) ChangeTaskState(t, ScheduleStatus::kPending, "");
  if (!release.empty()) placement_dirty_ = true;
}

// ---------------------------------------------------------------- placement

void SchedulerCore::AssignAndLaunch(const core::Assignment& a) {
  const std::shared_ptr<const model::Task> before = state_.FindTaskPtr(a.task_id);
  if (before == nullptr) return;
  core::TaskChange change = core::AssignTask(*before, a.agent_id, a.host, a.ports, "", Context());
  if (!change.legal || !change.updated) {
    ApplyChange(*before, std::move(change));
    return;
  }
  std::shared_ptr<const model::Task> assigned = ApplyChange(*before, std::move(change));
  if (assigned == nullptr) return;
  QueueSend(a.agent_id, LaunchMessage{std::move(assigned)});
  Count("tasks_assigned");
}

core::ClusterView SchedulerCore::BuildClusterView(const std::set<model::JobKey>& jobs) const {
  core::ClusterView view;
  view.hosts.reserve(agents_.records().size());
  const bool any_held = preemptor_.holds_any();
  for (const auto& [id, rec] : agents_.records()) {  // agent_id order, as the view promises
    if (!rec.registered || !rec.connected) continue;
    core::HostView& hv = view.hosts.emplace_back();
    hv.agent = rec.info.get();
    hv.statics = rec.statics;
    hv.schedulable = !any_held || !preemptor_.Holds(id);
    // docs/maintenance.md: DRAINING and DRAINED hosts take nothing; SCHEDULED ones are
    // used only when no other host fits.
    switch (state_.maintenance().ModeOf(rec.info->host)) {
      case model::MaintenanceMode::kDraining:
      case model::MaintenanceMode::kDrained:
        hv.schedulable = false;
        break;
      case model::MaintenanceMode::kScheduled:
        hv.avoid = true;
        break;
      case model::MaintenanceMode::kNone:
        break;
    }
    if (const state::AgentLoad* load = state_.LoadOf(id)) {
      hv.used = UsedWithOverhead(*load, options_.executor_overhead);
      hv.used_ports_ref = &load->ports;  // the state outlives the view's use
      hv.tasks_stamp = load->stamp;
    }
  }
  for (const model::JobKey& job : jobs) {
    const state::TaskTable::JobTasks* tasks = state_.table().Job(job);
    if (tasks == nullptr) continue;
    for (const auto& [id, t] : *tasks) {
      if (model::IsSlaveAssigned(t->status)) view.placed_tasks.push_back(t.get());
    }
  }
  return view;
}

void SchedulerCore::Schedule() {
  owner_.Check();
  // May insert PENDING tasks: before placement.
  TimeUpdates([&] { updates_.Run(clock_.NowMs(), context()); });
  if (!placement_dirty_) return;
  placement_dirty_ = false;
  ComponentContext& ctx = context();
  const int64_t now = clock_.NowMs();
  const std::vector<model::AgentId> held = preemptor_.HeldAgents();
  if (state_.pending().empty()) {
    pending_reasons_.Clear();
    blocked_.Clear(ctx);
    blocked_.WakeBeforePass(now, placer_.Idle(ctx, held), held, ctx);  // follows the hosts
    return;
  }
  // The blocked set wakes what the events since the last pass may let fit; placement
  // walks the rest of the runnable tasks; what still fits nowhere is parked again.
  const int64_t t0 = base::RealClock::Get().MonoNowNs();
  const bool hosts_changed = placer_.Refresh(ctx, held);
  bool reasons_changed = blocked_.WakeBeforePass(now, hosts_changed, held, ctx);
  if (blocked_.ParkWhatFitsNowhere(now, ctx)) reasons_changed = true;
  core::PlacementResult result = placer_.PlaceRunnable(ctx);
  if (histograms_.placement_seconds != nullptr) {
    histograms_.placement_seconds->Observe(
        static_cast<double>(base::RealClock::Get().MonoNowNs() - t0) / 1e9);
  }
  for (const auto& a : result.assignments) AssignAndLaunch(a);
  const std::map<model::TaskId, std::string> unclassed =
      blocked_.ParkAfterPass(now, result, ctx);
  reasons_changed = reasons_changed || !result.pending_reasons.empty();
  if (reasons_changed) pending_reasons_.Replace(blocked_.Reasons(), unclassed, now);
}

}  // namespace borealis::scheduler
