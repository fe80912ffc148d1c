// End-to-end placement: a job limited to one instance per rack on three agents (racks r1,
// r2, r3) runs three instances on distinct racks and leaves the other two PENDING with a
// reason that `borealis job status` and /pendingtasks show. `borealis job add` adds running
// copies of an instance.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>

#include "harness.h"
#include "borealis/net/http_client.h"

namespace borealis::integration {
namespace {

constexpr char kSpreadJob[] = R"({
  "name": "spread", "role": "www-data", "environment": "devel", "cluster": "devcluster",
  "instances": 5, "service": true,
  "constraints": {"rack": "limit:1"},
  "task": {
    "name": "spread",
    "processes": [{"name": "sleeper", "cmdline": "while true; do sleep 1; done"}],
    "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}
  }
})";

TEST(PlacementTest, RackLimitSpreadsOnePerRackAndExplainsTheRest) {
  LocalCluster cluster;
  cluster.StartScheduler();
  for (int i = 0; i < 3; ++i) cluster.StartAgent(i);  // racks r1, r2, r3
  const std::string job = cluster.WriteJobFile("spread.json", kSpreadJob);
  CommandResult r = cluster.Cli(
      {"job", "create", "devcluster/www-data/devel/spread", job, "--read-json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;

  auto counts = [&](int* running, int* pending) {
    *running = 0;
    *pending = 0;
    for (const auto& t : cluster.JobTasks("www-data", "devel", "spread", true)) {
      if (t.status == api::ScheduleStatus::RUNNING) ++*running;
      if (t.status == api::ScheduleStatus::PENDING) ++*pending;
    }
  };
  int running = 0;
  int pending = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        counts(&running, &pending);
        return running == 3 && pending == 2;
      },
      30'000))
      << "running " << running << ", pending " << pending << "\n"
      << cluster.Cli({"job", "status", "devcluster/www-data/devel/spread"}).output;

  std::set<std::string> hosts;
  for (const auto& t : cluster.JobTasks("www-data", "devel", "spread", true)) {
    if (t.status == api::ScheduleStatus::RUNNING) hosts.insert(t.assignedTask.slaveHost);
  }
  EXPECT_EQ(hosts.size(), 3u) << "one instance per rack";

  CommandResult status = cluster.Cli({"job", "status", "devcluster/www-data/devel/spread"});
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("pending: 3 hosts: limit rack"), std::string::npos)
      << status.output;

  auto page =
      net::HttpCall("GET", "127.0.0.1", cluster.scheduler_port(), "/pendingtasks", "", "", 5000);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->status, 200) << page->body;
  nlohmann::json groups = nlohmann::json::parse(page->body);
  ASSERT_EQ(groups.size(), 1u) << page->body;
  EXPECT_EQ(groups[0]["name"], "www-data/devel/spread");
  EXPECT_EQ(groups[0]["reason"], "3 hosts: limit rack");
  EXPECT_EQ(groups[0]["taskIds"].size(), 2u);
}

constexpr char kWebJob[] = R"({
  "name": "web", "role": "www-data", "environment": "devel", "cluster": "devcluster",
  "instances": 1, "service": true,
  "task": {
    "name": "web",
    "processes": [{"name": "sleeper", "cmdline": "while true; do sleep 1; done"}],
    "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}
  }
})";

TEST(PlacementTest, JobAddRunsCopiesOfAnInstance) {
  LocalCluster cluster;
  cluster.StartScheduler();
  cluster.StartAgent(0);
  const std::string job = cluster.WriteJobFile("web.json", kWebJob);
  CommandResult created = cluster.Cli(
      {"job", "create", "devcluster/www-data/devel/web", job, "--read-json", "--wait-until",
       "RUNNING"});
  ASSERT_EQ(created.exit_code, 0) << created.output;

  CommandResult added = cluster.Cli(
      {"job", "add", "devcluster/www-data/devel/web/0", "2", "--wait-until", "RUNNING"});
  ASSERT_EQ(added.exit_code, 0) << added.output;
  EXPECT_NE(added.output.find("Instances 1-2 of devcluster/www-data/devel/web are RUNNING"),
            std::string::npos)
      << added.output;
  std::set<int32_t> running;
  for (const auto& t : cluster.JobTasks("www-data", "devel", "web", true)) {
    if (t.status == api::ScheduleStatus::RUNNING) running.insert(t.assignedTask.instanceId);
  }
  EXPECT_EQ(running, (std::set<int32_t>{0, 1, 2}));

  CommandResult missing =
      cluster.Cli({"job", "add", "devcluster/www-data/devel/web/9", "1"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("no active task of job www-data/devel/web has instance 9"),
            std::string::npos)
      << missing.output;
}

}  // namespace
}  // namespace borealis::integration
