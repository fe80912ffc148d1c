// Plan before apply and the admin task verbs against a real scheduler and agent
// (docs/admin.md): `job plan` then `job create --check-token`; a change between plan and
// `update start --check-token` refused with exit 6 while an unrelated job's change is not
// in the way; reconcile_tasks and prune_tasks through aurora_admin, force-task-state
// through `borealis admin`.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "borealis/net/http_client.h"

#include "harness.h"

namespace borealis::integration {
namespace {

constexpr char kJob[] = "devcluster/www-data/devel/api";

std::string JobJson(const std::string& name, int instances, const std::string& cmdline,
                    bool service = true) {
  return R"({"name": ")" + name +
         R"(", "role": "www-data", "environment": "devel", "cluster": "devcluster",
  "instances": )" + std::to_string(instances) +
         R"(, "service": )" + (service ? "true" : "false") + R"(,
  "task": {"name": "t", "processes": [{"name": "p", "cmdline": ")" + cmdline + R"("}],
           "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}}})";
}

// The token of a `job plan` output ("Plan token: v1-...").
std::string TokenOf(const std::string& output) {
  const std::string marker = "Plan token: ";
  size_t at = output.find(marker);
  if (at == std::string::npos) return "";
  return output.substr(at + marker.size(), 19);
}

class PlanAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.StartScheduler();
    cluster_.StartAgent(0);
  }
  CommandResult Admin(const std::vector<std::string>& args) {
    std::vector<std::string> argv{BinDir() + "/aurora_admin"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, {{"BOREALIS_CLUSTERS", cluster_.dir() + "/clusters.json"},
                             {"HOME", cluster_.dir()}});
  }
  std::string Vars() {
    auto vars = net::HttpCall("GET", "127.0.0.1", cluster_.scheduler_port(), "/vars", "", "", 2000);
    return vars.ok() ? vars->body : "";
  }

  LocalCluster cluster_;
};

