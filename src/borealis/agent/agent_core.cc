// AgentCore: recovery, the scheduler session, and the status update stream (see
// agent_core.h). Task lifecycle (launch, executor checks, kill) is in agent_core_tasks.cc.
#include "borealis/agent/agent_core.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "borealis/agent/codec.h"
#include "borealis/base/log.h"

namespace borealis::agent {

using model::ScheduleStatus;

absl::StatusOr<std::string> LoadOrCreateAgentId(const std::string& work_dir,
                                                const std::string& host, uint64_t seed) {
  AgentPaths paths{work_dir};
  RETURN_IF_ERROR(MakeDirs(work_dir));
  absl::StatusOr<std::string> text = ReadFile(paths.AgentIdFile());
  if (text.ok()) {
    std::string id(absl::StripAsciiWhitespace(*text));
    if (!id.empty()) return id;
  } else if (!absl::IsNotFound(text.status())) {
    return text.status();
  }
  base::Rng rng(seed);
  std::string id = absl::StrCat(host, "-", rng.Uuid());
  RETURN_IF_ERROR(base::WriteFileAtomically(paths.AgentIdFile(), id + "\n"));
  return id;
}

absl::StatusOr<std::unique_ptr<AgentCore>> AgentCore::Create(AgentCoreOptions options,
                                                             base::Clock& clock,
                                                             Transport& transport) {
  if (options.work_dir.empty()) return absl::InvalidArgumentError("agent work dir is empty");
  if (options.info.agent_id.empty()) return absl::InvalidArgumentError("agent id is empty");
  AgentPaths paths{options.work_dir};
  RETURN_IF_ERROR(MakeDirs(paths.SandboxesDir()));
  ASSIGN_OR_RETURN(UpdateStore updates, UpdateStore::Open(paths.UpdatesDir()));
  std::unique_ptr<AgentCore> core(
      new AgentCore(std::move(options), clock, transport, std::move(updates)));
  RETURN_IF_ERROR(core->Recover());
  return core;
}

AgentCore::AgentCore(AgentCoreOptions options, base::Clock& clock, Transport& transport,
                     UpdateStore updates)
    : options_(std::move(options)),
      paths_{options_.work_dir},
      clock_(clock),
      transport_(transport),
      rng_(options_.seed),
      updates_(std::move(updates)) {}

absl::Status AgentCore::Recover() {
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(paths_.SandboxesDir()));
  int64_t now_ns = clock_.MonoNowNs();
  for (const std::string& name : names) {
    if (!ValidateTaskId(name).ok()) continue;
    absl::StatusOr<std::string> text = ReadFile(paths_.AgentTaskJson(name));
    if (!text.ok()) {
      // A directory made just before a crash, before anything was started in it.
      LOG_WARN("sandbox '{}' has no agent record ({}); ignoring it", name,
               std::string(text.status().message()));
      continue;
    }
    absl::StatusOr<AgentTaskRecord> record = DecodeAgentTaskRecord(*text);
    if (!record.ok() || record->task_id != name) {
      LOG_WARN(
          "sandbox '{}': unusable agent record: {}", name,
          record.ok() ? std::string("task id mismatch") : std::string(record.status().message()));
      continue;
    }
    TaskEntry entry;
    entry.record = *std::move(record);
    if (entry.record.kill_requested && !entry.record.executor_gone) {
      entry.kill_deadline_ns =
          now_ns + (options_.kill_grace_ms + options_.kill_escalation_ms) * 1'000'000;
    }
    tasks_.emplace(name, std::move(entry));
  }
  // Learn what happened while the agent was away before anyone asks.
  for (auto& [id, entry] : tasks_) CheckTask(entry);
  next_scan_ns_ = now_ns + options_.scan_interval_ms * 1'000'000;
  LOG_INFO("agent {}: recovered {} task(s), {} pending update(s)", options_.info.agent_id,
           tasks_.size(), updates_.size());
  return absl::OkStatus();
}

void AgentCore::OnConnected() {
  owner_.Check();
  connected_ = true;
  registered_ = false;
  in_flight_.clear();
  SendRegister();
}

void AgentCore::OnDisconnected() {
  owner_.Check();
  connected_ = false;
  registered_ = false;
  in_flight_.clear();
}

