// AgentCore with a recording transport, a ManualClock and real executors
// (BOREALIS_EXECUTOR_BIN), plus small shell-script executors for the misbehaving cases.
// Waits are bounded by a real-time deadline; in between, the test waits on the agent
// socket (executors poke it) for up to 50 ms.
#include "borealis/agent/agent_core.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <set>

#include "borealis/agent/agent_test_util.h"
#include "borealis/agent/codec.h"
#include "borealis/agent/executor_process.h"
#include "borealis/agent/paths.h"
#include "borealis/agent/task_files.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/testing/temp_dir.h"

#ifndef BOREALIS_EXECUTOR_BIN
#error "BOREALIS_EXECUTOR_BIN must name the borealis-executor binary"
#endif

namespace borealis::agent {
namespace {

using ::borealis::testing::IsOk;
using model::ScheduleStatus;
using ::testing::HasSubstr;

constexpr char kTask[] = "www-data-devel-hello-0-1234";

class RecordingTransport final : public Transport {
 public:
  void Send(const agentproto::AgentMessage& message) override {
    // Every message must survive the real codec.
    absl::StatusOr<agentproto::AgentMessage> decoded =
        DecodeAgentMessage(EncodeAgentMessage(message));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    sent.push_back(*decoded);
  }
  std::vector<agentproto::AgentMessage> sent;
};

// The job JSON the executor reads from executor_data.
std::string ExecutorData(const std::string& cmdline) {
  return R"({"name": "hello", "role": "www-data", "environment": "devel", "task": {"name": "hello",
    "processes": [{"name": "main", "cmdline": ")" +
         cmdline + R"("}],
    "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}}})";
}

agentproto::AgentMessage LaunchMessage(const std::string& task_id, const std::string& cmdline) {
  api::AssignedTask task;
  task.taskId = task_id;
  task.instanceId = 3;
  task.assignedPorts = {{"http", 31001}};
  task.task.job.role = "www-data";
  task.task.job.environment = "devel";
  task.task.job.name = "hello";
  task.task.__isset.executorConfig = true;
  task.task.executorConfig.name = "AuroraExecutor";
  task.task.executorConfig.data = ExecutorData(cmdline);
  agentproto::LaunchTask launch;
  launch.task = task;
  agentproto::AgentMessage message;
  message.__set_launchTask(launch);
  return message;
}

bool ProcessGone(int pid) {
  std::optional<ProcStat> stat = ReadProcStat(pid);
  return !stat || stat->state == 'Z' || stat->state == 'X';
}

class AgentCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_dir_ = dir_.Sub("work");
    ASSERT_THAT(MakeDirs(work_dir_), IsOk());
    // Listen where executors poke, so waits can wake on their writes.
    poke_fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr;
    std::memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    std::string path = AgentPaths{work_dir_}.SocketPath();
    ASSERT_LT(path.size(), sizeof(addr.sun_path));
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    ASSERT_EQ(::bind(poke_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  }

  void TearDown() override {
    core_.reset();
    KillExecutorsUnder(work_dir_);
    if (poke_fd_ >= 0) ::close(poke_fd_);
  }

  AgentCoreOptions Options() {
    AgentCoreOptions options;
    options.work_dir = work_dir_;
    options.info.agent_id = "agent-1";
    options.info.host = "127.0.0.1";
    options.info.resources.milli_cpus = 4000;
    options.info.resources.ram_mb = 1024;
    options.info.port_ranges = {{31000, 32000}};
    options.info.attributes = {{"host", {"127.0.0.1"}}, {"rack", {"r1"}}};
    options.executor_path = executor_path_;
    options.kill_grace_ms = 1000;
    options.kill_escalation_ms = 3'600'000;  // never, unless a test advances the clock
    options.scan_interval_ms = 0;            // every Tick scans
    options.resend_interval_ms = 3'600'000;  // only when a test advances the clock
    options.seed = ++seed_;
    return options;
  }

  void StartCore(AgentCoreOptions options) {
    absl::StatusOr<std::unique_ptr<AgentCore>> core =
        AgentCore::Create(std::move(options), clock_, transport_);
    ASSERT_THAT(core, IsOk());
    core_ = *std::move(core);
  }
  void StartCore() { StartCore(Options()); }

  void Connect() {
    core_->OnConnected();
    agentproto::AgentRegistered registered;
    registered.agentId = "agent-1";
    registered.heartbeatIntervalMs = 1000;
    agentproto::AgentMessage message;
    message.__set_registered(registered);
    core_->OnMessage(message);
  }

  void Ack(const std::string& uuid) {
    agentproto::Acknowledge ack;
    ack.uuid = uuid;
    agentproto::AgentMessage message;
    message.__set_acknowledge(ack);
    core_->OnMessage(message);
  }

  void Kill(const std::string& task_id) {
    agentproto::KillTask kill;
    kill.taskId = task_id;
    kill.message = "Killed by request";
    agentproto::AgentMessage message;
    message.__set_killTask(kill);
    core_->OnMessage(message);
  }

  // Status updates sent so far, each uuid once, in the order first sent.
  std::vector<agentproto::StatusUpdate> Updates() const {
    std::vector<agentproto::StatusUpdate> out;
    std::set<std::string> seen;
    for (const auto& m : transport_.sent) {
      if (m.__isset.statusUpdate && seen.insert(m.statusUpdate.uuid).second) {
        out.push_back(m.statusUpdate);
      }
    }
    return out;
  }
  std::vector<api::ScheduleStatus::type> States(const std::string& task_id) const {
    std::vector<api::ScheduleStatus::type> out;
    for (const auto& u : Updates()) {
      if (u.taskId == task_id) out.push_back(u.status);
    }
    return out;
  }
  bool HasState(const std::string& task_id, api::ScheduleStatus::type state) const {
    for (auto s : States(task_id)) {
      if (s == state) return true;
    }
    return false;
  }
  size_t UpdateFiles() const {
    absl::StatusOr<std::vector<std::string>> files = ListDir(AgentPaths{work_dir_}.UpdatesDir());
    return files.ok() ? files->size() : 0;
  }
  AgentTaskRecord Record(const std::string& task_id) const {
    absl::StatusOr<std::string> text = ReadFile(AgentPaths{work_dir_}.AgentTaskJson(task_id));
    EXPECT_THAT(text, IsOk());
    absl::StatusOr<AgentTaskRecord> record = DecodeAgentTaskRecord(text.value_or("{}"));
    return record.value_or(AgentTaskRecord{});
  }
  std::optional<ExecutorStatus> Status(const std::string& task_id) const {
    absl::StatusOr<std::string> text = ReadFile(AgentPaths{work_dir_}.StatusJson(task_id));
    if (!text.ok()) return std::nullopt;
    absl::StatusOr<ExecutorStatus> status = DecodeExecutorStatus(*text);
    if (!status.ok()) return std::nullopt;
    return *status;
  }

  // Ticks the core (and feeds it the executors' pokes) until `done` or 30 s of real time.
  // With `ack_all`, acknowledges every update it sees, like a healthy scheduler.
  bool WaitFor(const std::function<bool()>& done, bool ack_all = false) {
    const int64_t deadline = base::RealClock::Get().MonoNowNs() + 30'000'000'000LL;
    while (base::RealClock::Get().MonoNowNs() < deadline) {
      pollfd pfd{poke_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 50) > 0) {
        char buf[512];
        ssize_t n;
        while ((n = ::recv(poke_fd_, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
          core_->OnExecutorPoke(std::string(buf, static_cast<size_t>(n)));
        }
      }
      core_->Tick();
      if (ack_all) AckAll();
      if (done()) return true;
    }
    return false;
  }

  // Acknowledges every update sent, including those the acknowledgements release.
  void AckAll() {
    std::set<std::string> acked;
    bool more = true;
    while (more) {
      more = false;
      for (const auto& u : Updates()) {
        if (acked.insert(u.uuid).second) {
          Ack(u.uuid);
          more = true;
        }
      }
    }
  }

  // A shell script that follows the executor's command line; `body` is its script.
  std::string WriteScriptExecutor(const std::string& body) {
    std::string path = dir_.Sub("fake-executor.sh");
    EXPECT_THAT(base::WriteFileAtomically(path, "#!/bin/sh\n" + body), IsOk());
    ::chmod(path.c_str(), 0755);
    return path;
  }

  borealis::testing::TempDir dir_;
  std::string work_dir_;
  std::string executor_path_ = BOREALIS_EXECUTOR_BIN;
  base::ManualClock clock_;
  RecordingTransport transport_;
  std::unique_ptr<AgentCore> core_;
  uint64_t seed_ = 0;
  int poke_fd_ = -1;
};

TEST_F(AgentCoreTest, RegistersWithResourcesAttributesAndKnownTasks) {
  StartCore();
  core_->OnConnected();
  ASSERT_EQ(transport_.sent.size(), 1u);
  ASSERT_TRUE(transport_.sent[0].__isset.registerAgent);
  const agentproto::RegisterAgent& reg = transport_.sent[0].registerAgent;
  EXPECT_EQ(reg.agentId, "agent-1");
  EXPECT_EQ(reg.host, "127.0.0.1");
  EXPECT_EQ(reg.resources.milliCpus, 4000);
  EXPECT_EQ(reg.resources.ramMb, 1024);
  ASSERT_EQ(reg.resources.ports.size(), 1u);
  EXPECT_EQ(reg.resources.ports[0].first, 31000);
  EXPECT_EQ(reg.resources.ports[0].last, 32000);
  EXPECT_EQ(reg.attributes.at("rack"), std::vector<std::string>{"r1"});
  EXPECT_TRUE(reg.tasks.empty());
  EXPECT_FALSE(core_->registered());
}

TEST_F(AgentCoreTest, LaunchForwardsStartingThenRunningInOrder) {
  StartCore();
  Connect();
  core_->OnMessage(LaunchMessage(kTask, "sleep 1000"));

  // task.json carries what the executor needs.
  absl::StatusOr<std::string> task_json = ReadFile(AgentPaths{work_dir_}.TaskJson(kTask));
  ASSERT_THAT(task_json, IsOk());
  EXPECT_THAT(*task_json, HasSubstr("\"instance_id\": 3"));
  EXPECT_THAT(*task_json, HasSubstr("\"http\": 31001"));
  EXPECT_THAT(*task_json, HasSubstr("\"role\": \"www-data\""));
  EXPECT_THAT(*task_json, HasSubstr("\"hostname\": \"127.0.0.1\""));
  EXPECT_THAT(*task_json, HasSubstr("sleep 1000"));
  EXPECT_GT(Record(kTask).executor_pid, 0);

  // One update in flight per task: RUNNING waits for STARTING's acknowledgement.
  ASSERT_TRUE(WaitFor([&] { return !Updates().empty(); }));
  ASSERT_TRUE(WaitFor([&] { return Record(kTask).forwarded_seq >= 2; }));
  std::vector<agentproto::StatusUpdate> updates = Updates();
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].status, api::ScheduleStatus::STARTING);
  EXPECT_EQ(updates[0].taskId, kTask);
  EXPECT_EQ(core_->pending_updates(), 2u);
  Ack(updates[0].uuid);
  updates = Updates();
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_EQ(updates[1].status, api::ScheduleStatus::RUNNING);
  EXPECT_NE(updates[0].uuid, updates[1].uuid);

