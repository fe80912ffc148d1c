// End-to-end tests of the borealis-executor binary with real processes in a temporary
// task directory, following the agent's contract (task_file.h, status_file.h): the
// test plays the agent, writes task.json, starts the executor in its own session,
// listens on a datagram socket and reads status.json after each notification.
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

#include "borealis/base/clock.h"
#include "borealis/config/conversion.h"
#include "borealis/executor/status_file.h"
#include "borealis/executor/task_file.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::executor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using nlohmann::json;
namespace fs = std::filesystem;

constexpr int64_t kDeadlineMs = 30'000;

// Milliseconds left until a deadline taken from the real clock (through base::Clock).
class Deadline {
 public:
  Deadline() : end_ms_(NowMs() + kDeadlineMs) {}
  int64_t LeftMs() const { return std::max<int64_t>(0, end_ms_ - NowMs()); }
  bool Passed() const { return LeftMs() == 0; }

 private:
  static int64_t NowMs() { return base::RealClock::Get().MonoNowNs() / 1'000'000; }
  int64_t end_ms_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// True once `pid` no longer exists (or is only a zombie waiting for its reaper).
bool ProcessGone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  return close == std::string::npos || (close + 2 < stat.size() && stat[close + 2] == 'Z');
}

// Waits for `condition`, checking it every few milliseconds, up to the deadline.
bool WaitUntil(const std::function<bool()>& condition) {
  Deadline deadline;
  while (!condition()) {
    if (deadline.Passed()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Executor data for a job with these processes, built the way the CLI builds it.
// `extra` adds job fields (health_check_config, lifecycle, ...).
std::string ExecutorData(const std::vector<json>& process_list,
                         const std::vector<std::vector<std::string>>& orders = {},
                         const json& extra = json::object()) {
  json processes = json::array();
  for (const json& p : process_list) processes.push_back(p);
  json constraints = json::array();
  for (const auto& order : orders) constraints.push_back(json{{"order", order}});
  json job = {{"name", "hello"},
              {"role", "www-data"},
              {"environment", "devel"},
              {"cluster", "devcluster"},
              {"task",
               {{"processes", processes},
                {"constraints", constraints},
                {"resources", {{"cpu", 0.1}, {"ram", 16 << 20}, {"disk", 16 << 20}}}}}};
  for (const auto& [key, value] : extra.items()) job[key] = value;
  auto jobs = config::ParseJobsJson(job.dump(), "test");
  EXPECT_TRUE(jobs.ok()) << jobs.status();
  auto conf = config::ToJobConfiguration((*jobs)[0], "tester");
  EXPECT_TRUE(conf.ok()) << conf.status();
  return conf->task.executor_data;
}

json Process(const std::string& name, const std::string& cmdline, int max_failures = 1) {
  return {{"name", name}, {"cmdline", cmdline}, {"max_failures", max_failures},
          {"min_duration", 0}};
}

// Plays the agent for one task.
class ExecutorRun {
 public:
  explicit ExecutorRun(std::string task_id = "task-1") : task_id_(std::move(task_id)) {
    task_dir_ = tmp_.Sub("sandboxes/" + task_id_);
    fs::create_directories(task_dir_);
    socket_path_ = tmp_.Sub("agent.sock");
    sock_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", socket_path_.c_str());
    EXPECT_EQ(::bind(sock_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  }

  ~ExecutorRun() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    // Leave nothing behind even when a test failed half-way.
    if (auto status = Status(); status.ok()) {
      for (int pgid : status->pgids) ::kill(-pgid, SIGKILL);
    }
    if (sock_ >= 0) ::close(sock_);
  }

  const std::string& dir() const { return task_dir_; }
  const std::string& task_id() const { return task_id_; }
  pid_t pid() const { return pid_; }

  void WriteTask(const std::string& executor_data, int64_t kill_grace_ms = 5000,
                 std::map<std::string, int> ports = {{"http", 31337}}) {
    TaskFile task;
    task.task_id = task_id_;
    task.instance_id = 3;
    task.hostname = "host-a";
    task.agent_id = "agent-1";
    task.role = "www-data";
    task.ports = std::move(ports);
    task.executor_data = executor_data;
    task.kill_grace_ms = kill_grace_ms;
    task.run_as_agent_user = true;  // users are tested in executor_isolation_test.cc
    std::ofstream(task_dir_ + "/task.json") << TaskFileToJson(task);
  }

  void Start() {
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      ::setsid();
      int log = ::open((task_dir_ + "/executor.log").c_str(),
                       O_WRONLY | O_CREAT | O_APPEND, 0644);
      int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, 0);
      ::dup2(log, 1);
      ::dup2(log, 2);
      ::execl(BOREALIS_EXECUTOR_BIN, "borealis-executor", "--task-dir", task_dir_.c_str(),
              "--agent-socket", socket_path_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }

  absl::StatusOr<StatusDocument> Status() const {
    std::string text = ReadFile(task_dir_ + "/status.json");
    if (text.empty()) return absl::NotFoundError("no status.json");
    return ParseStatusJson(text);
  }

  // Waits (on the agent socket) until status.json satisfies `condition`.
  bool WaitForStatus(const std::function<bool(const StatusDocument&)>& condition) {
    Deadline deadline;
    while (true) {
      if (auto s = Status(); s.ok() && condition(*s)) return true;
      if (deadline.Passed()) return false;
      pollfd pfd{sock_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(deadline.LeftMs(), 200))) > 0) {
        char buf[512];
        ssize_t n = ::recv(sock_, buf, sizeof(buf), 0);
        if (n > 0) datagrams_.emplace_back(buf, static_cast<size_t>(n));
      }
    }
  }

  bool WaitForState(const std::string& state) {
    return WaitForStatus([&](const StatusDocument& s) {
      for (const auto& u : s.updates) {
        if (u.state == state) return true;
      }
      return false;
    });
  }

  // Waits for the executor to exit; returns its exit code, -1 on timeout.
  int WaitExit() {
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    EXPECT_GE(pidfd, 0);
    pollfd pfd{pidfd, POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(kDeadlineMs));
    ::close(pidfd);
    if (ready <= 0) return -1;
    int wstatus = 0;
    ::waitpid(pid_, &wstatus, 0);
    exited_ = true;
    // Take what the executor sent before it exited.
    char buf[512];
    ssize_t n;
    while ((n = ::recv(sock_, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
      datagrams_.emplace_back(buf, static_cast<size_t>(n));
    }
    return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  }

  std::vector<std::string> States() const {
    std::vector<std::string> out;
    if (auto s = Status(); s.ok()) {
      for (const auto& u : s->updates) out.push_back(u.state);
    }
    return out;
  }
  std::string LastMessage() const {
    auto s = Status();
    return s.ok() && !s->updates.empty() ? s->updates.back().message : "";
  }
  std::string Log(const std::string& process, int run, const std::string& stream = "stdout") {
    return ReadFile(task_dir_ + "/.logs/" + process + "/" + std::to_string(run) + "/" + stream);
  }
  std::string Sandbox(const std::string& file) { return ReadFile(task_dir_ + "/sandbox/" + file); }
  const std::vector<std::string>& datagrams() const { return datagrams_; }

 private:
  testing::TempDir tmp_;
  std::string task_id_;
  std::string task_dir_;
  std::string socket_path_;
  int sock_ = -1;
  pid_t pid_ = -1;
  bool exited_ = false;
  std::vector<std::string> datagrams_;
};

TEST(ExecutorTest, RunsInOrderAndFinishes) {
  ExecutorRun run;
  run.WriteTask(ExecutorData(
      {Process("a", "sleep 0.2; echo a >> order.txt; echo out-a; echo err-a >&2"),
       Process("b", "echo b >> order.txt"),
       Process("c", "echo c >> order.txt; echo \"$PWD|$HOME|$(env | cut -d= -f1 | sort | "
                    "tr '\\n' ' ')\"")},
      {{"a", "b", "c"}}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "FINISHED"));
  EXPECT_EQ(run.Sandbox("order.txt"), "a\nb\nc\n");
  EXPECT_EQ(run.Log("a", 0), "out-a\n");
  EXPECT_EQ(run.Log("a", 0, "stderr"), "err-a\n");
  // cwd and HOME are the sandbox; the environment is cleared.
  std::string sandbox = fs::canonical(run.dir() + "/sandbox").string();
  std::string env_line = run.Log("c", 0);
  EXPECT_THAT(env_line, HasSubstr(sandbox + "|" + sandbox + "|"));
  EXPECT_THAT(env_line, HasSubstr("HOME"));
  EXPECT_THAT(env_line, HasSubstr("PATH"));
  EXPECT_THAT(env_line, ::testing::Not(HasSubstr("BOREALIS")));
  EXPECT_THAT(env_line, ::testing::Not(HasSubstr("GTEST")));

  auto status = run.Status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->task_id, "task-1");
  EXPECT_EQ(status->executor_pid, run.pid());
  EXPECT_GT(status->executor_start_ticks, 0);
  ASSERT_EQ(status->updates.size(), 3u);
  for (size_t i = 0; i < status->updates.size(); ++i) {
    EXPECT_EQ(status->updates[i].seq, static_cast<int64_t>(i + 1));
    EXPECT_GT(status->updates[i].timestamp_ms, 0);
    if (i > 0) {
      EXPECT_GE(status->updates[i].timestamp_ms, status->updates[i - 1].timestamp_ms);
    }
  }
  EXPECT_EQ(status->updates[2].message, "Task finished");
  for (const auto& [name, p] : status->processes) {
    EXPECT_EQ(p.state, "SUCCESS") << name;
    EXPECT_EQ(p.runs, 1) << name;
    EXPECT_EQ(p.exit_code, 0) << name;
    EXPECT_GT(p.pid, 0) << name;
  }
  EXPECT_THAT(status->pgids, IsEmpty());
  // One datagram with the task id per status write.
  ASSERT_FALSE(run.datagrams().empty());
  for (const std::string& d : run.datagrams()) EXPECT_EQ(d, "task-1");
}

TEST(ExecutorTest, RetriesUpToMaxFailuresThenFails) {
  ExecutorRun run;
  run.WriteTask(ExecutorData({Process("web", "echo run >> runs.txt; echo try; exit 3", 3),
                              Process("other", "sleep 1000")}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "FAILED"));
  EXPECT_EQ(run.LastMessage(), "Process 'web' failed (exit code 3) after 3 attempt(s)");
  EXPECT_EQ(run.Sandbox("runs.txt"), "run\nrun\nrun\n");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(run.Log("web", i), "try\n") << i;
  auto status = run.Status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->processes.at("web").state, "FAILED");
  EXPECT_EQ(status->processes.at("web").runs, 3);
  EXPECT_EQ(status->processes.at("web").exit_code, 3);
  // The rest was killed.
  EXPECT_EQ(status->processes.at("other").state, "KILLED");
  EXPECT_TRUE(ProcessGone(status->processes.at("other").pid));
  EXPECT_THAT(status->pgids, IsEmpty());
}

TEST(ExecutorTest, RetrySucceeds) {
  ExecutorRun run;
  run.WriteTask(ExecutorData(
      {Process("flaky", "if [ -f marker ]; then echo ok; else touch marker; exit 1; fi", 2)}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "FINISHED"));
  EXPECT_EQ(run.Status()->processes.at("flaky").runs, 2);
  EXPECT_EQ(run.Log("flaky", 1), "ok\n");
}

TEST(ExecutorTest, StatusKeepsEveryRunOfAProcess) {
  ExecutorRun run;
  // Fails with exit code 4, then 5, then succeeds; each run lasts a little while.
  run.WriteTask(ExecutorData({Process(
      "flaky", "sleep 0.02; n=$(cat count 2>/dev/null || echo 0); echo $((n + 1)) > count; "
               "[ \"$n\" -ge 2 ] || exit $((n + 4))",
      3)}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "FINISHED"));
  auto status = run.Status();
  ASSERT_TRUE(status.ok()) << status.status();
  const ProcessRecord& flaky = status->processes.at("flaky");
  EXPECT_EQ(flaky.state, "SUCCESS");
  EXPECT_EQ(flaky.runs, 3);
  EXPECT_EQ(flaky.exit_code, 0);
  ASSERT_EQ(flaky.history.size(), 3u);
  const std::vector<std::string> states = {"FAILED", "FAILED", "SUCCESS"};
  const std::vector<int> codes = {4, 5, 0};
  std::set<int> pids;
  for (size_t i = 0; i < 3; ++i) {
    const RunEntry& r = flaky.history[i];
    EXPECT_EQ(r.run, static_cast<int>(i));
    EXPECT_EQ(r.state, states[i]) << i;
    EXPECT_EQ(r.exit_code, codes[i]) << i;
    EXPECT_GT(r.pid, 0) << i;
    pids.insert(r.pid);
    EXPECT_GT(r.start_ms, 0) << i;
    EXPECT_GE(r.stop_ms, r.start_ms + 20) << i;  // each run sleeps 20 ms
    if (i > 0) {
      EXPECT_GT(r.start_ms, flaky.history[i - 1].start_ms) << i;
      EXPECT_GE(r.start_ms, flaky.history[i - 1].stop_ms) << i;
    }
  }
  EXPECT_EQ(pids.size(), 3u);
  EXPECT_EQ(flaky.history.back().pid, flaky.pid);
  // Wall clock: the runs fall between the task's first and last updates (give or take
  // the rounding of the executor's wall-minus-monotonic offset).
  EXPECT_GE(flaky.history.front().start_ms, status->updates.front().timestamp_ms - 5);
  EXPECT_LE(flaky.history.back().stop_ms, status->updates.back().timestamp_ms + 5);
}

TEST(ExecutorTest, TemplatedCmdline) {
  ExecutorRun run("the-task-id");
  run.WriteTask(ExecutorData({Process(
      "t", "echo {{mesos.instance}} {{mesos.hostname}} {{thermos.task_id}} "
           "{{thermos.ports[http]}} {{name}}")}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_EQ(run.Log("t", 0), "3 host-a the-task-id 31337 t\n");
}

TEST(ExecutorTest, UnboundTemplateFailsTheTask) {
  ExecutorRun run;
  run.WriteTask(ExecutorData({Process("web", "serve --admin={{thermos.ports[admin]}}")}));
  run.Start();
  EXPECT_EQ(run.WaitExit(), 1);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "FAILED"));
  EXPECT_THAT(run.LastMessage(), HasSubstr("process 'web'"));
  EXPECT_THAT(run.LastMessage(), HasSubstr("unbound template '{{thermos.ports[admin]}}'"));
}

TEST(ExecutorTest, SigtermKillsTheWholeProcessTree) {
  ExecutorRun run;
  run.WriteTask(ExecutorData({Process("tree", "sleep 1000 & echo $! > grandchild.pid; wait"),
                              Process("plain", "sleep 1000")}));
  run.Start();
  ASSERT_TRUE(run.WaitForState("RUNNING"));
  ASSERT_TRUE(WaitUntil([&] { return !run.Sandbox("grandchild.pid").empty(); }));
  pid_t grandchild = std::stoi(run.Sandbox("grandchild.pid"));
  auto before = run.Status();
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(run.WaitForStatus([](const StatusDocument& s) { return s.pgids.size() == 2; }));
  EXPECT_FALSE(ProcessGone(grandchild));

  ASSERT_EQ(::kill(run.pid(), SIGTERM), 0);
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "KILLED"));
  EXPECT_EQ(run.LastMessage(), "Killed by request");
  EXPECT_TRUE(WaitUntil([&] { return ProcessGone(grandchild); }));
  auto status = run.Status();
  ASSERT_TRUE(status.ok());
  for (const auto& [name, p] : status->processes) {
    EXPECT_EQ(p.state, "KILLED") << name;
    EXPECT_TRUE(ProcessGone(p.pid)) << name;
  }
  EXPECT_THAT(status->pgids, IsEmpty());
}

