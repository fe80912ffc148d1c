// AgentDaemon and the borealis-agent binary against a fake scheduler: a net::HttpServer
// on a loopback ephemeral port serving /agent/v1. Real executors, real time; every wait
// has a deadline.
#include "borealis/agent/agent_daemon.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <deque>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "borealis/agent/agent_test_util.h"
#include "borealis/agent/codec.h"
#include "borealis/agent/paths.h"
#include "borealis/agent/sandbox_gc.h"
#include "borealis/base/mutex.h"
#include "borealis/net/http_client.h"
#include "borealis/net/http_server.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/testing/temp_dir.h"

#if !defined(BOREALIS_EXECUTOR_BIN) || !defined(BOREALIS_AGENT_BIN)
#error "BOREALIS_EXECUTOR_BIN and BOREALIS_AGENT_BIN must name the built binaries"
#endif

extern char** environ;

namespace borealis::agent {
namespace {

using ::borealis::testing::IsOk;
using ::testing::HasSubstr;

constexpr int64_t kWaitMs = 20'000;

int64_t NowMs() { return base::RealClock::Get().MonoNowNs() / 1'000'000; }

// The scheduler's side of the agent channel: records what agents send, answers
// RegisterAgent with AgentRegistered and acknowledges every status update.
class FakeScheduler {
 public:
  explicit FakeScheduler(int port = 0) {
    net::HttpServer::Options options;
    options.port = port;
    server_ = std::make_unique<net::HttpServer>(options);
    net::WebSocketHandlers handlers;
    handlers.on_open = [this](std::shared_ptr<net::WebSocketSession> session) {
      base::MutexLock lock(&mu_);
      session_ = std::move(session);
    };
    handlers.on_message = [this](const std::shared_ptr<net::WebSocketSession>& session,
                                 std::string frame) {
      absl::StatusOr<agentproto::AgentMessage> message = DecodeAgentMessage(frame);
      if (!message.ok()) return;
      if (message->__isset.registerAgent) {
        agentproto::AgentMessage reply;
        agentproto::AgentRegistered registered;
        registered.agentId = message->registerAgent.agentId;
        registered.heartbeatIntervalMs = 200;
        reply.__set_registered(registered);
        session->Send(EncodeAgentMessage(reply));
      } else if (message->__isset.statusUpdate) {
        agentproto::AgentMessage reply;
        agentproto::Acknowledge ack;
        ack.uuid = message->statusUpdate.uuid;
        ack.taskId = message->statusUpdate.taskId;
        reply.__set_acknowledge(ack);
        session->Send(EncodeAgentMessage(reply));
      }
      base::MutexLock lock(&mu_);
      received_.push_back(*std::move(message));
      cv_.SignalAll();
    };
    server_->WebSocket("/agent/v1", handlers);
  }

  absl::Status Start() { return server_->Start(); }
  int port() const { return server_->port(); }
  void Stop() { server_->Stop(); }

  void Send(const agentproto::AgentMessage& message) {
    base::MutexLock lock(&mu_);
    ASSERT_NE(session_, nullptr);
    session_->Send(EncodeAgentMessage(message));
  }