void AgentCore::SendRegister() {
  agentproto::RegisterAgent reg;
  const model::AgentInfo& info = options_.info;
  reg.__set_agentId(info.agent_id.str());
  reg.__set_host(info.host);
  reg.__set_resources(ToProtoResources(info));
  reg.__set_attributes(info.attributes);
  if (info.http_port > 0) reg.__set_httpPort(info.http_port);
  std::vector<agentproto::AgentTask> tasks;
  for (const auto& [id, entry] : tasks_) {
    agentproto::AgentTask task;
    task.__set_taskId(id);
    // Launched but not heard from: the scheduler's own name for that is ASSIGNED.
    task.__set_status(ToProtoStatus(entry.record.state.value_or(ScheduleStatus::kAssigned)));
    tasks.push_back(std::move(task));
  }
  reg.__set_tasks(std::move(tasks));
  reg.__set_version(options_.version);
  agentproto::AgentMessage message;
  message.__set_registerAgent(std::move(reg));
  transport_.Send(message);
}

void AgentCore::OnMessage(const agentproto::AgentMessage& message,
                          std::optional<int64_t> received_ms) {
  owner_.Check();
  const auto& set = message.__isset;
  if (set.registered) {
    HandleRegistered(message.registered);
  } else if (set.launchTask) {
    HandleLaunch(message.launchTask.task, received_ms.value_or(clock_.NowMs()));
  } else if (set.killTask) {
    HandleKill(message.killTask.taskId, message.killTask.message);
  } else if (set.acknowledge) {
    HandleAcknowledge(message.acknowledge.uuid);
  } else if (set.reconcile) {
    HandleReconcile(message.reconcile.taskIds);
  } else {
    LOG_WARN("agent: ignoring unexpected '{}' message from the scheduler",
             AgentMessageKind(message));
  }
}

void AgentCore::HandleRegistered(const agentproto::AgentRegistered& registered) {
  if (!registered.agentId.empty() && registered.agentId != options_.info.agent_id) {
    LOG_WARN("scheduler registered us as '{}', but our id is '{}'", registered.agentId,
             options_.info.agent_id);
  }
  bool first = !registered_;
  registered_ = true;
  heartbeat_interval_ms_ = registered.heartbeatIntervalMs;
  int64_t now_ns = clock_.MonoNowNs();
  next_heartbeat_ns_ = now_ns + heartbeat_interval_ms_ * 1'000'000;
  if (first) {
    LOG_INFO("agent {}: registered; heartbeat every {} ms; {} pending update(s)",
             options_.info.agent_id, heartbeat_interval_ms_, updates_.size());
    for (const PendingUpdate* head : updates_.Heads()) SendUpdate(*head, now_ns);
  }
}

void AgentCore::HandleAcknowledge(const std::string& uuid) {
  in_flight_.erase(uuid);
  absl::StatusOr<std::optional<std::string>> task_id = updates_.Acknowledge(uuid);
  if (!task_id.ok()) {
    LOG_ERROR("agent: cannot forget acknowledged update {}: {}", uuid,
              std::string(task_id.status().message()));
    return;
  }
  if (task_id->has_value()) SendHead(**task_id);
}

void AgentCore::HandleReconcile(const std::vector<std::string>& task_ids) {
  if (task_ids.empty()) {
    for (auto& [id, entry] : tasks_) {
      if (entry.record.state) Report(entry, *entry.record.state, "Reconciled by the agent");
    }
    return;
  }
  for (const std::string& id : task_ids) {
    auto it = tasks_.find(id);
    if (it == tasks_.end()) {
      ReportUnknown(id, ScheduleStatus::kLost, "unknown task");
    } else if (it->second.record.state) {
      Report(it->second, *it->second.record.state, "Reconciled by the agent");
    }
  }
}