TEST(ExecutorTest, KillEscalatesToSigkillAfterTheGrace) {
  ExecutorRun run;
  // Ignored signals stay ignored across exec, so sleep ignores SIGTERM too.
  run.WriteTask(ExecutorData({Process("stubborn", "trap '' TERM; echo ready; sleep 1000")}),
                /*kill_grace_ms=*/300);
  run.Start();
  ASSERT_TRUE(run.WaitForState("RUNNING"));
  ASSERT_TRUE(WaitUntil([&] { return run.Log("stubborn", 0) == "ready\n"; }));
  ASSERT_EQ(::kill(run.pid(), SIGTERM), 0);
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "KILLED"));
  auto status = run.Status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->processes.at("stubborn").exit_code, 128 + SIGKILL);
  EXPECT_TRUE(ProcessGone(status->processes.at("stubborn").pid));
}

TEST(ExecutorTest, EscapedDaemonIsKilledAtTheEnd) {
  ExecutorRun run;
  run.WriteTask(ExecutorData({Process("daemonize", "setsid sleep 1000 & echo $! > escaped.pid")}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "FINISHED"));
  pid_t escaped = std::stoi(run.Sandbox("escaped.pid"));
  EXPECT_TRUE(WaitUntil([&] { return ProcessGone(escaped); }));
}