  // Waits until some received message satisfies `match`; returns a copy of it.
  std::optional<agentproto::AgentMessage> WaitFor(
      const std::function<bool(const agentproto::AgentMessage&)>& match,
      int64_t timeout_ms = kWaitMs) {
    base::MutexLock lock(&mu_);
    std::optional<agentproto::AgentMessage> found;
    cv_.WaitFor(&mu_, std::chrono::milliseconds(timeout_ms), [&] {
      mu_.AssertHeld();
      for (const auto& m : received_) {
        if (match(m)) {
          found = m;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  // Waits up to `ms` for any new message (a bounded pause between checks).
  void WaitForTraffic(int64_t ms) {
    base::MutexLock lock(&mu_);
    size_t seen = received_.size();
    cv_.WaitFor(&mu_, std::chrono::milliseconds(ms), [&] {
      mu_.AssertHeld();
      return received_.size() != seen;
    });
  }
  void Clear() {
    base::MutexLock lock(&mu_);
    received_.clear();
  }

 private:
  std::unique_ptr<net::HttpServer> server_;
  base::Mutex mu_;
  base::CondVar cv_;
  std::shared_ptr<net::WebSocketSession> session_ ABSL_GUARDED_BY(mu_);
  std::deque<agentproto::AgentMessage> received_ ABSL_GUARDED_BY(mu_);
};

bool IsRegister(const agentproto::AgentMessage& m) { return m.__isset.registerAgent; }
bool IsHeartbeat(const agentproto::AgentMessage& m) { return m.__isset.heartbeat; }
std::function<bool(const agentproto::AgentMessage&)> IsUpdate(api::ScheduleStatus::type s) {
  return [s](const agentproto::AgentMessage& m) {
    return m.__isset.statusUpdate && m.statusUpdate.status == s;
  };
}

agentproto::AgentMessage Launch(const std::string& task_id) {
  api::AssignedTask task;
  task.taskId = task_id;
  task.task.job.role = "www-data";
  task.task.__isset.executorConfig = true;
  task.task.executorConfig.data = R"({"task": {"name": "t",
      "processes": [{"name": "main", "cmdline": "sleep 1000"}],
      "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}}})";
  agentproto::AgentMessage message;
  agentproto::LaunchTask launch;
  launch.task = task;
  message.__set_launchTask(launch);
  return message;
}

class AgentDaemonTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (daemon_ != nullptr) daemon_->Stop();
    KillExecutorsUnder(dir_.Sub("work"));
  }

  AgentDaemonOptions Options(int master_port) {
    AgentDaemonOptions options;
    options.core.work_dir = dir_.Sub("work");
    options.core.info.agent_id = "agent-7";
    options.core.info.host = "127.0.0.1";
    options.core.info.resources.milli_cpus = 2000;
    options.core.info.attributes = {{"host", {"127.0.0.1"}}};
    options.core.executor_path = BOREALIS_EXECUTOR_BIN;
    options.core.kill_grace_ms = 1000;
    options.master_host = "127.0.0.1";
    options.master_port = master_port;
    options.port_file = dir_.Sub("agent.port");
    return options;
  }

  absl::StatusOr<net::HttpResponse> Get(const std::string& target) {
    return net::HttpCall("GET", "127.0.0.1", daemon_->http_port(), target, "", "", 5000);
  }

  borealis::testing::TempDir dir_;
  std::unique_ptr<AgentDaemon> daemon_;
};

TEST_F(AgentDaemonTest, RegistersHeartbeatsAndServesHealth) {
  FakeScheduler scheduler;
  ASSERT_THAT(scheduler.Start(), IsOk());
  absl::StatusOr<std::unique_ptr<AgentDaemon>> daemon =
      AgentDaemon::Start(Options(scheduler.port()), base::RealClock::Get());
  ASSERT_THAT(daemon, IsOk());
  daemon_ = *std::move(daemon);

  std::optional<agentproto::AgentMessage> reg = scheduler.WaitFor(IsRegister);
  ASSERT_TRUE(reg.has_value());
  EXPECT_EQ(reg->registerAgent.agentId, "agent-7");
  EXPECT_EQ(reg->registerAgent.resources.milliCpus, 2000);
  ASSERT_TRUE(scheduler.WaitFor(IsHeartbeat).has_value());

  absl::StatusOr<std::string> port_file = ReadFile(dir_.Sub("agent.port"));
  ASSERT_THAT(port_file, IsOk());
  EXPECT_EQ(*port_file, std::to_string(daemon_->http_port()) + "\n");
  absl::StatusOr<net::HttpResponse> health = Get("/health");
  ASSERT_THAT(health, IsOk());
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "OK");
  absl::StatusOr<net::HttpResponse> tasks = Get("/tasks");
  ASSERT_THAT(tasks, IsOk());
  EXPECT_EQ(tasks->status, 200);
  EXPECT_THAT(tasks->body, HasSubstr("[]"));
}

TEST_F(AgentDaemonTest, ReconnectsWhenTheSchedulerComesBack) {
  auto scheduler = std::make_unique<FakeScheduler>();
  ASSERT_THAT(scheduler->Start(), IsOk());
  const int port = scheduler->port();
  absl::StatusOr<std::unique_ptr<AgentDaemon>> daemon =
      AgentDaemon::Start(Options(port), base::RealClock::Get());
  ASSERT_THAT(daemon, IsOk());
  daemon_ = *std::move(daemon);
  ASSERT_TRUE(scheduler->WaitFor(IsRegister).has_value());

  scheduler->Stop();
  scheduler = std::make_unique<FakeScheduler>(port);  // the same address, a new process
  ASSERT_THAT(scheduler->Start(), IsOk());
  ASSERT_TRUE(scheduler->WaitFor(IsRegister).has_value());
  ASSERT_TRUE(scheduler->WaitFor(IsHeartbeat).has_value());
}

TEST_F(AgentDaemonTest, RunsAndKillsATaskWithPokesAndAcks) {
  FakeScheduler scheduler;
  ASSERT_THAT(scheduler.Start(), IsOk());
  absl::StatusOr<std::unique_ptr<AgentDaemon>> daemon =
      AgentDaemon::Start(Options(scheduler.port()), base::RealClock::Get());
  ASSERT_THAT(daemon, IsOk());
  daemon_ = *std::move(daemon);
  ASSERT_TRUE(scheduler.WaitFor(IsRegister).has_value());

  scheduler.Send(Launch("task-a"));
  ASSERT_TRUE(scheduler.WaitFor(IsUpdate(api::ScheduleStatus::STARTING)).has_value());
  ASSERT_TRUE(scheduler.WaitFor(IsUpdate(api::ScheduleStatus::RUNNING)).has_value());

  bool listed = false;
  for (int64_t deadline = NowMs() + kWaitMs; !listed && NowMs() < deadline;) {
    absl::StatusOr<net::HttpResponse> tasks = Get("/tasks");
    ASSERT_THAT(tasks, IsOk());
    listed = tasks->body.find("\"task-a\"") != std::string::npos &&
             tasks->body.find("\"RUNNING\"") != std::string::npos;
    if (!listed) scheduler.WaitForTraffic(50);
  }
  EXPECT_TRUE(listed);

  agentproto::AgentMessage kill;
  agentproto::KillTask kill_task;
  kill_task.taskId = "task-a";
  kill.__set_killTask(kill_task);
  scheduler.Send(kill);
  std::optional<agentproto::AgentMessage> killed =
      scheduler.WaitFor(IsUpdate(api::ScheduleStatus::KILLED));
  ASSERT_TRUE(killed.has_value());
  EXPECT_EQ(killed->statusUpdate.taskId, "task-a");
}

// Runs the agent binary; returns its exit code and what it printed.
std::pair<int, std::string> RunAgentBinary(const std::string& args) {
  std::string command = std::string(BOREALIS_AGENT_BIN) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  std::string output;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof(buf), pipe)) output.append(buf, n);
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(AgentBinaryTest, BadFlagsGiveOneLineAndExitCode2) {
  borealis::testing::TempDir dir;
  const std::string work = " --work-dir " + dir.Sub("w");
  for (const std::string& args : {std::string("--work-dir x"), "--master nope" + work,
                                  "--master 127.0.0.1:1 --resources cpus:lots" + work,
                                  "--master 127.0.0.1:1 --attributes rack" + work,
                                  "--master 127.0.0.1:1 --executor /no/such/file" + work,
                                  "--master 127.0.0.1:1 --http-port notanumber" + work}) {
    auto [code, output] = RunAgentBinary(args);
    EXPECT_EQ(code, 2) << args << ": " << output;
    EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << args << ": " << output;
    EXPECT_THAT(output, HasSubstr("borealis-agent: ")) << args;
  }
}

TEST(AgentBinaryTest, StartsRegistersAndStopsOnSigterm) {
  borealis::testing::TempDir dir;
  FakeScheduler scheduler;
  ASSERT_THAT(scheduler.Start(), IsOk());
  std::vector<std::string> args = {BOREALIS_AGENT_BIN,
                                   "--master",
                                   "127.0.0.1:" + std::to_string(scheduler.port()),
                                   "--work-dir",
                                   dir.Sub("work"),
                                   "--port-file",
                                   dir.Sub("port"),
                                   "--executor",
                                   BOREALIS_EXECUTOR_BIN,
                                   "--resources",
                                   "cpus:2;mem:512;disk:1000;ports:[31000-31010,32000-32000]",
                                   "--attributes",
                                   "rack:r9",
                                   "--log-level",
                                   "warn"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ), 0);

