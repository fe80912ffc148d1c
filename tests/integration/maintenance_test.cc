// Host maintenance with real agents (docs/maintenance.md): an SLA drain of a 6-instance job
// under a count policy moves one host's tasks without dropping below the count, a drain
// that its policy holds is forced after its timeout, host-activate returns the host, a
// coordinator policy asks a small HTTP coordinator, and the modes survive a kill -9 of the
// scheduler (the drain resumes).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "borealis/net/http_server.h"
#include "harness.h"

namespace borealis::integration {
namespace {

std::string Job(const std::string& name, const std::string& sla_policy) {
  return R"({
  "name": ")" + name + R"(", "role": "www-data", "environment": "devel",
  "cluster": "devcluster", "instances": 6, "service": true,
  "sla_policy": )" + sla_policy + R"(,
  "task": {
    "name": "t",
    "processes": [{"name": "sleeper", "cmdline": "while true; do sleep 1; done"}],
    "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}
  }
})";
}

class MaintenanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.add_scheduler_flags({"--min-required-instances-for-sla-check", "1",
                                  "--sla-aware-kill-non-prod", "true",
                                  "--host-maintenance-polling-interval-ms", "300"});
  }

  void StartWithJob(const std::string& name, const std::string& policy) {
    cluster_.StartScheduler();
    for (int i = 0; i < 3; ++i) cluster_.StartAgent(i);
    const std::string file = cluster_.WriteJobFile(name + ".json", Job(name, policy));
    CommandResult r =
        cluster_.Cli({"job", "create", "devcluster/www-data/devel/" + name, file, "--read-json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_TRUE(WaitFor([&] { return Running(name).size() == 6; }, 15'000));
  }

  // RUNNING tasks of the job: task id → host.
  std::map<std::string, std::string> Running(const std::string& name) {
    std::map<std::string, std::string> out;
    for (const auto& t : cluster_.JobTasks("www-data", "devel", name, true)) {
      if (t.status == api::ScheduleStatus::RUNNING) {
        out[t.assignedTask.taskId] = t.assignedTask.slaveHost;
      }
    }
    return out;
  }

  int OnHost(const std::string& name, const std::string& host) {
    int n = 0;
    for (const auto& t : cluster_.JobTasks("www-data", "devel", name, true)) {
      if (t.assignedTask.slaveHost == host) ++n;
    }
    return n;
  }

  // The mode `host-status` prints: the sixth field of its last line, as Aurora's scripts
  // read it.
  std::string Mode(const std::string& host) {
    CommandResult r = cluster_.Cli({"admin", "host-status", "--hosts=" + host, "devcluster"});
    std::vector<std::string> lines = absl::StrSplit(r.output, '\n', absl::SkipEmpty());
    if (r.exit_code != 0 || lines.empty()) return "error: " + r.output;
    std::vector<std::string> fields = absl::StrSplit(lines.back(), ' ', absl::SkipEmpty());
    return fields.size() >= 6 ? fields[5] : "short line: " + lines.back();
  }

  LocalCluster cluster_;
};

TEST_F(MaintenanceTest, CountPolicyDrainsOneHostAtATimeAndHostActivateReturnsIt) {
  StartWithJob("web", R"({"count": 5, "duration_secs": 0})");
  for (int h = 0; h < 2; ++h) {
    const std::string host = cluster_.AgentHost(h);
    ASSERT_GT(OnHost("web", host), 0) << "spread puts tasks on every host";
    CommandResult r = cluster_.Cli({"admin", "sla-host-drain", "--hosts=" + host,
                                    "--force_drain_timeout=10m", "devcluster"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(host + " is in state: DRAINING"), std::string::npos) << r.output;
    // Never below the count while the host drains.
    size_t lowest = 6;
    ASSERT_TRUE(WaitFor(
        [&] {
          lowest = std::min(lowest, Running("web").size());
          return Mode(host) == "DRAINED";
        },
        15'000))
        << Mode(host);
    EXPECT_GE(lowest, 5u);
    EXPECT_EQ(OnHost("web", host), 0);
    ASSERT_TRUE(WaitFor([&] { return Running("web").size() == 6; }, 10'000));
  }
  // Drained hosts take nothing; host-activate returns the first one.
  CommandResult back = cluster_.Cli(
      {"admin", "host-activate", "--hosts=" + cluster_.AgentHost(0), "devcluster"});
  ASSERT_EQ(back.exit_code, 0) << back.output;
  EXPECT_EQ(Mode(cluster_.AgentHost(0)), "NONE");
  CommandResult add = cluster_.Cli({"job", "add", "devcluster/www-data/devel/web/0", "3"});
  ASSERT_EQ(add.exit_code, 0) << add.output;
  ASSERT_TRUE(WaitFor([&] { return Running("web").size() == 9; }, 15'000));
  EXPECT_EQ(OnHost("web", cluster_.AgentHost(1)), 0) << "still DRAINED";
  EXPECT_GT(OnHost("web", cluster_.AgentHost(0)), 0) << "back in service";
}

TEST_F(MaintenanceTest, DrainHeldByItsPolicyIsForcedAfterTheTimeout) {
  // An hour up is never met here: only the timeout moves the tasks.
  StartWithJob("held", R"({"count": 1, "duration_secs": 3600})");
  const std::string host = cluster_.AgentHost(0);
  const int before = OnHost("held", host);
  ASSERT_GT(before, 0);
  CommandResult r = RunCommand({BinDir() + "/aurora_admin", "sla_host_drain", "--hosts=" + host,
                                "--force_drain_timeout=3s", "devcluster"},
                               {{"BOREALIS_CLUSTERS", cluster_.dir() + "/clusters.json"},
                                {"HOME", cluster_.dir()}});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(StaysTrue([&] { return OnHost("held", host) == before; }, 1500))
      << "the policy holds the tasks before the timeout";
  ASSERT_TRUE(WaitFor([&] { return Mode(host) == "DRAINED"; }, 10'000)) << Mode(host);
  ASSERT_TRUE(WaitFor([&] { return Running("held").size() == 6; }, 10'000));
}

TEST_F(MaintenanceTest, CoordinatorPolicyAsksTheCoordinator) {
  std::mutex mu;
  std::vector<std::string> asked;  // task keys
  std::atomic<bool> allow{false};
  net::HttpServer coordinator(net::HttpServer::Options{});
  coordinator.Route("POST", "/sla", [&](const net::HttpRequest& req) {
    nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    {
      std::lock_guard<std::mutex> lock(mu);
      asked.push_back(req.Query("task") + " " +
                      (body.is_object() ? body.value("task", std::string()) : "bad body"));
    }
    return net::HttpResponse::Of(200, "application/json",
                                 allow ? R"({"drain": true})" : R"({"drain": false})");
  });
  ASSERT_TRUE(coordinator.Start().ok());
  const std::string url = "http://127.0.0.1:" + std::to_string(coordinator.port()) + "/sla";
  StartWithJob("coord", R"({"coordinator_url": ")" + url + R"("})");
  const std::string host = cluster_.AgentHost(2);
  CommandResult r = cluster_.Cli({"admin", "sla-host-drain", "--hosts=" + host, "devcluster"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(WaitFor(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return asked.size() >= 2;
      },
      10'000));
  EXPECT_GT(OnHost("coord", host), 0) << "the coordinator said no";
  {
    std::lock_guard<std::mutex> lock(mu);
    const std::string& first = asked.front();
    EXPECT_EQ(first.rfind("devcluster/www-data/devel/coord/", 0), 0u) << first;
    EXPECT_NE(first.find(" devcluster/www-data/devel/coord/"), std::string::npos) << first;
  }
  allow = true;
  ASSERT_TRUE(WaitFor([&] { return Mode(host) == "DRAINED"; }, 10'000)) << Mode(host);
  coordinator.Stop();
}

TEST_F(MaintenanceTest, ModesSurviveKillNineAndTheDrainResumes) {
  StartWithJob("web", R"({"count": 1, "duration_secs": 3600})");
  const std::string scheduled = cluster_.AgentHost(1);
  const std::string draining = cluster_.AgentHost(0);
  ASSERT_EQ(cluster_.Cli({"admin", "host-maintenance-start", "--hosts=" + scheduled,
                          "devcluster"}).exit_code, 0);
  ASSERT_EQ(cluster_.Cli({"admin", "sla-host-drain", "--hosts=" + draining,
                          "--force_drain_timeout=4s", "devcluster"}).exit_code, 0);
  cluster_.KillScheduler();
  cluster_.StartScheduler();
  EXPECT_EQ(Mode(scheduled), "SCHEDULED");
  // Still draining (the timeout counts from the request), then forced.
  ASSERT_TRUE(WaitFor([&] { return Mode(draining) == "DRAINED"; }, 12'000)) << Mode(draining);
  // Unknown and duplicate hosts are refused, naming them.
  CommandResult unknown = cluster_.Cli(
      {"admin", "host-status", "--hosts=no-such-host", "devcluster"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.output.find("unknown host 'no-such-host'"), std::string::npos)
      << unknown.output;
  CommandResult twice = cluster_.Cli(
      {"admin", "host-drain", "--hosts=" + scheduled + "," + scheduled, "devcluster"});
  EXPECT_NE(twice.exit_code, 0);
  EXPECT_NE(twice.output.find("is listed twice"), std::string::npos) << twice.output;
}

}  // namespace
}  // namespace borealis::integration
