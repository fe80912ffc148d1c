// Scheduler-driven job updates with real daemons, through the Thrift API: a 6-instance
// service rolled forward to a new command in variable batches [1,2,3]; an update whose
// health check fails rolls back to the old command by itself; a scheduler killed with
// SIGKILL in the middle of an update finishes it after its restart.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <thrift/protocol/TJSONProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include "borealis/config/conversion.h"
#include "borealis/config/job_spec.h"
#include "borealis/net/http_client.h"
#include "borealis/wire/convert.h"
#include "gen-cpp/AuroraAdmin.h"
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

// One Thrift call over HTTP, as Aurora's clients make it (TJSONProtocol).
template <typename Send, typename Recv>
api::Response Call(int port, Send send, Recv recv) {
  using apache::thrift::protocol::TJSONProtocol;
  using apache::thrift::transport::TMemoryBuffer;
  auto out_buf = std::make_shared<TMemoryBuffer>();
  auto in_buf = std::make_shared<TMemoryBuffer>();
  api::AuroraAdminClient client(std::make_shared<TJSONProtocol>(in_buf),
                                std::make_shared<TJSONProtocol>(out_buf));
  send(client);
  auto reply = net::HttpCall("POST", "127.0.0.1", port, "/api", out_buf->getBufferAsString(),
                             "application/vnd.apache.thrift.json", 10'000);
  if (!reply.ok() || reply->status != 200) {
    throw std::runtime_error("api call failed: " +
                             (reply.ok() ? reply->body : reply.status().ToString()));
  }
  in_buf->resetBuffer(reinterpret_cast<uint8_t*>(reply->body.data()),
                      static_cast<uint32_t>(reply->body.size()), TMemoryBuffer::COPY);
  api::Response r;
  recv(client, r);
  return r;
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
    api::Response r = Call(
        cluster_.scheduler_port(), [&](api::AuroraAdminClient& c) { c.send_getTasksStatus(q); },
        [](api::AuroraAdminClient& c, api::Response& out) { c.recv_getTasksStatus(out); });
    int n = 0;
    for (const auto& t : r.result.scheduleStatusResult.tasks) {
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

  api::JobUpdateKey StartUpdate(const api::JobUpdateRequest& req) {
    api::Response r = Call(
        cluster_.scheduler_port(),
        [&](api::AuroraAdminClient& c) { c.send_startJobUpdate(req, "integration test"); },
        [](api::AuroraAdminClient& c, api::Response& out) { c.recv_startJobUpdate(out); });
    EXPECT_EQ(r.responseCode, api::ResponseCode::OK) << (r.details.empty() ? "" : r.details[0].message);
    return r.result.startJobUpdateResult.key;
  }

  std::optional<api::JobUpdateDetails> Details(const api::JobUpdateKey& key) {
    api::Response r;
    try {
      r = Call(
          cluster_.scheduler_port(),
          [&](api::AuroraAdminClient& c) { c.send_getJobUpdateDetails(key, api::JobUpdateQuery()); },
          [](api::AuroraAdminClient& c, api::Response& out) { c.recv_getJobUpdateDetails(out); });
    } catch (const std::exception&) {
      return std::nullopt;  // the scheduler is restarting
    }
    if (r.responseCode != api::ResponseCode::OK) return std::nullopt;
    return r.result.getJobUpdateDetailsResult.details;
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
  api::Response again = Call(
      cluster_.scheduler_port(),
      [&](api::AuroraAdminClient& c) {
        c.send_startJobUpdate(Request(JobJson("sleep 1000 # v2"), {1}, 0), "");
      },
      [](api::AuroraAdminClient& c, api::Response& out) { c.recv_startJobUpdate(out); });
  EXPECT_EQ(again.responseCode, api::ResponseCode::OK);
  ASSERT_FALSE(again.details.empty());
  EXPECT_EQ(again.details[0].message, "Job is unchanged by proposed update.");
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

TEST_F(UpdateTest, SchedulerKilledMidUpdateFinishesItAfterRestart) {
  api::JobUpdateKey key = StartUpdate(Request(JobJson("sleep 1000 # v2"), {1}, 1500));
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
