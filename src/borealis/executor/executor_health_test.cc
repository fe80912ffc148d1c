// End-to-end tests of the executor's health checks and graceful shutdown
// (docs/health-checks.md) with real processes, and a tiny HTTP server of the test's own that
// the checks and
// the lifecycle endpoints talk to.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "borealis/base/clock.h"
#include "borealis/base/mutex.h"
#include "borealis/config/conversion.h"
#include "borealis/executor/status_file.h"
#include "borealis/executor/task_file.h"
#include "borealis/testing/temp_dir.h"

#include "borealis/executor/executor_run_testing.h"

namespace borealis::executor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using nlohmann::json;
using namespace executor_testing;  // NOLINT: test support

class TestHttpServer {
 public:
  TestHttpServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TestHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  void Reply(int status, std::string body) {
    base::MutexLock l(&mu_);
    status_ = status;
    body_ = std::move(body);
  }
  void OnRequest(std::function<void(const std::string&)> hook) {
    base::MutexLock l(&mu_);
    on_request_ = std::move(hook);
  }
  std::vector<std::string> Requests() const {
    base::MutexLock l(&mu_);
    return requests_;
  }
  // The requests whose line starts with `method`.
  std::vector<std::string> Requests(const std::string& method) const {
    std::vector<std::string> out;
    for (const std::string& r : Requests()) {
      if (r.rfind(method + " ", 0) == 0) out.push_back(r);
    }
    return out;
  }

 private:
  void Serve() {
    while (!stop_) {
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 50) <= 0) continue;
      int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      Handle(conn);
      ::close(conn);
    }
  }
  void Handle(int conn) {
    std::string raw;
    char buf[1024];
    while (raw.find("\r\n\r\n") == std::string::npos) {
      pollfd pfd{conn, POLLIN, 0};
      if (::poll(&pfd, 1, 2000) <= 0) return;
      ssize_t n = ::recv(conn, buf, sizeof(buf), 0);
      if (n <= 0) return;
      raw.append(buf, static_cast<size_t>(n));
    }
    std::string line = raw.substr(0, raw.find(' ', raw.find(' ') + 1));
    std::function<void(const std::string&)> hook;
    int status;
    std::string body;
    {
      base::MutexLock l(&mu_);
      requests_.push_back(line);
      hook = on_request_;
      status = status_;
      body = body_;
    }
    if (hook) hook(line);
    std::string reply = "HTTP/1.0 " + std::to_string(status) + " X\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body;
    ssize_t unused = ::send(conn, reply.data(), reply.size(), MSG_NOSIGNAL);
    (void)unused;
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable base::Mutex mu_;
  int status_ ABSL_GUARDED_BY(mu_) = 200;
  std::string body_ ABSL_GUARDED_BY(mu_) = "ok";
  std::function<void(const std::string&)> on_request_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> requests_ ABSL_GUARDED_BY(mu_);
};

// A loopback port nothing listens on (bound, read back, closed).
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Fast health checking: no grace unless asked, a check every 50 ms.
json HealthConfig(const json& checker, double initial_secs = 0, int max_failures = 0) {
  return {{"health_checker", checker},
          {"initial_interval_secs", initial_secs},
          {"interval_secs", 0.05},
          {"timeout_secs", 1.0},
          {"max_consecutive_failures", max_failures}};
}

const json kNoLifecycle = json::object();  // DisableLifecycle

TEST(ExecutorHealthTest, HttpCheckMustPassBeforeRunning) {
  TestHttpServer server;
  server.Reply(503, "starting");
  ExecutorRun run;
  run.WriteTask(ExecutorData({Process("web", "sleep 1000")}, {},
                             {{"health_check_config",
                               HealthConfig({{"http", json::object()}}, /*initial_secs=*/60)},
                              {"lifecycle", kNoLifecycle}}),
                5000, {{"health", server.port()}});
  run.Start();
  // Failing checks within the grace period keep the task STARTING.
  ASSERT_TRUE(WaitUntil([&] { return server.Requests("GET").size() >= 3; }));
  EXPECT_THAT(run.States(), ElementsAre("STARTING"));
  server.Reply(200, " OK\n");
  ASSERT_TRUE(run.WaitForState("RUNNING"));
  EXPECT_EQ(run.LastMessage(), "Task is healthy");
  EXPECT_EQ(server.Requests("GET")[0], "GET /health");
  ASSERT_EQ(::kill(run.pid(), SIGTERM), 0);
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "KILLED"));
}

