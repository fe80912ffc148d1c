// The JSON files of a task directory (layout in paths.h):
//   task.json        agent → executor: what to run (the executor contract, brief h3 Part B)
//   status.json      executor → agent: its updates (append-only, seq from 1) and live pgids
//   agent_task.json  the agent's own checkpoint for the task
// Encoding and decoding only; no I/O. Decoders return InvalidArgument naming the field.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "borealis/base/status.h"
#include "borealis/model/schedule_status.h"

namespace borealis::agent {

// How executors isolate tasks (agent flags; docs/isolation.md), copied into task.json.
struct IsolationSettings {
  std::string mode = "none";  // "cgroups" or "none"
  std::string cgroup_parent = "borealis";
  // Library default on (tests, embedded use); borealis-agent's flag defaults to off.
  bool run_as_agent_user = true;
  int64_t disk_check_interval_ms = 10'000;
};

// task.json
struct TaskFile {
  std::string task_id;
  int32_t instance_id = 0;
  std::string hostname;
  std::string agent_id;
  std::string role;
  std::map<std::string, int32_t> ports;
  std::string executor_data;
  int64_t kill_grace_ms = 5000;
  IsolationSettings isolation;
};
std::string EncodeTaskFile(const TaskFile& file);

// One entry of status.json's "updates".
struct ExecutorUpdate {
  int64_t seq = 0;
  std::string state;  // a ScheduleStatus name
  std::string message;
  int64_t timestamp_ms = 0;
};

// status.json, the fields the agent reads.
struct ExecutorStatus {
  std::string task_id;
  int executor_pid = 0;
  int64_t executor_start_ticks = 0;
  std::vector<ExecutorUpdate> updates;  // as written: increasing seq
  std::vector<int> pgids;               // process groups the executor believes alive
  std::map<int, int64_t> group_start_ticks;  // pgid -> its leader's start ticks, when known
};
absl::StatusOr<ExecutorStatus> DecodeExecutorStatus(std::string_view json);

// agent_task.json
struct AgentTaskRecord {
  std::string task_id;
  int executor_pid = 0;  // 0: no executor was started (or it is being started)
  int64_t executor_start_ticks = 0;
  bool executor_gone = false;                  // its exit was seen; never probe the pid again
  int64_t forwarded_seq = 0;                   // highest status.json seq turned into a StatusUpdate
  std::optional<model::ScheduleStatus> state;  // last state reported to the scheduler
  bool kill_requested = false;
  int64_t launched_ms = 0;  // wall clock when the agent received the LaunchTask

  bool operator==(const AgentTaskRecord&) const = default;
};
std::string EncodeAgentTaskRecord(const AgentTaskRecord& record);
absl::StatusOr<AgentTaskRecord> DecodeAgentTaskRecord(std::string_view json);

}  // namespace borealis::agent