TEST_F(PlanAdminTest, PlanThenApplyWithTokenAndAStaleTokenIsRefused) {
  const std::string one = cluster_.WriteJobFile("api.json", JobJson("api", 1, "sleep 600"));
  // Planned until the agent has registered (before, no host could take the task).
  CommandResult plan;
  EXPECT_TRUE(WaitFor(
      [&] {
        plan = cluster_.Cli({"job", "plan", kJob, one, "--read-json"});
        return plan.output.find("instance 0: starts on " + cluster_.AgentHost(0)) !=
               std::string::npos;
      },
      10'000))
      << plan.output;
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  const std::string token = TokenOf(plan.output);
  ASSERT_EQ(token.substr(0, 3), "v1-") << plan.output;
  CommandResult created =
      cluster_.Cli({"job", "create", kJob, one, "--read-json", "--check-token", token});
  ASSERT_EQ(created.exit_code, 0) << created.output;

  // Plan an update of the running job; an unrelated job changes, then this one does.
  const std::string two = cluster_.WriteJobFile("api2.json", JobJson("api", 2, "sleep 601"));
  CommandResult replan = cluster_.Cli({"job", "plan", kJob, two, "--read-json"});
  ASSERT_EQ(replan.exit_code, 0) << replan.output;
  EXPECT_NE(replan.output.find("instance 0: replaced, starts on"), std::string::npos)
      << replan.output;
  const std::string update_token = TokenOf(replan.output);
  const std::string other = cluster_.WriteJobFile("db.json", JobJson("db", 1, "sleep 600"));
  ASSERT_EQ(cluster_.Cli({"job", "create", "devcluster/www-data/devel/db", other, "--read-json"})
                .exit_code,
            0);
  ASSERT_EQ(cluster_.Cli({"job", "add", std::string(kJob) + "/0", "1"}).exit_code, 0);
  CommandResult stale = cluster_.Cli(
      {"update", "start", kJob, two, "--read-json", "--check-token", update_token});
  EXPECT_EQ(stale.exit_code, 6) << stale.output;
  EXPECT_NE(stale.output.find("changed since the plan"), std::string::npos) << stale.output;
  EXPECT_TRUE(cluster_.JobTasks("www-data", "devel", "api", true).size() == 2);

  // Planned again: the db job created meanwhile does not matter, the token is accepted.
  CommandResult fresh = cluster_.Cli({"job", "plan", kJob, two, "--read-json"});
  ASSERT_EQ(fresh.exit_code, 0) << fresh.output;
  const std::string other2 = cluster_.WriteJobFile("db2.json", JobJson("db2", 1, "sleep 600"));
  ASSERT_EQ(cluster_.Cli({"job", "create", "devcluster/www-data/devel/db2", other2, "--read-json"})
                .exit_code,
            0);
  CommandResult applied = cluster_.Cli(
      {"update", "start", kJob, two, "--read-json", "--check-token", TokenOf(fresh.output)});
  EXPECT_EQ(applied.exit_code, 0) << applied.output;
}

TEST_F(PlanAdminTest, ReconcilePruneAndForceTaskState) {
  const std::string once = cluster_.WriteJobFile("once.json", JobJson("once", 2, "true", false));
  CommandResult created = cluster_.Cli({"job", "create", "devcluster/www-data/devel/once", once,
                                        "--read-json", "--wait-until", "FINISHED"});
  ASSERT_EQ(created.exit_code, 0) << created.output;

  CommandResult explicit_run = Admin({"reconcile_tasks", "devcluster", "--batch_size", "1"});
  EXPECT_EQ(explicit_run.exit_code, 0) << explicit_run.output;
  EXPECT_NE(explicit_run.output.find("Response from scheduler: OK (message: )"),
            std::string::npos)
      << explicit_run.output;
  EXPECT_EQ(Admin({"reconcile_tasks", "devcluster", "-t", "implicit"}).exit_code, 0);
  const std::string vars = Vars();
  EXPECT_NE(vars.find("reconciliation_explicit_triggered 1"), std::string::npos) << vars;
  EXPECT_NE(vars.find("reconciliation_implicit_triggered 1"), std::string::npos) << vars;
  CommandResult zero = Admin({"reconcile_tasks", "devcluster", "-b", "0"});
  EXPECT_EQ(zero.exit_code, 1);
  EXPECT_NE(zero.output.find("Batch size must be greater than zero."), std::string::npos)
      << zero.output;

  const std::vector<std::string> finished{"query", "devcluster", "www-data", "once",
                                          "--states",   "FINISHED", "--force"};
  CommandResult before = Admin(finished);
  ASSERT_EQ(before.exit_code, 0) << before.output;
  std::vector<std::string> lines = absl::StrSplit(before.output, '\n', absl::SkipEmpty());
  std::sort(lines.begin(), lines.end());  // the scheduler's order, as in Aurora
  EXPECT_EQ(absl::StrJoin(lines, "|"), "www-data/once/0 FINISHED|www-data/once/1 FINISHED");
  CommandResult active = Admin({"prune_tasks", "devcluster", "--states", "RUNNING"});
  EXPECT_EQ(active.exit_code, 1);
  EXPECT_NE(active.output.find("Tasks in non-terminal state cannot be pruned."),
            std::string::npos)
      << active.output;
  CommandResult pruned = Admin({"prune_tasks", "devcluster", "--role", "www-data", "--limit", "1"});
  ASSERT_EQ(pruned.exit_code, 0) << pruned.output;
  EXPECT_EQ(pruned.output, "Tasks pruned.\n");
  EXPECT_EQ(Admin(finished).output.size(), std::string("www-data/once/0 FINISHED\n").size());
  ASSERT_EQ(Admin({"prune_tasks", "devcluster"}).exit_code, 0);
  EXPECT_EQ(Admin(finished).output, "");

  CommandResult unknown =
      cluster_.Cli({"admin", "force-task-state", "devcluster", "no-such-task", "LOST"});
  EXPECT_EQ(unknown.exit_code, 10) << unknown.output;
  EXPECT_NE(unknown.output.find("taskId: no task has the id no-such-task"), std::string::npos)
      << unknown.output;
}

}  // namespace
}  // namespace borealis::integration
