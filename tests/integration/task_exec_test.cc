// `task run`, `task ssh`, `task scp` and `borealis logs` on a real cluster: the CLI asks
// the scheduler for grants and talks to the agents (docs/architecture/exec-grants.md).
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <utmp.h>

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "borealis/net/http_client.h"
#include "harness.h"

namespace borealis::integration {
namespace {

constexpr char kJob[] = "devcluster/www-data/devel/exec";
constexpr char kExecJob[] = R"({
  "name": "exec", "role": "www-data", "environment": "devel", "cluster": "devcluster",
  "instances": 2, "service": true,
  "task": {
    "name": "exec",
    "processes": [
      {"name": "setup", "cmdline": "echo {{mesos.instance}} > instance.txt", "ephemeral": true},
      {"name": "server",
       "cmdline": "echo started-{{mesos.instance}}; echo on-stderr >&2; while true; do if [ -e more ]; then echo more-{{mesos.instance}}; rm -f more; fi; sleep 0.1; done"}
    ],
    "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}
  }
})";

class TaskExecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.StartScheduler();
    cluster_.StartAgent(0);
    cluster_.StartAgent(1);
    const std::string file = cluster_.WriteJobFile("exec.json", kExecJob);
    CommandResult r = cluster_.Cli({"job", "create", kJob, file, "--read-json", "--wait-until",
                                    "RUNNING"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_TRUE(WaitFor([&] {
      auto tasks = cluster_.JobTasks("www-data", "devel", "exec", true);
      if (tasks.size() != 2) return false;
      for (const auto& t : tasks) {
        if (t.status != api::ScheduleStatus::RUNNING) return false;
        if (ReadFile(Sandbox(t) + "/.logs/server/0/stdout").empty()) return false;
      }
      return true;
    }, 30'000));
  }

  api::ScheduledTask Instance(int i) {
    for (const auto& t : cluster_.JobTasks("www-data", "devel", "exec", true)) {
      if (t.assignedTask.instanceId == i) return t;
    }
    ADD_FAILURE() << "no instance " << i;
    return {};
  }
  int AgentOf(const api::ScheduledTask& t) {
    return t.assignedTask.slaveHost == cluster_.AgentHost(0) ? 0 : 1;
  }
  std::string Sandbox(const api::ScheduledTask& t) {
    return cluster_.AgentWorkDir(AgentOf(t)) + "/sandboxes/" + t.assignedTask.taskId + "/sandbox";
  }
  int AgentPort(int i) {
    return std::atoi(ReadFile(cluster_.dir() + "/agent-" + std::to_string(i) + ".port").c_str());
  }

  LocalCluster cluster_;
};

TEST_F(TaskExecTest, RunPrefixesEachInstanceAndFailsWhenOneFails) {
  CommandResult r = cluster_.Cli({"task", "run", "--threads", "2", kJob,
                                  "echo out-{{mesos.instance}} $(cat instance.txt); test {{mesos.instance}} = 0"});
  EXPECT_EQ(r.exit_code, 4) << r.output;  // instance 1's command failed
  const std::string host0 = Instance(0).assignedTask.slaveHost;
  const std::string host1 = Instance(1).assignedTask.slaveHost;
  EXPECT_NE(r.output.find(host0 + ":  out-0 0\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(host1 + ":  out-1 1\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("failed on instance(s) 1 (exit 1)"), std::string::npos) << r.output;

  r = cluster_.Cli({"task", "run", std::string(kJob) + "/1", "pwd; echo err >&2"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(host1 + ":  " + Sandbox(Instance(1)) + "\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(host1 + ":  err\n"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(host0), std::string::npos) << r.output;
}

TEST_F(TaskExecTest, SshCommandGivesOutputAndExitCode) {
  CommandResult r = cluster_.Cli({"task", "ssh", std::string(kJob) + "/1", "--command",
                                  "cat instance.txt; exit 3"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_EQ(r.output.rfind("1\n", 0), 0u) << r.output;  // no prefix: as ssh prints it
  r = cluster_.Cli({"task", "ssh", kJob, "--command", "true"});
  EXPECT_EQ(r.exit_code, 6) << r.output;  // Aurora: INSTANCE is needed with --command
}

TEST_F(TaskExecTest, InteractiveSshThroughAPseudoTerminal) {
  int master = -1, slave = -1;
  ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  termios cooked{};  // the terminal's mode before the CLI starts
  ASSERT_EQ(tcgetattr(slave, &cooked), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(master);
    login_tty(slave);
    setenv("BOREALIS_CLUSTERS", (cluster_.dir() + "/clusters.json").c_str(), 1);
    setenv("HOME", cluster_.dir().c_str(), 1);
    const std::string bin = BinDir() + "/borealis";
    const std::string instance = std::string(kJob) + "/0";
    execl(bin.c_str(), bin.c_str(), "task", "ssh", instance.c_str(), nullptr);
    _exit(127);
  }
  // The slave stays open here, to read the terminal's mode after the CLI is gone.
  std::string seen;
  auto read_until = [&](const std::string& want, int timeout_ms) {
    return WaitFor([&] {
      pollfd p{master, POLLIN, 0};
      while (poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
        char buf[4096];
        const ssize_t n = read(master, buf, sizeof(buf));
        if (n <= 0) break;
        seen.append(buf, static_cast<size_t>(n));
      }
      return seen.find(want) != std::string::npos;
    }, timeout_ms);
  };
  const std::string line = "echo sum-$((40+2)) in $(cat instance.txt); tty >/dev/null && echo has-$((1))-tty\r";
  ASSERT_EQ(write(master, line.data(), line.size()), static_cast<ssize_t>(line.size()));
  EXPECT_TRUE(read_until("sum-42 in 0", 15'000)) << seen;
  EXPECT_TRUE(read_until("has-1-tty", 5'000)) << seen;
  ASSERT_EQ(write(master, "exit 7\r", 7), 7);
  int status = 0;
  ASSERT_TRUE(WaitFor([&] {
    read_until("", 0);
    return waitpid(pid, &status, WNOHANG) == pid;
  }, 15'000)) << seen;
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7) << seen;
  termios after{};
  ASSERT_EQ(tcgetattr(slave, &after), 0);
  EXPECT_EQ(after.c_lflag & (ICANON | ECHO), cooked.c_lflag & (ICANON | ECHO))
      << "the terminal's mode is restored";
  close(slave);
  close(master);
}

TEST_F(TaskExecTest, ScpBothWaysAndRefusesLeavingTheSandbox) {
  const std::string local = cluster_.dir() + "/local.txt";
  WriteFile(local, "from the laptop\n");
  const std::string remote = std::string(kJob) + "/0:";
  CommandResult r = cluster_.Cli({"task", "scp", local, remote + "copied.txt"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadFile(Sandbox(Instance(0)) + "/copied.txt"), "from the laptop\n");
  // Into the sandbox itself: under the source's name.
  r = cluster_.Cli({"task", "scp", local, remote + "."});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadFile(Sandbox(Instance(0)) + "/local.txt"), "from the laptop\n");

  const std::string back = cluster_.dir() + "/back.txt";
  r = cluster_.Cli({"task", "scp", remote + "instance.txt", back});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadFile(back), "0\n");

  r = cluster_.Cli({"task", "scp", remote + "../task.json", back});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadFile(back), "0\n");
  r = cluster_.Cli({"task", "scp", local, remote + "../escaped.txt"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_FALSE(std::ifstream(Sandbox(Instance(0)) + "/../escaped.txt").good());
  // A symlink planted in the sandbox is not followed.
  ASSERT_EQ(symlink("/etc", (Sandbox(Instance(0)) + "/etc-link").c_str()), 0);
  r = cluster_.Cli({"task", "scp", remote + "etc-link/hostname", back});
  EXPECT_NE(r.exit_code, 0) << r.output;
  r = cluster_.Cli({"task", "scp", remote + "~/x", back});
  EXPECT_EQ(r.exit_code, 6) << r.output;
}

TEST_F(TaskExecTest, LogsShowsEveryInstanceAndFollowsNewLines) {
  CommandResult r = cluster_.Cli({"logs", kJob});  // default: server (setup is ephemeral)
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string host0 = Instance(0).assignedTask.slaveHost;
  const std::string host1 = Instance(1).assignedTask.slaveHost;
  EXPECT_NE(r.output.find(host0 + "/0: started-0\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(host1 + "/1: started-1\n"), std::string::npos) << r.output;
  r = cluster_.Cli({"logs", std::string(kJob) + "/1", "--stderr"});
  EXPECT_EQ(r.output, host1 + "/1: on-stderr\n");
  r = cluster_.Cli({"logs", kJob, "--previous", "1"});
  EXPECT_EQ(r.exit_code, 6) << r.output;

  const std::string out = cluster_.dir() + "/follow.out";
  // The harness's Process sets no environment: the CLI's comes through env(1).
  Process follow("/usr/bin/env",
                 {"BOREALIS_CLUSTERS=" + cluster_.dir() + "/clusters.json", "HOME=" + cluster_.dir(),
                  BinDir() + "/borealis", "logs", std::string(kJob) + "/1", "--follow",
                  "--process", "server"},
                 out);
  ASSERT_TRUE(WaitFor([&] { return ReadFile(out).find("started-1") != std::string::npos; }, 10'000))
      << ReadFile(out);
  WriteFile(Sandbox(Instance(1)) + "/more", "");
  EXPECT_TRUE(WaitFor([&] { return ReadFile(out).find(host1 + "/1: more-1\n") != std::string::npos; },
                      10'000))
      << ReadFile(out);
  EXPECT_TRUE(follow.Running());
}

TEST_F(TaskExecTest, AgentRefusesAGrantForAnotherAgentsTask) {
  auto grant = net::HttpCall("POST", "127.0.0.1", cluster_.scheduler_port(), "/exec/grant",
                             R"({"role":"www-data","environment":"devel","name":"exec",)"
                             R"("instances":[0],"action":"scp"})",
                             "application/json", 5000);
  ASSERT_TRUE(grant.ok());
  ASSERT_EQ(grant->status, 200) << grant->body;
  auto doc = nlohmann::json::parse(grant->body);
  ASSERT_EQ(doc["grants"].size(), 1u);
  const std::string token = doc["grants"][0]["grant"];
  const int own = AgentOf(Instance(0));
  auto get = [&](int agent, const std::string& t) {
    auto r = net::HttpCall("GET", cluster_.AgentHost(agent), AgentPort(agent),
                           "/exec/file?path=instance.txt", "", "", 5000,
                           {{"X-Borealis-Grant", t}});
    return r.ok() ? r->status : -1;
  };
  EXPECT_EQ(get(own, token), 200);
  EXPECT_EQ(get(1 - own, token), 403);
  std::string tampered = token;
  tampered[10] = tampered[10] == 'a' ? 'b' : 'a';
  EXPECT_EQ(get(own, tampered), 403);
  EXPECT_EQ(get(own, ""), 403);
  // A run grant does not copy files.
  auto run = net::HttpCall("POST", "127.0.0.1", cluster_.scheduler_port(), "/exec/grant",
                           R"({"role":"www-data","environment":"devel","name":"exec","action":"run"})",
                           "application/json", 5000);
  ASSERT_TRUE(run.ok());
  auto run_doc = nlohmann::json::parse(run->body);
  ASSERT_EQ(run_doc["grants"].size(), 2u);
  EXPECT_EQ(get(own, run_doc["grants"][0]["grant"]), 403);
}

}  // namespace
}  // namespace borealis::integration
