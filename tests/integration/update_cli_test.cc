// The `update` CLI end to end against a real scheduler and agents: start --wait, list,
// info, wait, pause, resume, abort (docs/aurora-compatibility.md, "update"). The
// scheduler's update controller is a separate piece of work; until the scheduler answers
// startJobUpdate, these tests skip themselves with that reason.
#include <cstdio>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "harness.h"

namespace borealis::integration {
namespace {

std::string Job(const std::string& version, int watch_secs, int batch_size) {
  return R"({
  "name": "web", "role": "www-data", "environment": "devel", "cluster": "devcluster",
  "instances": 3, "service": true,
  "update_config": {"watch_secs": )" + std::to_string(watch_secs) + R"(, "batch_size": )" +
         std::to_string(batch_size) + R"(},
  "task": {
    "name": "web",
    "processes": [{"name": "server", "cmdline": "echo )" + version + R"(; while true; do sleep 0.2; done"}],
    "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}
  }
})";
}

std::vector<std::string> Words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

class UpdateCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.StartScheduler();
    cluster_.StartAgent(0);
    cluster_.StartAgent(1);
    CommandResult r = cluster_.Cli({"job", "create", kJob,
                                    cluster_.WriteJobFile("v1.json", Job("v1", 1, 1)),
                                    "--read-json", "--wait-until", "RUNNING"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  // Starts an update; the update id, or "" (and the test skips) when the scheduler has no
  // update controller.
  std::string Start(const std::string& file, bool wait, CommandResult* result) {
    std::vector<std::string> args = {"update", "start", kJob, file, "--read-json"};
    if (wait) args.push_back("--wait");
    *result = cluster_.Cli(args);
    const std::string marker = "/update/";
    const size_t at = result->output.find(marker);
    if (at == std::string::npos) return "";
    return Words(result->output.substr(at + marker.size()))[0];
  }

  static constexpr char kJob[] = "devcluster/www-data/devel/web";
  LocalCluster cluster_;
};

TEST_F(UpdateCliTest, StartWaitListInfoWait) {
  CommandResult r;
  const std::string id = Start(cluster_.WriteJobFile("v2.json", Job("v2", 1, 2)), true, &r);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_FALSE(id.empty()) << r.output;
  EXPECT_NE(r.output.find("Job update has started. View your update progress at http://"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("/scheduler/www-data/devel/web/update/" + id), std::string::npos);
  EXPECT_NE(r.output.find("Current state ROLLED_FORWARD"), std::string::npos) << r.output;
  // Progress while waiting, ending with every instance done.
  const size_t last = r.output.rfind("Instances done: ");
  ASSERT_NE(last, std::string::npos) << r.output;
  int done = -1;
  int total = -2;
  ASSERT_EQ(std::sscanf(r.output.c_str() + last, "Instances done: %d of %d", &done, &total), 2);
  EXPECT_EQ(done, total) << r.output;
  EXPECT_GT(total, 0);

  CommandResult list = cluster_.Cli({"update", "list", kJob});
  ASSERT_EQ(list.exit_code, 0) << list.output;
  std::istringstream lines(list.output);
  std::string header, row;
  std::getline(lines, header);
  std::getline(lines, row);
  EXPECT_EQ(Words(header)[0], "JOB");
  const std::vector<std::string> cols = Words(row);
  ASSERT_GE(cols.size(), 3u) << list.output;
  EXPECT_EQ(cols[0], kJob);
  EXPECT_EQ(cols[1], id);
  EXPECT_EQ(cols[2], "ROLLED_FORWARD");

  CommandResult json = cluster_.Cli({"update", "list", "devcluster/www-data", "--write-json",
                                     "--status", "succeeded"});
  ASSERT_EQ(json.exit_code, 0) << json.output;
  auto parsed = nlohmann::json::parse(json.output);
  ASSERT_EQ(parsed.size(), 1u) << json.output;
  EXPECT_EQ(parsed[0]["id"], id);
  EXPECT_EQ(parsed[0]["status"], "ROLLED_FORWARD");

  CommandResult info = cluster_.Cli({"update", "info", kJob, id});
  ASSERT_EQ(info.exit_code, 0) << info.output;
  EXPECT_NE(info.output.find("Current status: ROLLED_FORWARD"), std::string::npos) << info.output;
  EXPECT_EQ(cluster_.Cli({"update", "wait", kJob, id}).exit_code, 0);
}

TEST_F(UpdateCliTest, PauseResumeAndAbortASlowUpdate) {
  CommandResult r;
  const std::string id = Start(cluster_.WriteJobFile("v3.json", Job("v3", 60, 1)), false, &r);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  CommandResult pause = cluster_.Cli({"update", "pause", kJob, "-m", "hold on"});
  ASSERT_EQ(pause.exit_code, 0) << pause.output;
  EXPECT_NE(pause.output.find("Update has been paused."), std::string::npos);
  EXPECT_NE(cluster_.Cli({"update", "info", kJob}).output.find(
                "Current status: ROLL_FORWARD_PAUSED"),
            std::string::npos);
  CommandResult resume = cluster_.Cli({"update", "resume", kJob});
  ASSERT_EQ(resume.exit_code, 0) << resume.output;
  EXPECT_NE(resume.output.find("Update has been resumed."), std::string::npos);
  EXPECT_NE(cluster_.Cli({"update", "info", kJob, id}).output.find(
                "Current status: ROLLING_FORWARD"),
            std::string::npos);
  CommandResult promote = cluster_.Cli({"update", "promote", kJob});
  EXPECT_EQ(promote.exit_code, 4) << promote.output;
  EXPECT_NE(promote.output.find("is not a canary update"), std::string::npos) << promote.output;
  ASSERT_EQ(cluster_.Cli({"update", "abort", kJob}).exit_code, 0);
  EXPECT_EQ(cluster_.Cli({"update", "wait", kJob, id}).exit_code, 20) << "ABORTED";
  CommandResult none = cluster_.Cli({"update", "pause", kJob});
  EXPECT_EQ(none.exit_code, 6) << none.output;
  EXPECT_NE(none.output.find("No active update found for this job."), std::string::npos);
}

TEST_F(UpdateCliTest, CanaryWaitsForPromotion) {
  CommandResult r = cluster_.Cli({"update", "start", kJob,
                                  cluster_.WriteJobFile("v4.json", Job("v4", 4, 2)),
                                  "--read-json", "--canary", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The canary needs 4 s of RUNNING (watch_secs) before it waits for promotion, so a
  // promote right away is refused.
  CommandResult early = cluster_.Cli({"update", "promote", kJob});
  EXPECT_EQ(early.exit_code, 4) << early.output;
  ASSERT_TRUE(WaitFor(
      [&] {
        return cluster_.Cli({"update", "info", kJob}).output.find(
                   "Current status: ROLL_FORWARD_PAUSED") != std::string::npos;
      },
      30'000));
  CommandResult info = cluster_.Cli({"update", "info", kJob});
  EXPECT_NE(info.output.find("borealis.canary: 1"), std::string::npos) << info.output;
  CommandResult promote = cluster_.Cli({"update", "promote", kJob});
  ASSERT_EQ(promote.exit_code, 0) << promote.output;
  EXPECT_NE(promote.output.find("Canary update has been promoted."), std::string::npos);
  const std::string marker = "/update/";
  const std::string id = Words(r.output.substr(r.output.find(marker) + marker.size()))[0];
  EXPECT_EQ(cluster_.Cli({"update", "wait", kJob, id}).exit_code, 0);
}

}  // namespace
}  // namespace borealis::integration
