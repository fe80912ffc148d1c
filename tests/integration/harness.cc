#include "harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>
#include "borealis/cli/scheduler_client.h"

namespace borealis::integration {

namespace fs = std::filesystem;

std::string BinDir() { return BOREALIS_BIN_DIR; }

Process::Process(const std::string& binary, const std::vector<std::string>& args,
                 const std::string& log) {
  std::vector<std::string> argv_s{binary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
}

Process::~Process() {
  if (Running()) Signal(SIGKILL);
}

bool Process::Running() {
  if (pid_ <= 0 || reaped_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    return false;
  }
  return r == 0;
}

std::optional<int> Process::Signal(int sig, int timeout_ms) {
  if (pid_ <= 0 || reaped_) return std::nullopt;
  kill(pid_, sig);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

bool WaitFor(const std::function<bool()>& cond, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool StaysTrue(const std::function<bool()>& cond, int window_ms) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(window_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (!cond()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cond();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  out << content;
}

CommandResult RunCommand(const std::vector<std::string>& argv_s,
                         const std::map<std::string, std::string>& env) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(pipefd[0]);
    dup2(pipefd[1], 1);
    dup2(pipefd[1], 2);
    close(pipefd[1]);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<std::string> copy = argv_s;
    std::vector<char*> argv;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipefd[1]);
  CommandResult result;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof(buf))) > 0) result.output.append(buf, static_cast<size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

// ---------------------------------------------------------------- LocalCluster

LocalCluster::LocalCluster() = default;

LocalCluster::~LocalCluster() {
  for (auto& [i, agent] : agents_) {
    if (agent && agent->Running()) agent->Signal(SIGTERM);
  }
  if (scheduler_ && scheduler_->Running()) scheduler_->Signal(SIGTERM);
  StopStrayTasks();
}

std::string LocalCluster::AgentWorkDir(int i) const { return dir_.Sub("agent-" + std::to_string(i)); }
std::string LocalCluster::AgentHost(int i) const { return "127.0.0." + std::to_string(i + 2); }

static int WaitForPortFile(const std::string& path, Process& p, const std::string& log) {
  int port = 0;
  bool ok = WaitFor(
      [&] {
        if (!p.Running()) return true;
        std::string s = ReadFile(path);
        if (!s.empty() && s.back() == '\n') port = std::atoi(s.c_str());
        return port > 0;
      },
      20'000);
  if (!ok || port == 0) {
    throw std::runtime_error("daemon did not start; its log:\n" + ReadFile(log));
  }
  return port;
}

void LocalCluster::StartScheduler() {
  const std::string port_file = dir_.Sub("scheduler.port");
  fs::remove(port_file);
  const std::string log = dir_.Sub("scheduler.log");
  // A restarted scheduler keeps its port, as a real one would, so agents find it again.
  std::vector<std::string> flags{"--data-dir", dir_.Sub("scheduler"), "--http-port",
                                 std::to_string(scheduler_port_), "--port-file", port_file,
                                 "--cluster-name", "devcluster", "--agent-timeout-ms",
                                 std::to_string(agent_timeout_ms_), "--heartbeat-interval-ms",
                                 "300", "--tick-ms", "100", "--kill-retry-ms", "2000"};
  flags.insert(flags.end(), extra_scheduler_flags_.begin(), extra_scheduler_flags_.end());
  scheduler_ = std::make_unique<Process>(BinDir() + "/borealis-scheduler", flags, log);
  scheduler_port_ = WaitForPortFile(port_file, *scheduler_, log);
  WriteFile(dir_.Sub("clusters.json"),
            "[{\"name\": \"devcluster\", \"scheduler_uri\": \"http://127.0.0.1:" +
                std::to_string(scheduler_port_) + "\"}]\n");
}

void LocalCluster::KillScheduler() {
  if (scheduler_) scheduler_->Signal(SIGKILL);
}

void LocalCluster::StartAgent(int i) {
  const std::string port_file = dir_.Sub("agent-" + std::to_string(i) + ".port");
  fs::remove(port_file);
  const std::string log = dir_.Sub("agent-" + std::to_string(i) + ".log");
  const int first = 31000 + i * 1000;
  agents_[i] = std::make_unique<Process>(
      BinDir() + "/borealis-agent",
      std::vector<std::string>{
          "--master", "127.0.0.1:" + std::to_string(scheduler_port_), "--work-dir",
          AgentWorkDir(i), "--host", AgentHost(i), "--http-port", "0", "--port-file", port_file,
          "--resources",
          "cpus:4;mem:4096;disk:10000;ports:[" + std::to_string(first) + "-" +
              std::to_string(first + 999) + "]",
          "--attributes", "rack:r" + std::to_string(i + 1) + ";zone:z1", "--kill-grace-ms",
          "2000",
          // Tasks run as this user, without cgroups: agents and executors die by kill -9
          // here, which would leave task cgroups behind (executor_isolation_test covers them).
          "--run-as-agent-user", "--isolation", "none"},
      log);
  WaitForPortFile(port_file, *agents_[i], log);
}

int LocalCluster::AgentHttpPort(int i) const {
  return std::stoi(ReadFile(dir_.Sub("agent-" + std::to_string(i) + ".port")));
}

void LocalCluster::KillAgent(int i) {
  if (agents_[i]) agents_[i]->Signal(SIGKILL);
}

std::vector<api::ScheduledTask> LocalCluster::JobTasks(const std::string& role,
                                                       const std::string& env,
                                                       const std::string& name, bool active_only) {
  api::TaskQuery q;
  q.__set_role(role);
  q.__set_environment(env);
  q.__set_jobName(name);
  // The CLI's client: the same Thrift-over-HTTP path users take.
  auto client = cli::SchedulerClient::Create("http://127.0.0.1:" + std::to_string(scheduler_port_));
  if (!client.ok()) throw std::runtime_error(client.status().ToString());
  auto tasks = client->GetTasksWithoutConfigs(q);
  if (!tasks.ok()) throw std::runtime_error("getTasksWithoutConfigs: " + tasks.status().ToString());
  std::vector<api::ScheduledTask> out;
  for (const auto& t : *tasks) {
    const bool terminal = t.status == api::ScheduleStatus::FINISHED ||
                          t.status == api::ScheduleStatus::FAILED ||
                          t.status == api::ScheduleStatus::KILLED ||
                          t.status == api::ScheduleStatus::LOST;
    if (!active_only || !terminal) out.push_back(t);
  }
  return out;
}

CommandResult LocalCluster::Cli(const std::vector<std::string>& args) {
  std::vector<std::string> argv{BinDir() + "/borealis"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, {{"BOREALIS_CLUSTERS", dir_.Sub("clusters.json")}, {"HOME", dir_.path()}});
}

CommandResult LocalCluster::Admin(const std::vector<std::string>& args) {
  std::vector<std::string> argv{BinDir() + "/aurora_admin"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, {{"BOREALIS_CLUSTERS", dir_.Sub("clusters.json")}, {"HOME", dir_.path()}});
}

std::string LocalCluster::WriteJobFile(const std::string& name, const std::string& json) {
  const std::string path = dir_.Sub(name);
  WriteFile(path, json);
  return path;
}

std::string LocalCluster::TaskStatusJson(int agent, const std::string& task_id) const {
  return ReadFile(AgentWorkDir(agent) + "/sandboxes/" + task_id + "/status.json");
}

std::vector<pid_t> LocalCluster::TaskProcessPids(const std::string& task_id) const {
  std::vector<pid_t> pids;
  for (const auto& [i, a] : agents_) {
    std::string text = TaskStatusJson(i, task_id);
    if (text.empty()) continue;
    auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.contains("processes")) continue;
    for (const auto& [name, p] : doc["processes"].items()) {
      if (p.value("pid", 0) > 0) pids.push_back(p.value("pid", 0));
    }
  }
  return pids;
}

// Tasks of agents that were killed keep running (executors are in their own sessions);
// stop them through the pids their executors recorded, checking each pid is still theirs.
void LocalCluster::StopStrayTasks() {
  std::vector<int> pgids;
  for (const auto& [i, a] : agents_) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(AgentWorkDir(i) + "/sandboxes", ec)) {
      auto doc = nlohmann::json::parse(ReadFile(entry.path().string() + "/status.json"), nullptr, false);
      if (doc.is_discarded()) continue;
      const int pid = doc.value("executor_pid", 0);
      const int64_t ticks = doc.value("executor_start_ticks", int64_t{0});
      std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
      auto close = stat.rfind(')');
      if (pid > 0 && close != std::string::npos) {
        std::istringstream rest(stat.substr(close + 2));
        std::string field;
        int64_t start = -1;
        for (int f = 3; rest >> field; ++f) {
          if (f == 22) {
            start = std::stoll(field);
            break;
          }
        }
        if (start == ticks) kill(pid, SIGKILL);
      }
      if (doc.contains("pgids")) {
        for (int g : doc["pgids"]) pgids.push_back(g);
      }
    }
  }
  // Process groups of tasks belong to this test only while a member is still alive; the
  // executor recorded them and they were created by this test's agents.
  for (int g : pgids) {
    if (g > 1) kill(-g, SIGKILL);
  }
}

}  // namespace borealis::integration
