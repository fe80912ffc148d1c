// /metrics, /vars and /vars.json of a real scheduler and agent (docs/metrics.md), the
// Prometheus text checked by a strict parser (testing/prometheus_text.h), and the SLA
// commands against the same cluster.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "borealis/net/http_client.h"
#include "borealis/testing/prometheus_text.h"
#include "harness.h"

namespace borealis::integration {
namespace {

constexpr char kJob[] = R"({
  "name": "web", "role": "www-data", "environment": "devel", "cluster": "devcluster",
  "instances": 2, "service": true, "tier": "preferred",
  "task": {
    "name": "web",
    "processes": [{"name": "server", "cmdline": "while true; do sleep 1; done"}],
    "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}
  }
})";

std::string Get(int port, const std::string& path, const std::string& host = "127.0.0.1") {
  auto r = net::HttpCall("GET", host, port, path, "", "", 5000);
  return r.ok() && r->status == 200 ? r->body : "";
}

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.add_scheduler_flags({"--sla-stat-refresh-interval-ms", "200"});
    cluster_.StartScheduler();
    cluster_.StartAgent(0);
    CommandResult quota = cluster_.Cli({"admin", "set-quota", "devcluster", "www-data", "1", "1GB", "1GB"});
    ASSERT_EQ(quota.exit_code, 0) << quota.output;
    CommandResult r = cluster_.Cli({"job", "create", "devcluster/www-data/devel/web",
                                    cluster_.WriteJobFile("web.json", kJob), "--read-json",
                                    "--wait-until", "RUNNING"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  LocalCluster cluster_;
};

TEST_F(MetricsTest, SchedulerAndAgentExportStrictPrometheusAndAuroraVars) {
  const std::string mttr =
      "borealis_sla_mttr_ms{group=\"job\",key=\"www-data/devel/web\",tier=\"prod\"}";
  std::string text;
  ASSERT_TRUE(WaitFor(
      [&] {
        text = Get(cluster_.scheduler_port(), "/metrics");
        auto p = testing::ParsePrometheusText(text);
        return p.ok() && p->Get("borealis_task_store{state=\"RUNNING\"}") == 2 && p->Has(mttr);
      },
      15'000))
      << text;
  auto parsed = testing::ParsePrometheusText(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << text;
  EXPECT_EQ(parsed->types.at("borealis_api_request_seconds"), "histogram");
  EXPECT_GE(parsed->Get("borealis_api_request_seconds_count{method=\"createJob\"}"), 1);
  EXPECT_GE(parsed->Get("borealis_placement_pass_seconds_count"), 1);
  EXPECT_GE(parsed->Get("borealis_storage_commit_seconds_count"), 1);
  EXPECT_GE(parsed->Get("borealis_status_update_delay_seconds_count"), 2);  // RUNNING of each
  EXPECT_EQ(parsed->Get("borealis_agents_connected"), 1);
  EXPECT_EQ(parsed->Get("borealis_quota_used{resource=\"cpus\",role=\"www-data\"}"), 0.2);
  EXPECT_GE(parsed->Get(mttr), 0);
  EXPECT_EQ(parsed->types.at("borealis_status_updates_total"), "counter");

  const std::string vars = Get(cluster_.scheduler_port(), "/vars");
  EXPECT_NE(vars.find("task_store_RUNNING 2\n"), std::string::npos) << vars;
  EXPECT_NE(vars.find("agents_connected 1\n"), std::string::npos) << vars;
  EXPECT_NE(vars.find("sla_www-data/devel/web_job_uptime_99_00_sec "), std::string::npos) << vars;
  EXPECT_NE(vars.find("sla_cluster_platform_uptime_percent "), std::string::npos) << vars;
  const auto json = nlohmann::json::parse(Get(cluster_.scheduler_port(), "/vars.json"), nullptr, false);
  ASSERT_FALSE(json.is_discarded());
  EXPECT_EQ(json.value("task_store_RUNNING", -1), 2);

  const int agent = cluster_.AgentHttpPort(0);  // served on the agent's own address
  const std::string agent_host = cluster_.AgentHost(0);
  auto agent_metrics = testing::ParsePrometheusText(Get(agent, "/metrics", agent_host));
  ASSERT_TRUE(agent_metrics.ok()) << agent_metrics.status();
  EXPECT_EQ(agent_metrics->Get("borealis_agent_tasks{state=\"RUNNING\"}"), 2);
  EXPECT_EQ(agent_metrics->Get("borealis_agent_executor_launches_total"), 2);
  EXPECT_EQ(agent_metrics->Get("borealis_agent_task_launch_seconds_count"), 2);
  EXPECT_TRUE(agent_metrics->Has("borealis_agent_status_updates_unacknowledged"));
  EXPECT_NE(Get(agent, "/vars", agent_host).find("tasks_RUNNING 2\n"), std::string::npos);
}

TEST_F(MetricsTest, SlaCommandsReadTheJobsTasks) {
  CommandResult up = cluster_.Cli({"sla", "get-task-up-count", "devcluster/www-data/devel/web",
                                   "--durations=0s,7d"});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  EXPECT_EQ(up.output, "0 secs\t- 100.00 %\n7 days\t- 0.00 %\n");
  CommandResult uptime = cluster_.Cli({"sla", "get-job-uptime", "devcluster/www-data/devel/web",
                                       "--percentiles=50", "--write-json"});
  ASSERT_EQ(uptime.exit_code, 0) << uptime.output;
  EXPECT_EQ(uptime.output.rfind("[{\"percentile\":50.0,\"uptime_secs\":", 0), 0u) << uptime.output;
  CommandResult bad = cluster_.Cli({"sla", "get-job-uptime", "devcluster/www-data/devel/web",
                                    "--percentiles=100"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("Invalid percentile value:100."), std::string::npos) << bad.output;

  const std::string host = cluster_.AgentHost(0);
  CommandResult probe = cluster_.Admin({"sla_probe_hosts", "devcluster", "50", "1s", "--hosts=" + host,
                               "--min_job_instance_count=1"});
  ASSERT_EQ(probe.exit_code, 0) << probe.output;
  EXPECT_EQ(probe.output, host + "\tdevcluster/www-data/devel/web\t0.00\tFalse\tn/a\n");
  CommandResult safe = cluster_.Admin({"sla_list_safe_domain", "devcluster", "50", "1s",
                              "--min_job_instance_count=1"});
  ASSERT_EQ(safe.exit_code, 0) << safe.output;
  EXPECT_EQ(safe.output, "");  // the only host holds every instance of the job
}

}  // namespace
}  // namespace borealis::integration