  std::optional<agentproto::AgentMessage> reg = scheduler.WaitFor(IsRegister);
  EXPECT_TRUE(reg.has_value());
  if (reg) {
    const agentproto::RegisterAgent& r = reg->registerAgent;
    EXPECT_EQ(r.host, "127.0.0.1");
    EXPECT_EQ(r.resources.milliCpus, 2000);
    EXPECT_EQ(r.resources.ramMb, 512);
    EXPECT_EQ(r.resources.ports.size(), 2u);
    EXPECT_EQ(r.attributes.at("rack"), std::vector<std::string>{"r9"});
    EXPECT_EQ(r.attributes.at("host"), std::vector<std::string>{"127.0.0.1"});
    // The id is generated once and kept in the work dir.
    absl::StatusOr<std::string> id = ReadFile(dir.Sub("work") + "/agent_id");
    ASSERT_THAT(id, IsOk());
    EXPECT_EQ(*id, r.agentId + "\n");
  }
  // The port file is written once the HTTP port listens.
  absl::StatusOr<std::string> port = ReadFile(dir.Sub("port"));
  ASSERT_THAT(port, IsOk());
  absl::StatusOr<net::HttpResponse> health =
      net::HttpCall("GET", "127.0.0.1", std::stoi(*port), "/health", "", "", 5000);
  ASSERT_THAT(health, IsOk());
  EXPECT_EQ(health->body, "OK");

  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

// The whole chain in the daemon: a real task finishes, the scheduler acknowledges it, and
// the GC thread deletes its directory and makes the agent forget it.
TEST(AgentDaemonGcTest, CollectsAFinishedTaskAndForgetsIt) {
  borealis::testing::TempDir dir;
  FakeScheduler scheduler;
  ASSERT_THAT(scheduler.Start(), IsOk());
  AgentDaemonOptions options;
  options.core.work_dir = dir.Sub("work");
  options.core.info.agent_id = "agent-gc";
  options.core.info.host = "127.0.0.1";
  options.core.executor_path = BOREALIS_EXECUTOR_BIN;
  options.master_host = "127.0.0.1";
  options.master_port = scheduler.port();
  options.sandbox_gc.max_age_ms = 0;
  options.sandbox_gc.interval_ms = 50;
  absl::StatusOr<std::unique_ptr<AgentDaemon>> daemon =
      AgentDaemon::Start(options, base::RealClock::Get());
  ASSERT_THAT(daemon, IsOk());
  struct Cleanup {
    AgentDaemon* daemon;
    std::string work;
    ~Cleanup() {
      daemon->Stop();
      KillExecutorsUnder(work);
    }
  } cleanup{daemon->get(), options.core.work_dir};
  ASSERT_TRUE(scheduler.WaitFor(IsRegister).has_value());

  const std::string id = "www-data-devel-gc-0-1";
  api::AssignedTask task;
  task.taskId = id;
  task.task.job.role = "www-data";
  task.task.__isset.executorConfig = true;
  task.task.executorConfig.data = R"({"task": {"name": "t",
      "processes": [{"name": "main", "cmdline": "echo done"}],
      "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}}})";
  agentproto::LaunchTask launch;
  launch.task = task;
  agentproto::AgentMessage message;
  message.__set_launchTask(launch);
  scheduler.Send(message);
  ASSERT_TRUE(scheduler.WaitFor(IsUpdate(api::ScheduleStatus::FINISHED)).has_value());

  // Bounded wait for the GC thread (every 50 ms) to notice.
  AgentPaths paths{options.core.work_dir};
  struct stat st;
  bool gone = false;
  std::string listing;
  for (int i = 0; i < 400 && !gone; ++i) {
    absl::StatusOr<net::HttpResponse> tasks = net::HttpCall(
        "GET", "127.0.0.1", (*daemon)->http_port(), "/observer/api/tasks", "", "", 5000);
    ASSERT_THAT(tasks, IsOk());
    listing = tasks->body;
    absl::StatusOr<std::vector<std::string>> trash = ListDir(GcTrashDir(paths));
    gone = ::stat(paths.TaskDir(id).c_str(), &st) != 0 && listing.find(id) == std::string::npos &&
           trash.ok() && trash->empty();
    if (!gone) ::usleep(50'000);  // the GC interval; bounded by the loop
  }
  EXPECT_TRUE(gone) << listing;  // dropped from the listing, moved, then deleted
  absl::StatusOr<net::HttpResponse> page = net::HttpCall("GET", "127.0.0.1", (*daemon)->http_port(),
                                                         "/observer/api/task/" + id, "", "", 5000);
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->status, 404);
}


}  // namespace
}  // namespace borealis::agent
