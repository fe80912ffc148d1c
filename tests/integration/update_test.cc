// Scheduler-driven job updates with real daemons, through the Thrift API: a 6-instance
// service rolled forward to a new command in variable batches [1,2,3]; an update whose
// health check fails rolls back to the old command by itself; a scheduler killed with
// SIGKILL in the middle of an update finishes it after its restart; a canary holds the
// update until it has been healthy long enough, then the rest follows.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "borealis/cli/scheduler_client.h"
#include "borealis/config/conversion.h"
#include "borealis/config/job_spec.h"
#include "borealis/wire/convert.h"
#include "harness.h"

namespace borealis::integration {
namespace {

constexpr int kInstances = 6;

// The job, running `cmdline`; `extra` is spliced in at the job level (e.g. health checks).
std::string JobJson(const std::string& cmdline, const std::string& extra = "") {
  return R"({
  "name": "web", "role": "www-data", "environment": "devel", "cluster": "devcluster",
  "instances": 6, "service": true, )" +
         extra + R"(
  "task": {
    "name": "web",
    "processes": [{"name": "main", "cmdline": ")" +
         cmdline + R"("}],
    "resources": {"cpu": 0.05, "ram": 8388608, "disk": 8388608}
  }
})";
}

class UpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.set_agent_timeout_ms(30'000);  // the agent outlives a scheduler restart
    cluster_.add_scheduler_flags({"--initial-flapping-task-delay-ms", "100"});
    cluster_.StartScheduler();
    cluster_.StartAgent(0);
    CommandResult r = cluster_.Cli({"job", "create", "devcluster/www-data/devel/web",
                                    cluster_.WriteJobFile("v1.json", JobJson("sleep 1000 # v1")),
                                    "--read-json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_TRUE(WaitFor([&] { return CountRunning("# v1") == kInstances; }, 60'000));
  }

  // Active RUNNING tasks whose executor data contains `marker`.
  int CountRunning(const std::string& marker) {
    api::TaskQuery q;
    q.__set_role("www-data");
    q.__set_environment("devel");
    q.__set_jobName("web");
    auto tasks = Client().GetTasksStatus(q);
    if (!tasks.ok()) return -1;  // the scheduler is restarting
    int n = 0;
    for (const auto& t : *tasks) {
      if (t.status == api::ScheduleStatus::RUNNING &&
          t.assignedTask.task.executorConfig.data.find(marker) != std::string::npos) {
        ++n;
      }
    }
    return n;
  }

  api::JobUpdateRequest Request(const std::string& json, std::vector<int32_t> groups,
                                int32_t watch_ms) {
    auto jobs = config::ParseJobsJson(json, "update.json");
    EXPECT_TRUE(jobs.ok()) << jobs.status();
    auto conf = config::ToJobConfiguration((*jobs)[0], "www-data");
    EXPECT_TRUE(conf.ok()) << conf.status();
    api::JobUpdateRequest req;
    req.__set_taskConfig(wire::ToThrift(conf->task));
    req.__set_instanceCount(kInstances);
    api::JobUpdateSettings s;
    s.__set_updateGroupSize(1);
    s.__set_minWaitInInstanceRunningMs(watch_ms);
    s.__set_rollbackOnFailure(true);
    api::VariableBatchJobUpdateStrategy vb;
    vb.__set_groupSizes(groups);
    api::JobUpdateStrategy strategy;
    strategy.__set_varBatchStrategy(vb);
    s.__set_updateStrategy(strategy);
    req.__set_settings(s);
    return req;
  }

  // The scheduler's Thrift API through the CLI's client (TJSON over HTTP, as Aurora's).
  cli::SchedulerClient Client() {
    auto client = cli::SchedulerClient::Create(
        "http://127.0.0.1:" + std::to_string(cluster_.scheduler_port()), 10'000);
    EXPECT_TRUE(client.ok()) << client.status();
    return *std::move(client);
  }

  api::JobUpdateKey StartUpdate(const api::JobUpdateRequest& req) {
    auto r = Client().StartJobUpdate(req, "integration test");
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->result.startJobUpdateResult.key : api::JobUpdateKey();
  }

  // Nothing while the scheduler is restarting or does not know the update.
  std::optional<api::JobUpdateDetails> Details(const api::JobUpdateKey& key) {
    api::JobUpdateQuery q;
    q.__set_key(key);
    auto r = Client().GetJobUpdateDetails(q);
    if (!r.ok() || r->size() != 1) return std::nullopt;
    return r->front();
  }

  bool StatusIs(const api::JobUpdateKey& key, api::JobUpdateStatus::type status) {
    auto d = Details(key);
    return d && d->update.summary.state.status == status;
  }

  std::string Describe(const api::JobUpdateKey& key) {
    auto d = Details(key);
    if (!d) return "no details";
    std::string out = "status " + std::to_string(d->update.summary.state.status) + "; events:";
    for (const auto& e : d->updateEvents) {
      out += " " + std::to_string(e.status) + (e.__isset.message ? "(" + e.message + ")" : "");
    }
    out += "; instance events: " + std::to_string(d->instanceEvents.size());
    return out;
  }

  LocalCluster cluster_;
};

TEST_F(UpdateTest, VariableBatchRollsEveryInstanceForward) {
  api::JobUpdateKey key = StartUpdate(Request(JobJson("sleep 1000 # v2"), {1, 2, 3}, 500));
  ASSERT_FALSE(key.id.empty());
  ASSERT_TRUE(WaitFor([&] { return StatusIs(key, api::JobUpdateStatus::ROLLED_FORWARD); },
                      120'000))
      << Describe(key);
  EXPECT_EQ(CountRunning("# v2"), kInstances);
  EXPECT_EQ(CountRunning("# v1"), 0);
  auto d = Details(key);
  ASSERT_TRUE(d);
  int updated = 0;
  for (const auto& e : d->instanceEvents) updated += e.action == api::JobUpdateAction::INSTANCE_UPDATED;
  EXPECT_EQ(updated, kInstances);
  // The same config again changes nothing.
  auto again = Client().StartJobUpdate(Request(JobJson("sleep 1000 # v2"), {1}, 0), "");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->responseCode, api::ResponseCode::OK);
  ASSERT_FALSE(again->details.empty());
  EXPECT_EQ(again->details[0].message, "Job is unchanged by proposed update.");
}

TEST_F(UpdateTest, FailingHealthCheckRollsBackByItself) {
  const std::string health = R"("health_check_config": {"health_checker": {"shell": {"shell_command": "exit 1"}},
    "initial_interval_secs": 0, "interval_secs": 0.1, "max_consecutive_failures": 0},)";
  api::JobUpdateKey key =
      StartUpdate(Request(JobJson("sleep 1000 # v2", health), {1, 2, 3}, 500));
  ASSERT_FALSE(key.id.empty());
  ASSERT_TRUE(WaitFor([&] { return StatusIs(key, api::JobUpdateStatus::ROLLED_BACK); }, 120'000))
      << Describe(key);
  ASSERT_TRUE(WaitFor([&] { return CountRunning("# v1") == kInstances; }, 60'000));
  EXPECT_EQ(CountRunning("# v2"), 0);
}

TEST_F(UpdateTest, CanaryHoldsTheUpdateUntilPromoted) {
  api::JobUpdateRequest req = Request(JobJson("sleep 1000 # v2"), {6}, 200);
  api::Metadata canary;
  canary.__set_key("borealis.canary");
  canary.__set_value("1");
  api::Metadata auto_promote;
  auto_promote.__set_key("borealis.canary.auto_promote_after_secs");
  auto_promote.__set_value("2");
  req.__set_metadata({canary, auto_promote});
  api::JobUpdateKey key = StartUpdate(req);
  ASSERT_FALSE(key.id.empty());
  ASSERT_TRUE(WaitFor([&] { return StatusIs(key, api::JobUpdateStatus::ROLL_FORWARD_PAUSED); },
                      60'000))
      << Describe(key);
  EXPECT_EQ(CountRunning("# v2"), 1);  // the canary alone
  ASSERT_TRUE(WaitFor([&] { return StatusIs(key, api::JobUpdateStatus::ROLLED_FORWARD); },
                      60'000))
      << Describe(key);
  EXPECT_EQ(CountRunning("# v2"), kInstances);
  auto d = Details(key);
  ASSERT_TRUE(d);
  bool promoted = false;
  for (const auto& m : d->update.summary.metadata) {
    promoted |= m.key == "borealis.canary.state" && m.value == "promoted";
  }
  EXPECT_TRUE(promoted);
}

TEST_F(UpdateTest, SchedulerKilledMidUpdateFinishesItAfterRestart) {
  api::JobUpdateRequest req = Request(JobJson("sleep 1000 # v2"), {1}, 1500);
  // A launch the scheduler committed but had not sent when it was killed reaches no agent:
  // reconciliation after the restart makes that task LOST, which counts as a failure of
  // the instance (as in Aurora). One retry per instance lets the update go on.
  req.settings.__set_maxPerInstanceFailures(1);
  api::JobUpdateKey key = StartUpdate(req);
  ASSERT_FALSE(key.id.empty());
  // Wait until at least one instance is done and more remain.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto d = Details(key);
        if (!d) return false;
        for (const auto& e : d->instanceEvents) {
          if (e.action == api::JobUpdateAction::INSTANCE_UPDATED) return true;
        }
        return false;
      },
      60'000))
      << Describe(key);
  ASSERT_TRUE(StatusIs(key, api::JobUpdateStatus::ROLLING_FORWARD)) << Describe(key);
  cluster_.KillScheduler();
  cluster_.StartScheduler();
  ASSERT_TRUE(WaitFor([&] { return StatusIs(key, api::JobUpdateStatus::ROLLED_FORWARD); },
                      120'000))
      << Describe(key);
  EXPECT_EQ(CountRunning("# v2"), kInstances);
}

}  // namespace
}  // namespace borealis::integration