void AgentCore::Tick() {
  owner_.Check();
  int64_t now_ns = clock_.MonoNowNs();
  if (now_ns >= next_scan_ns_) {
    next_scan_ns_ = now_ns + options_.scan_interval_ms * 1'000'000;
    for (auto& [id, entry] : tasks_) {
      if (!entry.record.executor_gone) CheckTask(entry);
    }
  }
  CheckKillDeadlines(now_ns);
  if (!registered_) return;
  if (heartbeat_interval_ms_ > 0 && now_ns >= next_heartbeat_ns_) {
    next_heartbeat_ns_ = now_ns + heartbeat_interval_ms_ * 1'000'000;
    agentproto::Heartbeat heartbeat;
    heartbeat.__set_seq(++heartbeat_seq_);
    agentproto::AgentMessage message;
    message.__set_heartbeat(heartbeat);
    transport_.Send(message);
  }
  int64_t resend_ns = options_.resend_interval_ms * 1'000'000;
  for (const PendingUpdate* head : updates_.Heads()) {
    auto sent = in_flight_.find(head->uuid);
    if (sent == in_flight_.end() || now_ns - sent->second >= resend_ns) {
      SendUpdate(*head, now_ns);
    }
  }
}

absl::Status AgentCore::AddUpdate(const std::string& task_id, ScheduleStatus status,
                                  std::string message, int64_t timestamp_ms) {
  PendingUpdate update;
  do {
    update.uuid = rng_.Uuid();
  } while (updates_.ContainsUuid(update.uuid));
  update.task_id = task_id;
  update.status = status;
  update.message = std::move(message);
  update.timestamp_ms = timestamp_ms;
  absl::StatusOr<PendingUpdate> added = updates_.Add(std::move(update));
  if (!added.ok()) {
    LOG_ERROR("agent: cannot persist {} update for task {}: {}", model::StatusName(status), task_id,
              std::string(added.status().message()));
    return added.status();
  }
  LOG_INFO("task {}: {} ({})", task_id, model::StatusName(status), added->message);
  return absl::OkStatus();
}

void AgentCore::Report(TaskEntry& entry, ScheduleStatus status, std::string message) {
  const std::string& id = entry.record.task_id;
  absl::Status added = AddUpdate(id, status, std::move(message), clock_.NowMs());
  entry.record.state = status;
  SaveRecord(entry);
  if (added.ok()) SendHead(id);
}

void AgentCore::ReportUnknown(const std::string& task_id, ScheduleStatus status,
                              std::string message) {
  if (AddUpdate(task_id, status, std::move(message), clock_.NowMs()).ok()) SendHead(task_id);
}

void AgentCore::SaveRecord(const TaskEntry& entry) {
  const std::string& id = entry.record.task_id;
  // Not fsynced, unlike the update files it points into (paths.h).
  absl::Status saved = base::WriteFileAtomically(
      paths_.AgentTaskJson(id), EncodeAgentTaskRecord(entry.record),
      base::Durability::kProcessCrash);
  if (!saved.ok()) {
    LOG_ERROR("task {}: cannot save agent record: {}", id, std::string(saved.message()));
  }
}

void AgentCore::SendHead(const std::string& task_id) {
  if (!registered_) return;
  const PendingUpdate* head = updates_.Head(task_id);
  if (head == nullptr || in_flight_.contains(head->uuid)) return;
  SendUpdate(*head, clock_.MonoNowNs());
}

void AgentCore::SendUpdate(const PendingUpdate& update, int64_t now_ns) {
  agentproto::AgentMessage message;
  message.__set_statusUpdate(ToProtoUpdate(update));
  transport_.Send(message);
  in_flight_[update.uuid] = now_ns;
}

std::vector<TaskView> AgentCore::Tasks() const {
  std::vector<TaskView> views;
  for (const auto& [id, entry] : tasks_) {
    TaskView view;
    view.task_id = id;
    view.state = entry.record.state;
    view.executor_pid = entry.record.executor_pid;
    view.executor_alive = !entry.record.executor_gone && entry.record.executor_pid > 0;
    view.updates_pending = updates_.Head(id) != nullptr;
    view.sandbox = paths_.Sandbox(id);
    views.push_back(std::move(view));
  }
  return views;
}

absl::Status AgentCore::Forget(const std::string& task_id) {
  owner_.Check();
  auto it = tasks_.find(task_id);
  if (it == tasks_.end()) return absl::NotFoundError(absl::StrCat("no task '", task_id, "'"));
  const AgentTaskRecord& record = it->second.record;
  if (!record.executor_gone || !record.state || !model::IsTerminal(*record.state) ||
      updates_.Head(task_id) != nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("task '", task_id, "' is not finished and acknowledged"));
  }
  tasks_.erase(it);
  return absl::OkStatus();
}

}  // namespace borealis::agent
