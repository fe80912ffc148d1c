// Test support for the executor's end-to-end tests (executor_test.cc,
// executor_health_test.cc): ExecutorRun plays the agent for one task — it writes task.json,
// starts the real borealis-executor in its own session, listens on a datagram socket and
// reads status.json — plus a deadline, polling and executor-data helpers. Included by tests
// only.
#pragma once

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


namespace borealis::executor::executor_testing {

using nlohmann::json;
namespace fs = std::filesystem;
inline constexpr int64_t kDeadlineMs = 30'000;

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


inline std::string ReadFile(const std::string& path) {
  return borealis::testing::ReadWholeFile(path);
}

// True once `pid` no longer exists (or is only a zombie waiting for its reaper).
inline bool ProcessGone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::string stat = borealis::testing::ReadWholeFile("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  return close == std::string::npos || (close + 2 < stat.size() && stat[close + 2] == 'Z');
}

// Waits for `condition`, checking it every few milliseconds, up to the deadline.
inline bool WaitUntil(const std::function<bool()>& condition) {
  Deadline deadline;
  while (!condition()) {
    if (deadline.Passed()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Executor data for a job with these processes, built the way the CLI builds it.
// `extra` adds job fields (health_check_config, lifecycle, ...), `task_extra` task fields
// (finalization_wait, ...).
inline std::string ExecutorData(const std::vector<json>& process_list,
                         const std::vector<std::vector<std::string>>& orders = {},
                         const json& extra = json::object(),
                         const json& task_extra = json::object()) {
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
  for (const auto& [key, value] : task_extra.items()) job["task"][key] = value;
  auto jobs = config::ParseJobsJson(job.dump(), "test");
  EXPECT_TRUE(jobs.ok()) << jobs.status();
  auto conf = config::ToJobConfiguration((*jobs)[0], "tester");
  EXPECT_TRUE(conf.ok()) << conf.status();
  return conf->task.executor_data;
}

inline json Process(const std::string& name, const std::string& cmdline, int max_failures = 1) {
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
    std::string text = borealis::testing::ReadWholeFile(task_dir_ + "/status.json");
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
    return borealis::testing::ReadWholeFile(task_dir_ + "/sandbox/.logs/" + process + "/" +
                                            std::to_string(run) + "/" + stream);
  }
  std::string Sandbox(const std::string& file) { return borealis::testing::ReadWholeFile(task_dir_ + "/sandbox/" + file); }
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

}  // namespace borealis::executor::executor_testing