  std::vector<TaskView> tasks = core_->Tasks();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].state, ScheduleStatus::kRunning);
  EXPECT_TRUE(tasks[0].executor_alive);
  EXPECT_EQ(tasks[0].sandbox, AgentPaths{work_dir_}.Sandbox(kTask));
}

TEST_F(AgentCoreTest, UnacknowledgedUpdateIsResentAndAckDeletesItsFile) {
  StartCore();
  Connect();
  core_->OnMessage(LaunchMessage(kTask, "sleep 1000"));
  ASSERT_TRUE(WaitFor([&] { return !Updates().empty(); }));
  const std::string uuid = Updates()[0].uuid;
  size_t sends_before = 0;
  for (const auto& m : transport_.sent) sends_before += m.__isset.statusUpdate ? 1 : 0;
  EXPECT_GE(UpdateFiles(), 1u);

  clock_.AdvanceMs(3'600'000);
  core_->Tick();
  size_t sends_after = 0;
  for (const auto& m : transport_.sent) {
    if (m.__isset.statusUpdate) {
      ++sends_after;
      EXPECT_EQ(m.statusUpdate.uuid, uuid);  // the same update again, nothing newer
    }
  }
  EXPECT_EQ(sends_after, sends_before + 1);

  // A new session resends it too.
  core_->OnDisconnected();
  Connect();
  EXPECT_EQ(transport_.sent.back().statusUpdate.uuid, uuid);

  ASSERT_TRUE(WaitFor([&] { return HasState(kTask, api::ScheduleStatus::RUNNING); }, true));
  ASSERT_TRUE(WaitFor([&] { return core_->pending_updates() == 0; }, true));
  EXPECT_EQ(UpdateFiles(), 0u);
}