TEST(ExecutorTest, MissingTaskFileFails) {
  ExecutorRun run("lonely-task");
  run.Start();
  EXPECT_EQ(run.WaitExit(), 1);
  auto status = run.Status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->task_id, "lonely-task");
  ASSERT_EQ(status->updates.size(), 1u);
  EXPECT_EQ(status->updates[0].state, "FAILED");
  EXPECT_THAT(status->updates[0].message, HasSubstr("cannot read task.json"));
}

TEST(ExecutorTest, MalformedTaskFileFails) {
  ExecutorRun run;
  std::ofstream(run.dir() + "/task.json") << R"({"task_id": "task-1", "ports": {"http": "x"}})";
  run.Start();
  EXPECT_EQ(run.WaitExit(), 1);
  EXPECT_THAT(run.States(), ElementsAre("FAILED"));
  EXPECT_THAT(run.LastMessage(), HasSubstr("task.json: field 'executor_data': missing"));
}

TEST(ExecutorTest, ExecutorDataWithoutProcessesFails) {
  ExecutorRun run;
  run.WriteTask(R"({"task": {"processes": [], "resources": {"cpu": 1, "ram": 1, "disk": 1}}})");
  run.Start();
  EXPECT_EQ(run.WaitExit(), 1);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "FAILED"));
  EXPECT_THAT(run.LastMessage(), HasSubstr("executor data: task.processes"));
}


