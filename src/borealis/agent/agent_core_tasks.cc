// AgentCore, task lifecycle: launching executors, reading their status.json, noticing
// their exit, and killing them (see agent_core.h).
#include <signal.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "borealis/agent/agent_core.h"
#include "borealis/agent/executor_process.h"
#include "borealis/agent/launch_checks.h"
#include "borealis/base/log.h"
#include "borealis/isolation/cgroups.h"

namespace borealis::agent {

using model::ScheduleStatus;

void AgentCore::HandleLaunch(const api::AssignedTask& task, int64_t received_ms) {
  const std::string& id = task.taskId;
  if (absl::Status valid = ValidateTaskId(id); !valid.ok()) {
    LOG_WARN("agent: refusing launch: {}", std::string(valid.message()));
    if (!id.empty()) ReportUnknown(id, ScheduleStatus::kFailed, std::string(valid.message()));
    return;
  }
  if (tasks_.contains(id)) {
    LOG_INFO("task {}: launch ignored, the agent already has this task", id);
    return;
  }
  TaskEntry& entry = tasks_[id];
  entry.record.task_id = id;
  entry.record.launched_ms = received_ms;
  absl::Status launched = PrepareAndLaunch(task, entry);
  if (options_.executor_launches != nullptr) options_.executor_launches->Add();
  if (!launched.ok()) {
    if (options_.executor_launch_failures != nullptr) options_.executor_launch_failures->Add();
    entry.record.executor_gone = true;
    Report(entry, ScheduleStatus::kFailed, std::string(launched.message()));
    return;
  }
  if (options_.launch_seconds != nullptr) {
    const int64_t ms = std::max<int64_t>(0, clock_.NowMs() - received_ms);
    options_.launch_seconds->Observe(static_cast<double>(ms) / 1000);
  }
  LOG_INFO("task {}: executor started, pid {}", id, entry.record.executor_pid);
}

absl::Status AgentCore::PrepareAndLaunch(const api::AssignedTask& task, TaskEntry& entry) {
  const std::string& id = task.taskId;
  RETURN_IF_ERROR(MakeDirs(paths_.TaskDir(id)));
  // The record exists before the executor does, so a crash in between leaves a trace.
  // Neither this file nor task.json is fsynced: they matter only while the executor runs,
  // and a power loss ends the executor too (docs/architecture/agent-and-executor.md).
  RETURN_IF_ERROR(base::WriteFileAtomically(paths_.AgentTaskJson(id),
                                            EncodeAgentTaskRecord(entry.record),
                                            base::Durability::kProcessCrash));
  RETURN_IF_ERROR(CheckLaunchable(task.task));  // e.g. no container runtime for Docker
  TaskFile file;
  file.task_id = id;
  file.instance_id = task.instanceId;
  file.hostname = options_.info.host;
  file.agent_id = options_.info.agent_id.str();
  file.role = task.task.job.role;
  file.ports = task.assignedPorts;
  file.executor_data = task.task.executorConfig.data;
  file.kill_grace_ms = options_.kill_grace_ms;
  file.isolation = options_.isolation;
  RETURN_IF_ERROR(base::WriteFileAtomically(paths_.TaskJson(id), EncodeTaskFile(file),
                                            base::Durability::kProcessCrash));

  ExecutorCommand command;
  command.executor_path = options_.executor_path;
  command.task_dir = paths_.TaskDir(id);
  if (options_.pass_agent_socket) command.agent_socket = paths_.SocketPath();
  command.log_path = paths_.ExecutorLog(id);
  ASSIGN_OR_RETURN(LaunchedExecutor executor, LaunchExecutor(command));
  entry.record.executor_pid = executor.pid;
  entry.record.executor_start_ticks = executor.start_ticks;
  SaveRecord(entry);
  return absl::OkStatus();
}

void AgentCore::HandleKill(const std::string& task_id, const std::string& message) {
  auto it = tasks_.find(task_id);
  if (it == tasks_.end()) {
    LOG_INFO("task {}: kill for an unknown task", task_id);
    ReportUnknown(task_id, ScheduleStatus::kLost, "unknown task");
    return;
  }
  TaskEntry& entry = it->second;
  if (!entry.record.executor_gone) CheckTask(entry);
  if (entry.record.executor_gone) {
    // Settled already; make sure the scheduler hears the outcome again.
    if (updates_.Head(task_id) == nullptr && entry.record.state) {
      Report(entry, *entry.record.state, "Task is no longer running");
    }
    return;
  }
  LOG_INFO("task {}: killing executor pid {} ({})", task_id, entry.record.executor_pid, message);
  if (!entry.record.kill_requested) {
    entry.record.kill_requested = true;
    SaveRecord(entry);
  }
  if (!entry.kill_deadline_ns) {
    entry.kill_deadline_ns =
        clock_.MonoNowNs() + (options_.kill_grace_ms + options_.kill_escalation_ms) * 1'000'000;
  }
  if (!SignalExecutor(entry.record.executor_pid, entry.record.executor_start_ticks, SIGTERM)) {
    CheckTask(entry);  // it is gone: settle now
  }
}

void AgentCore::OnExecutorPoke(std::string_view task_id) {
  owner_.Check();
  auto it = tasks_.find(std::string(task_id));
  if (it == tasks_.end() || it->second.record.executor_gone) return;
  if (std::optional<ExecutorStatus> status = ReadStatus(it->first)) {
    ForwardExecutorUpdates(it->second, *status);
  }
}

std::optional<ExecutorStatus> AgentCore::ReadStatus(const std::string& task_id) const {
  absl::StatusOr<std::string> text = ReadFile(paths_.StatusJson(task_id));
  if (!text.ok()) {
    if (!absl::IsNotFound(text.status())) {
      LOG_WARN("task {}: {}", task_id, std::string(text.status().message()));
    }
    return std::nullopt;
  }
  absl::StatusOr<ExecutorStatus> status = DecodeExecutorStatus(*text);
  if (!status.ok()) {
    LOG_WARN("task {}: {}", task_id, std::string(status.status().message()));
    return std::nullopt;
  }
  return *std::move(status);
}

void AgentCore::ForwardExecutorUpdates(TaskEntry& entry, const ExecutorStatus& status) {
  AgentTaskRecord& record = entry.record;
  bool changed = false;
  for (const ExecutorUpdate& update : status.updates) {
    if (update.seq <= record.forwarded_seq) continue;
    std::optional<ScheduleStatus> state = model::ParseStatus(update.state);
    bool settled = record.state && model::IsTerminal(*record.state);
    if (!state) {
      LOG_WARN("task {}: executor update {} has unknown state '{}'", record.task_id, update.seq,
               update.state);
    } else if (settled) {
      // The agent already reported an outcome (e.g. KILLED after escalation); keep it.
    } else {
      int64_t ts = update.timestamp_ms > 0 ? update.timestamp_ms : clock_.NowMs();
      if (!AddUpdate(record.task_id, *state, update.message, ts).ok()) break;
      record.state = *state;
    }
    record.forwarded_seq = update.seq;
    changed = true;
  }
  if (!changed) return;
  // Only now, with every update file written, is the new forwarded_seq recorded.
  SaveRecord(entry);
  SendHead(record.task_id);
}

void AgentCore::CheckTask(TaskEntry& entry) {
  AgentTaskRecord& record = entry.record;
  if (record.executor_gone) return;
  std::optional<ExecutorStatus> status = ReadStatus(record.task_id);
  if (status) ForwardExecutorUpdates(entry, *status);
  if (record.executor_pid <= 0) {
    // The agent stopped between writing the record and learning the pid; the executor,
    // if it started, says who it is in status.json.
    if (status && status->executor_pid > 0) {
      record.executor_pid = status->executor_pid;
      record.executor_start_ticks = status->executor_start_ticks;
      SaveRecord(entry);
    } else {
      HandleExecutorGone(entry, "the agent restarted while starting it");
      return;
    }
  }
  ExecutorProbe probe = ProbeExecutor(record.executor_pid, record.executor_start_ticks);
  if (!probe.alive) HandleExecutorGone(entry, probe.exit_reason);
}

void AgentCore::HandleExecutorGone(TaskEntry& entry, const std::string& exit_reason) {
  AgentTaskRecord& record = entry.record;
  record.executor_gone = true;
  entry.kill_deadline_ns.reset();
  // It may have written its last words between our previous read and its exit.
  std::optional<ExecutorStatus> status = ReadStatus(record.task_id);
  if (status) ForwardExecutorUpdates(entry, *status);
  // What a dead executor left in the task's cgroup (docs/isolation.md).
  if (options_.isolation.mode == "cgroups") {
    absl::Status removed =
        isolation::RemoveLeftoverTaskCgroup(options_.isolation.cgroup_parent, record.task_id);
    if (!removed.ok()) LOG_WARN("task {}: {}", record.task_id, std::string(removed.message()));
  }
  if (record.state && model::IsTerminal(*record.state)) {
    SaveRecord(entry);
    return;
  }
  if (status) KillProcessGroups(status->pgids, status->group_start_ticks);
  std::string why = exit_reason.empty() ? "" : absl::StrCat(" (", exit_reason, ")");
  bool never_reported = record.forwarded_seq == 0;
  LOG_WARN("task {}: executor {} is gone{} without a final state", record.task_id,
           record.executor_pid, why);
  if (record.kill_requested) {
    Report(entry, ScheduleStatus::kKilled, "Killed by request; the executor exited" + why);
  } else if (never_reported) {
    Report(entry, ScheduleStatus::kLost, "Executor exited before reporting any state" + why);
  } else {
    Report(entry, ScheduleStatus::kFailed, "executor exited unexpectedly" + why);
  }
}

void AgentCore::CheckKillDeadlines(int64_t now_ns) {
  for (auto& [id, entry] : tasks_) {
    if (!entry.kill_deadline_ns || now_ns < *entry.kill_deadline_ns) continue;
    entry.kill_deadline_ns.reset();
    if (entry.record.executor_gone) continue;
    std::optional<ExecutorStatus> status = ReadStatus(id);
    if (status) ForwardExecutorUpdates(entry, *status);
    LOG_WARN("task {}: executor {} did not stop within {} ms; killing it", id,
             entry.record.executor_pid, options_.kill_grace_ms + options_.kill_escalation_ms);
    SignalExecutor(entry.record.executor_pid, entry.record.executor_start_ticks, SIGKILL);
    if (status) KillProcessGroups(status->pgids, status->group_start_ticks);
    if (!entry.record.state || !model::IsTerminal(*entry.record.state)) {
      Report(entry, ScheduleStatus::kKilled,
             absl::StrCat("Killed forcibly after ",
                          options_.kill_grace_ms + options_.kill_escalation_ms,
                          " ms without exiting"));
    }
    // The next liveness probe reaps it and marks it gone.
  }
}

}  // namespace borealis::agent