TEST_F(AgentCoreTest, RestartAdoptsExecutorAndResendsPendingUpdates) {
  StartCore();
  Connect();
  core_->OnMessage(LaunchMessage(kTask, "sleep 1000"));
  ASSERT_TRUE(WaitFor([&] { return Record(kTask).forwarded_seq >= 2; }));
  const std::string starting_uuid = Updates().at(0).uuid;
  const int pid = Record(kTask).executor_pid;

  core_.reset();  // the agent goes away; the executor does not
  ASSERT_FALSE(ProcessGone(pid));
  transport_.sent.clear();

  StartCore();
  core_->OnConnected();
  ASSERT_TRUE(transport_.sent.at(0).__isset.registerAgent);
  const auto& tasks = transport_.sent[0].registerAgent.tasks;
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].taskId, kTask);
  EXPECT_EQ(tasks[0].status, api::ScheduleStatus::RUNNING);

  agentproto::AgentRegistered registered;
  registered.heartbeatIntervalMs = 1000;
  agentproto::AgentMessage message;
  message.__set_registered(registered);
  core_->OnMessage(message);
  ASSERT_TRUE(transport_.sent.back().__isset.statusUpdate);
  EXPECT_EQ(transport_.sent.back().statusUpdate.uuid, starting_uuid);
  EXPECT_EQ(core_->pending_updates(), 2u);

  // A second launch of the same task is ignored: same executor, nothing new.
  core_->OnMessage(LaunchMessage(kTask, "sleep 1000"));
  EXPECT_EQ(Record(kTask).executor_pid, pid);
  EXPECT_EQ(core_->Tasks().size(), 1u);

  ASSERT_TRUE(WaitFor([&] { return core_->pending_updates() == 0; }, true));
  EXPECT_EQ(States(kTask), (std::vector<api::ScheduleStatus::type>{api::ScheduleStatus::STARTING,
                                                                   api::ScheduleStatus::RUNNING}));
  EXPECT_FALSE(ProcessGone(pid));
  EXPECT_TRUE(core_->Tasks()[0].executor_alive);

  // The adopted executor is still killable.
  Kill(kTask);
  ASSERT_TRUE(WaitFor([&] { return HasState(kTask, api::ScheduleStatus::KILLED); }, true));
  ASSERT_TRUE(WaitFor([&] { return ProcessGone(pid); }));
}