// A tiny HTTP/1.0 server for the health and lifecycle tests, on 127.0.0.1 and an
// ephemeral port: one request per connection, served on its own thread. It records
// "METHOD PATH" of every request and answers with the status and body set last;
// `on_request` (if set) runs on the server thread before the answer.
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
    std::lock_guard<std::mutex> l(mu_);
    status_ = status;
    body_ = std::move(body);
  }
  void OnRequest(std::function<void(const std::string&)> hook) {
    std::lock_guard<std::mutex> l(mu_);
    on_request_ = std::move(hook);
  }
  std::vector<std::string> Requests() const {
    std::lock_guard<std::mutex> l(mu_);
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
      std::lock_guard<std::mutex> l(mu_);
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
  mutable std::mutex mu_;
  int status_ = 200;
  std::string body_ = "ok";
  std::function<void(const std::string&)> on_request_;
  std::vector<std::string> requests_;
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

// Loggers (AURORA.md §2.8): rotate keeps `backups` files of at most `log_size` bytes,
// `console` goes to the executor's own output, `none` writes nothing, and every run
// keeps its own directory.
TEST(ExecutorLogTest, RotateConsoleNoneAndRunsKept) {
  ExecutorRun run;
  json rotate = Process("rot", "for i in $(seq 1 300); do echo 123456789; done; echo tail >&2");
  rotate["logger"] = {{"mode", "rotate"}, {"rotate", {{"log_size", 1000}, {"backups", 2}}}};
  json console = Process("con", "echo to-console-out; echo to-console-err >&2");
  console["logger"] = {{"destination", "console"}};
  json none = Process("quiet", "echo nothing-here");
  none["logger"] = {{"destination", "none"}};
  json both = Process("both", "echo twice; test -e again || { touch again; exit 1; }", 2);
  both["logger"] = {{"destination", "both"}, {"mode", "rotate"}};
  run.WriteTask(ExecutorData({rotate, console, none, both}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "FINISHED"));
  // 3000 bytes through a 1000-byte file with two backups: three full files.
  const std::string logs = run.dir() + "/.logs/rot/0/";
  EXPECT_EQ(ReadFile(logs + "stdout").size(), 1000u);
  EXPECT_EQ(ReadFile(logs + "stdout.1").size(), 1000u);
  EXPECT_EQ(ReadFile(logs + "stdout.2").size(), 1000u);
  EXPECT_FALSE(fs::exists(logs + "stdout.3"));
  EXPECT_EQ(run.Log("rot", 0, "stderr"), "tail\n");
  std::string executor_log = ReadFile(run.dir() + "/executor.log");
  EXPECT_THAT(executor_log, HasSubstr("to-console-out\n"));
  EXPECT_THAT(executor_log, HasSubstr("to-console-err\n"));
  EXPECT_THAT(executor_log, HasSubstr("twice\n"));
  EXPECT_EQ(run.Log("con", 0), "");
  EXPECT_EQ(run.Log("quiet", 0), "");
  EXPECT_THAT(executor_log, ::testing::Not(HasSubstr("nothing-here")));
  // The failed first run's log is kept beside the second's.
  EXPECT_EQ(run.Log("both", 0), "twice\n");
  EXPECT_EQ(run.Log("both", 1), "twice\n");
}

}  // namespace
}  // namespace borealis::executor
