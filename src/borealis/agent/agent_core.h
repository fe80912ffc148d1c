// AgentCore: the agent's state and decisions, apart from its sockets and threads.
//
// It owns the known tasks (one AgentTaskRecord each, checkpointed in the task directory)
// and the durable queue of unacknowledged status updates. The daemon feeds it session
// events, scheduler messages, executor pokes and a periodic Tick(); it answers through a
// Transport and acts on executors through executor_process.h. Tests drive it with a
// recording Transport and a ManualClock (intervals and kill deadlines use clock.MonoNowNs()).
//
// Rules it keeps:
//  - every executor update with a seq above the task's forwarded_seq becomes one
//    StatusUpdate with a fresh uuid; its file is written before forwarded_seq is saved;
//  - per task, only the oldest unacknowledged update is in flight; it is resent on each new
//    session and every resend_interval_ms until acknowledged, then the next one follows;
//  - after a restart over the same work dir, live executors are adopted (never relaunched)
//    and pending updates are loaded;
//  - a task whose executor vanished without a terminal state is settled by the agent:
//    FAILED (or LOST if the executor never reported, KILLED if a kill was requested), and
//    the process groups listed in status.json are SIGKILLed.
// Thread contract: not thread-safe. One thread (the daemon's control loop) calls everything;
// the session, message, poke, tick and forget entry points abort when called from another
// thread than the first that called one (base::ThreadOwner). Create() may run elsewhere.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "borealis/agent/paths.h"
#include "borealis/agent/task_files.h"
#include "borealis/agent/update_store.h"
#include "borealis/base/clock.h"
#include "borealis/base/metrics.h"
#include "borealis/base/rng.h"
#include "borealis/base/status.h"
#include "borealis/base/thread_owner.h"
#include "borealis/model/agent_info.h"
#include "borealis/model/schedule_status.h"
#include "gen-cpp/agent_types.h"

namespace borealis::agent {

// Where the core's messages to the scheduler go. The daemon's implementation queues them
// on the WebSocket session (dropping them when there is none); tests record them.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void Send(const agentproto::AgentMessage& message) = 0;
};

struct AgentCoreOptions {
  std::string work_dir;
  model::AgentInfo info;  // agent id, host, resources, port ranges, attributes
  std::string executor_path;
  int64_t kill_grace_ms = 5000;       // written into task.json
  IsolationSettings isolation;        // written into task.json
  // SIGKILL at kill_grace_ms + this after a kill. Covers the executor's graceful shutdown
  // (lifecycle endpoints, at most about 120 s) before its own TERM/KILL.
  int64_t kill_escalation_ms = 125'000;
  int64_t scan_interval_ms = 500;     // status.json scan and executor liveness
  int64_t resend_interval_ms = 3000;  // unacknowledged update resend
  bool pass_agent_socket = true;      // give executors --agent-socket
  uint64_t seed = 1;                  // for update uuids
  std::string version = "borealis-agent";
  // Metrics the core updates (docs/metrics.md, "Agent"); null: not kept. They must outlive
  // the core.
  base::Counter* executor_launches = nullptr;
  base::Counter* executor_launch_failures = nullptr;
  base::Histogram* launch_seconds = nullptr;  // launch received → executor started
};

// One task as the HTTP endpoints show it.
struct TaskView {
  std::string task_id;
  std::optional<model::ScheduleStatus> state;  // nullopt: nothing reported yet
  int executor_pid = 0;
  bool executor_alive = false;
  bool updates_pending = false;  // some update of it is not acknowledged yet
  std::string sandbox;
};

class AgentCore {
 public:
  // Recovers from options.work_dir (creating its layout): known tasks, live executors,
  // pending updates. Errors name the file that could not be read or created.
  static absl::StatusOr<std::unique_ptr<AgentCore>> Create(AgentCoreOptions options,
                                                           base::Clock& clock,
                                                           Transport& transport);

  AgentCore(const AgentCore&) = delete;
  AgentCore& operator=(const AgentCore&) = delete;