TEST_F(AgentCoreTest, KillReportsKilledAndStopsTheProcesses) {
  StartCore();
  Connect();
  core_->OnMessage(LaunchMessage(kTask, "sleep 1000 & sleep 1000"));
  ASSERT_TRUE(WaitFor([&] { return HasState(kTask, api::ScheduleStatus::RUNNING); }, true));
  ASSERT_TRUE(WaitFor([&] {
    std::optional<ExecutorStatus> s = Status(kTask);
    return s && !s->pgids.empty();
  }));
  std::vector<int> pgids = Status(kTask)->pgids;
  const int pid = Record(kTask).executor_pid;

  Kill(kTask);
  ASSERT_TRUE(WaitFor([&] { return HasState(kTask, api::ScheduleStatus::KILLED); }, true));
  ASSERT_TRUE(WaitFor([&] { return core_->Tasks()[0].executor_alive == false; }));
  EXPECT_TRUE(ProcessGone(pid));
  for (int pgid : pgids) EXPECT_TRUE(ProcessGone(pgid)) << pgid;
  EXPECT_TRUE(Record(kTask).executor_gone);
  EXPECT_EQ(Record(kTask).state, ScheduleStatus::kKilled);

  // Killing it again re-reports the outcome instead of doing anything.
  transport_.sent.clear();
  EXPECT_EQ(core_->pending_updates(), 0u);
  Kill(kTask);
  ASSERT_FALSE(Updates().empty());
  EXPECT_EQ(Updates().back().status, api::ScheduleStatus::KILLED);
}