TEST(ExecutorHealthTest, HttpCheckFailingRepeatedlyFailsTheTask) {
  TestHttpServer server;
  server.Reply(500, "broken");
  ExecutorRun run;
  run.WriteTask(ExecutorData({Process("web", "sleep 1000")}, {},
                             {{"health_check_config",
                               HealthConfig({{"http", {{"endpoint", "/status"}}}}, 0, 2)},
                              {"lifecycle", kNoLifecycle}}),
                5000, {{"health", server.port()}});
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "FAILED"));
  EXPECT_THAT(run.LastMessage(), HasSubstr("Failed health check!"));
  EXPECT_THAT(run.LastMessage(), HasSubstr("HTTP status 500"));
  EXPECT_EQ(server.Requests("GET").size(), 3u);  // 2 failures tolerated, the third fails
  EXPECT_EQ(server.Requests("GET")[0], "GET /status");
  auto status = run.Status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->processes.at("web").state, "KILLED");
  EXPECT_TRUE(ProcessGone(status->processes.at("web").pid));
}

TEST(ExecutorHealthTest, ShellCheckRunsInTheSandbox) {
  ExecutorRun run;
  run.WriteTask(ExecutorData(
      {Process("web", "sleep 0.3; touch healthy; sleep 1000")}, {},
      {{"health_check_config",
        HealthConfig({{"shell", {{"shell_command", "test -f healthy"}}}}, /*initial_secs=*/60)}}));
  run.Start();
  ASSERT_TRUE(run.WaitForState("RUNNING"));
  EXPECT_EQ(run.LastMessage(), "Task is healthy");
  ASSERT_EQ(::kill(run.pid(), SIGTERM), 0);
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "KILLED"));
}

TEST(ExecutorHealthTest, FailingShellCheckFailsTheTask) {
  ExecutorRun run;
  run.WriteTask(ExecutorData(
      {Process("web", "sleep 1000")}, {},
      {{"health_check_config", HealthConfig({{"shell", {{"shell_command", "exit 3"}}}})}}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "FAILED"));
  EXPECT_EQ(run.LastMessage(), "Failed health check! shell health check: exit code 3");
}

TEST(ExecutorHealthTest, TcpCheckPassesWhenThePortAccepts) {
  TestHttpServer server;
  ExecutorRun run;
  run.WriteTask(ExecutorData({Process("web", "sleep 1000")}, {},
                             {{"health_check_config", HealthConfig({{"tcp", json::object()}})},
                              {"lifecycle", kNoLifecycle}}),
                5000, {{"health", server.port()}});
  run.Start();
  ASSERT_TRUE(run.WaitForState("RUNNING"));
  EXPECT_EQ(run.LastMessage(), "Task is healthy");
  ASSERT_EQ(::kill(run.pid(), SIGTERM), 0);
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "KILLED"));
}

TEST(ExecutorHealthTest, TcpCheckFailsWhenNothingListens) {
  int port = ClosedPort();
  ExecutorRun run;
  run.WriteTask(ExecutorData({Process("web", "sleep 1000")}, {},
                             {{"health_check_config", HealthConfig({{"tcp", json::object()}})},
                              {"lifecycle", kNoLifecycle}}),
                5000, {{"health", port}});
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "FAILED"));
  EXPECT_THAT(run.LastMessage(), HasSubstr("Failed health check! connect to 127.0.0.1:" +
                                           std::to_string(port)));
}