  // A session to the scheduler is open: sends RegisterAgent.
  void OnConnected();
  // The session ended; nothing is sent until the next OnConnected.
  void OnDisconnected();
  // A message from the scheduler. `received_ms` (wall clock) is when it arrived, if the
  // caller knows (it may have waited behind other work); else now. A launch records it
  // as the task's launched_ms.
  void OnMessage(const agentproto::AgentMessage& message,
                 std::optional<int64_t> received_ms = std::nullopt);
  // An executor wrote its status.json (datagram on agent.sock carrying the task id).
  void OnExecutorPoke(std::string_view task_id);
  // Periodic work: status scans and liveness every scan_interval_ms, kill escalation,
  // heartbeats, resends. Cheap when nothing is due; call it often (e.g. every 100 ms).
  void Tick();

  std::vector<TaskView> Tasks() const;
  // Drops a task the agent is done with (sandbox GC): it must be in a terminal state with
  // every update acknowledged and its executor gone, else FailedPrecondition. Its files
  // are left to the caller.
  absl::Status Forget(const std::string& task_id);
  size_t pending_updates() const { return updates_.size(); }
  bool registered() const { return registered_; }
  const std::string& agent_id() const { return options_.info.agent_id.str(); }
  // The HTTP port registrations report (set once serving, before the first session).
  void set_http_port(int port) { options_.info.http_port = port; }

 private:
  struct TaskEntry {
    AgentTaskRecord record;
    std::optional<int64_t> kill_deadline_ns;  // SIGKILL escalation after a kill request
  };

  AgentCore(AgentCoreOptions options, base::Clock& clock, Transport& transport,
            UpdateStore updates);
  absl::Status Recover();

  void HandleRegistered(const agentproto::AgentRegistered& registered);
  void HandleLaunch(const api::AssignedTask& task, int64_t received_ms);
  absl::Status PrepareAndLaunch(const api::AssignedTask& task, TaskEntry& entry);
  void HandleKill(const std::string& task_id, const std::string& message);
  void HandleReconcile(const std::vector<std::string>& task_ids);
  void HandleAcknowledge(const std::string& uuid);

  // Reads status.json of a task (nullopt when absent or unreadable).
  std::optional<ExecutorStatus> ReadStatus(const std::string& task_id) const;
  // Turns new executor updates into pending updates; saves the record afterwards.
  void ForwardExecutorUpdates(TaskEntry& entry, const ExecutorStatus& status);
  // Scans status.json and probes the executor; settles the task when it is gone.
  void CheckTask(TaskEntry& entry);
  void HandleExecutorGone(TaskEntry& entry, const std::string& exit_reason);
  void CheckKillDeadlines(int64_t now_ns);

  // Records a new state for a known task: pending update (persisted), record saved, sent
  // when it is the task's head.
  void Report(TaskEntry& entry, model::ScheduleStatus status, std::string message);
  // The same for a task id the agent has no record of (LOST "unknown task").
  void ReportUnknown(const std::string& task_id, model::ScheduleStatus status, std::string message);
  absl::Status AddUpdate(const std::string& task_id, model::ScheduleStatus status,
                         std::string message, int64_t timestamp_ms);
  void SaveRecord(const TaskEntry& entry);

  void SendHead(const std::string& task_id);
  void SendUpdate(const PendingUpdate& update, int64_t now_ns);
  void SendRegister();

  AgentCoreOptions options_;
  AgentPaths paths_;
  base::Clock& clock_;
  Transport& transport_;
  base::Rng rng_;
  UpdateStore updates_;
  std::map<std::string, TaskEntry> tasks_;
  std::map<std::string, int64_t> in_flight_;  // uuid -> mono ns last sent, this session

  bool connected_ = false;
  bool registered_ = false;
  int64_t heartbeat_interval_ms_ = 0;
  int64_t next_heartbeat_ns_ = 0;
  int64_t heartbeat_seq_ = 0;
  int64_t next_scan_ns_ = 0;
  base::ThreadOwner owner_{"AgentCore"};
};

// The agent id stored in <work_dir>/agent_id, or a new one ("<host>-<uuid>") written there.
absl::StatusOr<std::string> LoadOrCreateAgentId(const std::string& work_dir,
                                                const std::string& host, uint64_t seed);

}  // namespace borealis::agent