TEST_F(AgentCoreTest, ExecutorKilledWithSigkillIsReportedFailed) {
  StartCore();
  Connect();
  core_->OnMessage(LaunchMessage(kTask, "sleep 1000"));
  ASSERT_TRUE(WaitFor([&] { return HasState(kTask, api::ScheduleStatus::RUNNING); }, true));
  ASSERT_TRUE(WaitFor([&] {
    std::optional<ExecutorStatus> s = Status(kTask);
    return s && !s->pgids.empty();
  }));
  std::vector<int> pgids = Status(kTask)->pgids;
  const int pid = Record(kTask).executor_pid;

  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  ASSERT_TRUE(WaitFor([&] { return HasState(kTask, api::ScheduleStatus::FAILED); }, true));
  const agentproto::StatusUpdate last = Updates().back();
  EXPECT_EQ(last.status, api::ScheduleStatus::FAILED);
  EXPECT_THAT(last.message, HasSubstr("executor exited unexpectedly"));
  EXPECT_THAT(last.message, HasSubstr("signal 9"));
  // The task's processes went down with it.
  ASSERT_TRUE(WaitFor([&] {
    for (int pgid : pgids) {
      if (!ProcessGone(pgid)) return false;
    }
    return true;
  }));
}

TEST_F(AgentCoreTest, KillOfUnknownTaskIsReportedLost) {
  StartCore();
  Connect();
  Kill("no-such-task");
  std::vector<agentproto::StatusUpdate> updates = Updates();
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].taskId, "no-such-task");
  EXPECT_EQ(updates[0].status, api::ScheduleStatus::LOST);
  EXPECT_EQ(updates[0].message, "unknown task");
  Ack(updates[0].uuid);
  EXPECT_EQ(core_->pending_updates(), 0u);
}

TEST_F(AgentCoreTest, ReconcileReportsCurrentStateAndUnknownTasks) {
  StartCore();
  Connect();
  core_->OnMessage(LaunchMessage(kTask, "sleep 1000"));
  ASSERT_TRUE(WaitFor([&] { return HasState(kTask, api::ScheduleStatus::RUNNING); }, true));
  ASSERT_TRUE(WaitFor([&] { return core_->pending_updates() == 0; }, true));
  transport_.sent.clear();

  agentproto::Reconcile reconcile;
  reconcile.taskIds = {kTask, "ghost"};
  agentproto::AgentMessage message;
  message.__set_reconcile(reconcile);
  core_->OnMessage(message);
  std::vector<agentproto::StatusUpdate> updates = Updates();
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_EQ(updates[0].taskId, kTask);
  EXPECT_EQ(updates[0].status, api::ScheduleStatus::RUNNING);
  EXPECT_EQ(updates[1].taskId, "ghost");
  EXPECT_EQ(updates[1].status, api::ScheduleStatus::LOST);

  transport_.sent.clear();
  message.reconcile.taskIds.clear();  // all tasks
  core_->OnMessage(message);
  EXPECT_EQ(States(kTask).size(), 0u);  // queued behind the unacknowledged one
  Ack(updates[0].uuid);
  EXPECT_EQ(States(kTask), std::vector<api::ScheduleStatus::type>{api::ScheduleStatus::RUNNING});
}

TEST_F(AgentCoreTest, LaunchedTimeIsWhenTheLaunchArrivedNotWhenItWasHandled) {
  StartCore();
  Connect();
  const int64_t arrived_ms = clock_.NowMs();
  clock_.AdvanceMs(40);  // it waited on the agent's loop behind other work
  // The processes end at once: the test may end before their groups are recorded.
  core_->OnMessage(LaunchMessage(kTask, "true"), arrived_ms);
  EXPECT_EQ(Record(kTask).launched_ms, arrived_ms);
  core_->OnMessage(LaunchMessage("www-data-devel-other-0-1", "true"));
  EXPECT_EQ(Record("www-data-devel-other-0-1").launched_ms, clock_.NowMs());  // no time given
}

