// `aurora_admin` as a process against a real scheduler and agent
// (docs/aurora-compatibility.md, "aurora_admin"): set_quota and increase_quota seen by
// `borealis quota get`, query listing a running job's tasks, and Aurora's clusters.json
// location ($AURORA_CONFIG_ROOT) found without any Borealis setting.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

#include "harness.h"

namespace borealis::integration {
namespace {

class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override { cluster_.StartScheduler(); }

  CommandResult Admin(const std::vector<std::string>& args) { return cluster_.Admin(args); }

  LocalCluster cluster_;
};

TEST_F(AdminTest, SetQuotaThenQuotaGetShowsIt) {
  CommandResult set = Admin({"set_quota", "devcluster", "www-data", "4", "8GB", "50GB"});
  ASSERT_EQ(set.exit_code, 0) << set.output;
  CommandResult get = cluster_.Cli({"quota", "get", "devcluster/www-data"});
  ASSERT_EQ(get.exit_code, 0) << get.output;
  EXPECT_NE(get.output.find("Allocated:\n  CPU: 4.0 core(s)\n  RAM: 8192 MB\n  Disk: 51200 MB\n"),
            std::string::npos)
      << get.output;

  CommandResult more = Admin({"increase_quota", "devcluster", "www-data", "0.5", "512MB", "1GB"});
  ASSERT_EQ(more.exit_code, 0) << more.output;
  get = cluster_.Cli({"quota", "get", "devcluster/www-data"});
  EXPECT_NE(get.output.find("Allocated:\n  CPU: 4.5 core(s)\n  RAM: 8704 MB\n  Disk: 52224 MB\n"),
            std::string::npos)
      << get.output;

  // A verb Borealis does not have answers as Aurora's admin client fails: status 1.
  CommandResult backup = Admin({"scheduler_backup_now", "devcluster"});
  EXPECT_EQ(backup.exit_code, 1);
  EXPECT_NE(backup.output.find("aurora_admin scheduler_backup_now is not supported yet"),
            std::string::npos)
      << backup.output;
}

TEST_F(AdminTest, QueryListsRunningTasksThroughAuroraConfigRoot) {
  cluster_.StartAgent(0);
  const std::string file = cluster_.WriteJobFile("web.json", R"({
  "name": "web", "role": "www-data", "environment": "devel", "cluster": "devcluster",
  "instances": 2, "service": true,
  "task": {"name": "web", "processes": [{"name": "s", "cmdline": "while true; do sleep 1; done"}],
           "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}}
})");
  CommandResult created = cluster_.Cli({"job", "create", "devcluster/www-data/devel/web", file,
                                        "--read-json", "--wait-until", "RUNNING"});
  ASSERT_EQ(created.exit_code, 0) << created.output;

  // Only Aurora's location names the cluster: $AURORA_CONFIG_ROOT/clusters.json.
  const std::string root = cluster_.dir() + "/etc-aurora";
  std::filesystem::create_directories(root);
  WriteFile(root + "/clusters.json", ReadFile(cluster_.dir() + "/clusters.json"));
  std::vector<std::string> argv{BinDir() + "/aurora_admin", "query", "devcluster", "www-data",
                                "web"};
  CommandResult q = RunCommand(argv, {{"AURORA_CONFIG_ROOT", root},
                                      {"HOME", cluster_.dir() + "/nohome"},
                                      {"BOREALIS_CLUSTERS", ""}});
  ASSERT_EQ(q.exit_code, 0) << q.output;
  std::vector<std::string> lines = absl::StrSplit(q.output, '\n', absl::SkipEmpty());
  std::sort(lines.begin(), lines.end());  // the scheduler's order, as in Aurora
  EXPECT_EQ(absl::StrJoin(lines, "|"), "www-data/web/0 RUNNING|www-data/web/1 RUNNING")
      << q.output;

  CommandResult custom = Admin({"query", "devcluster", "www-data", "web", "--shards", "1",
                                "-l", "%environment% %instanceId% %slaveHost%"});
  ASSERT_EQ(custom.exit_code, 0) << custom.output;
  EXPECT_EQ(custom.output, "devel 1 " + cluster_.AgentHost(0) + "\n");

  CommandResult sched = Admin({"get_scheduler", "devcluster"});
  EXPECT_EQ(sched.output, "Found leading scheduler at: http://127.0.0.1:" +
                              std::to_string(cluster_.scheduler_port()) + "\n");
}

}  // namespace
}  // namespace borealis::integration
