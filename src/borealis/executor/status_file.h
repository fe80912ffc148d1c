// What the executor tells the agent: `<task-dir>/status.json`, replaced atomically
// (temp file, rename; not fsynced: it must survive the agent's or the executor's crash,
// and after a power loss no executor is left to report on) on every change, followed by
// one datagram holding the task id on the agent's unix socket.
//
//   {"task_id": str, "executor_pid": int,
//    "executor_start_ticks": int (field 22 of /proc/<pid>/stat: tells a reused pid),
//    "updates": [{"seq": 1, "state": "STARTING", "message": str, "timestamp_ms": int}, ...]
//        append-only, seq from 1; states are ScheduleStatus names: STARTING, RUNNING,
//        then one of FINISHED, FAILED, KILLED, after which the executor exits,
//    "processes": {name: {"state": "WAITING|RUNNING|SUCCESS|FAILED|KILLED", "runs": int,
//                         "pid": int (0 before the first fork),
//                         "exit_code": int (-1 before the first exit; 128+N for signal N),
//                         "history": [{"run": int, "state": str, "pid": int,
//                                      "exit_code": int, "start_ms": int,
//                                      "stop_ms": int}, ...]}},
//        history: every run by run number (from 0), at most 100 (the process graph's
//        cap); state is that run's own outcome: RUNNING, then SUCCESS, FAILED or
//        KILLED; pid 0 if it never forked; exit_code -1 while running or if it never
//        started; wall clock ms, stop_ms 0 while running. Absent from the files of
//        older executors (then only the latest run is known, from the fields above),
//    "pgids": [int] (process groups still alive, sorted),
//    "groups": [{"pgid": int, "start_ticks": int}] (the same groups with the start
//        ticks of their leader, so whoever kills them later can tell a reused pid)}
//
// StatusDocument is a plain value; the writer functions do I/O and are not
// thread-safe against concurrent writers of the same file (one executor per task).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/base/files.h"

namespace borealis::executor {

struct StatusUpdate {
  int64_t seq = 0;
  std::string state;  // ScheduleStatus name
  std::string message;
  int64_t timestamp_ms = 0;
  bool operator==(const StatusUpdate&) const = default;
};

// One run of a process.
struct RunEntry {
  int run = 0;
  std::string state;  // ProcessStateName of the run's outcome; RUNNING while it runs
  int pid = 0;
  int exit_code = -1;
  int64_t start_ms = 0;  // wall clock
  int64_t stop_ms = 0;   // wall clock; 0 while running
  bool operator==(const RunEntry&) const = default;
};

struct ProcessRecord {
  std::string state;  // ProcessStateName
  int runs = 0;
  int pid = 0;
  int exit_code = -1;
  std::vector<RunEntry> history;  // empty when read from an older executor's file
  bool operator==(const ProcessRecord&) const = default;
};

struct StatusDocument {
  std::string task_id;
  int executor_pid = 0;
  int64_t executor_start_ticks = 0;
  std::vector<StatusUpdate> updates;
  std::map<std::string, ProcessRecord> processes;
  std::vector<int> pgids;
  std::map<int, int64_t> group_start_ticks;  // pgid -> start ticks of its leader (0: unknown)
  bool operator==(const StatusDocument&) const = default;
};

std::string StatusToJson(const StatusDocument& doc);
absl::StatusOr<StatusDocument> ParseStatusJson(const std::string& text);

using base::ProcessStartTicks;    // /proc/<pid>/stat field 22, in clock ticks since boot
using base::WriteFileAtomically;  // old or new content, never a mix

// Sends datagrams to the agent's unix socket. A missing or closed socket (ENOENT,
// ECONNREFUSED) or a full queue is ignored: the agent rescans status files.
class AgentNotifier {
 public:
  explicit AgentNotifier(std::string socket_path);  // empty path: notify nobody
  ~AgentNotifier();
  AgentNotifier(const AgentNotifier&) = delete;
  AgentNotifier& operator=(const AgentNotifier&) = delete;

  // Returns an error only for unexpected failures (the caller logs it).
  absl::Status Notify(const std::string& task_id);

 private:
  std::string socket_path_;
  int fd_ = -1;
};

}  // namespace borealis::executor