TEST_F(AgentCoreTest, ExecFailureIsReportedFailedWithTheReason) {
  executor_path_ = dir_.Sub("no-such-executor");
  StartCore();
  Connect();
  core_->OnMessage(LaunchMessage(kTask, "true"));
  std::vector<agentproto::StatusUpdate> updates = Updates();
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].status, api::ScheduleStatus::FAILED);
  EXPECT_THAT(updates[0].message, HasSubstr("no-such-executor"));
  EXPECT_THAT(updates[0].message, HasSubstr("No such file"));
  EXPECT_TRUE(Record(kTask).executor_gone);
}

TEST_F(AgentCoreTest, ExecutorThatNeverReportsIsLost) {
  executor_path_ = WriteScriptExecutor("exit 3\n");
  StartCore();
  Connect();
  core_->OnMessage(LaunchMessage(kTask, "true"));
  ASSERT_TRUE(WaitFor([&] { return HasState(kTask, api::ScheduleStatus::LOST); }, true));
  EXPECT_THAT(Updates().back().message, HasSubstr("exit code 3"));
}

TEST_F(AgentCoreTest, KillEscalatesToSigkillWhenTheExecutorIgnoresTerm) {
  // Writes STARTING and RUNNING, then waits forever with SIGTERM ignored.
  executor_path_ = WriteScriptExecutor(R"(trap '' TERM
dir="$2"
ticks=$(cut -d' ' -f22 /proc/$$/stat)
printf '{"executor_pid": %d, "executor_start_ticks": %s, "updates": [{"seq": 1, "state": "STARTING"}, {"seq": 2, "state": "RUNNING"}], "pgids": []}' $$ "$ticks" > "$dir/status.json.tmp"
mv "$dir/status.json.tmp" "$dir/status.json"
exec sleep 100000
)");
  StartCore();
  Connect();
  core_->OnMessage(LaunchMessage(kTask, "true"));
  ASSERT_TRUE(WaitFor([&] { return HasState(kTask, api::ScheduleStatus::RUNNING); }, true));
  const int pid = Record(kTask).executor_pid;

  Kill(kTask);
  core_->Tick();
  EXPECT_FALSE(ProcessGone(pid));  // TERM is ignored
  EXPECT_FALSE(HasState(kTask, api::ScheduleStatus::KILLED));
  clock_.AdvanceMs(1000 + 3'600'000);
  ASSERT_TRUE(WaitFor([&] { return HasState(kTask, api::ScheduleStatus::KILLED); }, true));
  EXPECT_THAT(Updates().back().message, HasSubstr("Killed forcibly"));
  ASSERT_TRUE(WaitFor([&] { return Record(kTask).executor_gone; }));
  EXPECT_TRUE(ProcessGone(pid));
  // Nothing more is reported once the executor is reaped.
  EXPECT_EQ(States(kTask).back(), api::ScheduleStatus::KILLED);
  EXPECT_EQ(States(kTask).size(), 3u);
}

TEST_F(AgentCoreTest, HeartbeatsFollowTheRegisteredInterval) {
  StartCore();
  Connect();
  auto heartbeats = [&] {
    int n = 0;
    for (const auto& m : transport_.sent) n += m.__isset.heartbeat ? 1 : 0;
    return n;
  };
  core_->Tick();
  EXPECT_EQ(heartbeats(), 0);
  clock_.AdvanceMs(1000);
  core_->Tick();
  EXPECT_EQ(heartbeats(), 1);
  core_->Tick();
  EXPECT_EQ(heartbeats(), 1);
  core_->OnDisconnected();
  clock_.AdvanceMs(5000);
  core_->Tick();
  EXPECT_EQ(heartbeats(), 1);  // nothing without a session
}

TEST_F(AgentCoreTest, AgentIdIsGeneratedOnceAndKept) {
  absl::StatusOr<std::string> first = LoadOrCreateAgentId(work_dir_, "box", 1);
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(*first, ::testing::StartsWith("box-"));
  absl::StatusOr<std::string> second = LoadOrCreateAgentId(work_dir_, "box", 2);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(*first, *second);
}

}  // namespace
}  // namespace borealis::agent