TEST(ExecutorHealthTest, SnoozeFileKeepsABrokenServiceHealthy) {
  TestHttpServer server;
  server.Reply(500, "broken");
  ExecutorRun run;
  fs::create_directories(run.dir() + "/sandbox");
  std::ofstream(run.dir() + "/sandbox/.healthchecksnooze") << "";
  run.WriteTask(ExecutorData({Process("web", "sleep 1000")}, {},
                             {{"health_check_config", HealthConfig({{"http", json::object()}})},
                              {"lifecycle", kNoLifecycle}}),
                5000, {{"health", server.port()}});
  run.Start();
  ASSERT_TRUE(run.WaitForState("RUNNING"));
  EXPECT_THAT(server.Requests(), IsEmpty());
  ASSERT_EQ(::kill(run.pid(), SIGTERM), 0);
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "KILLED"));
}

TEST(ExecutorHealthTest, GracefulShutdownPostsThenTerminates) {
  ExecutorRun run;
  std::string term_file = run.dir() + "/sandbox/term.txt";
  std::mutex seen_mu;
  std::vector<bool> term_seen;
  TestHttpServer server;  // after what its hook uses, so it stops first
  // Each request notes whether the process had been sent TERM by then.
  server.OnRequest([&](const std::string&) {
    std::lock_guard<std::mutex> l(seen_mu);
    term_seen.push_back(fs::exists(term_file));
  });
  json lifecycle = {{"http", {{"graceful_shutdown_wait_secs", 1}, {"shutdown_wait_secs", 1}}}};
  run.WriteTask(
      ExecutorData({Process("web", "trap 'echo term > term.txt; exit 0' TERM; sleep 1000 & wait")},
                   {}, {{"health_check_config", HealthConfig({{"http", json::object()}})},
                        {"lifecycle", lifecycle}}),
      5000, {{"health", server.port()}});
  run.Start();
  ASSERT_TRUE(run.WaitForState("RUNNING"));
  ASSERT_EQ(::kill(run.pid(), SIGTERM), 0);
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "KILLED"));
  EXPECT_EQ(run.LastMessage(), "Killed by request");
  EXPECT_THAT(server.Requests("POST"), ElementsAre("POST /quitquitquit", "POST /abortabortabort"));
  EXPECT_EQ(run.Sandbox("term.txt"), "term\n");  // TERM came after both
  std::lock_guard<std::mutex> l(seen_mu);
  EXPECT_EQ(term_seen.size(), server.Requests().size());
  for (bool seen : term_seen) EXPECT_FALSE(seen);
}

TEST(ExecutorHealthTest, GracefulShutdownEndsEarlyWhenTheTaskExits) {
  ExecutorRun run;
  std::string quit_file = run.dir() + "/sandbox/quit";
  TestHttpServer server;
  server.OnRequest([&](const std::string& line) {
    if (line == "POST /quitquitquit") std::ofstream(quit_file) << "";
  });
  json lifecycle = {{"http", {{"graceful_shutdown_wait_secs", 20}, {"shutdown_wait_secs", 20}}}};
  run.WriteTask(ExecutorData({Process("web", "until [ -f quit ]; do sleep 0.05; done")}, {},
                             {{"health_check_config", HealthConfig({{"tcp", json::object()}})},
                              {"lifecycle", lifecycle}}),
                5000, {{"health", server.port()}});
  run.Start();
  ASSERT_TRUE(run.WaitForState("RUNNING"));
  ASSERT_EQ(::kill(run.pid(), SIGTERM), 0);
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "KILLED"));
  EXPECT_THAT(server.Requests("POST"), ElementsAre("POST /quitquitquit"));
  EXPECT_EQ(run.Status()->processes.at("web").state, "SUCCESS");
}

// Loggers (docs/aurora-compatibility.md): rotate keeps `backups` files of at most `log_size` bytes,
// `console` goes to the executor's own output, `none` writes nothing, and every run
// keeps its own directory.
}  // namespace
}  // namespace borealis::executor
