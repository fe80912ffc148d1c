// POST /exec/grant over a hand-built SchedulerView: which tasks get grants, where their
// agents are, and that each grant checks with its own agent's key only.
#include "borealis/scheduler/exec_grants.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "borealis/wire/exec_grant.h"

namespace borealis::scheduler {
namespace {

using model::ScheduleStatus;

constexpr char kMaster[] = "the-master-key";
constexpr int64_t kNow = 1'000'000;

class ExecGrantsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AddAgent("agent-a", "10.0.0.1", 8081);
    AddAgent("agent-b", "10.0.0.2", 8082);
    AddAgent("agent-old", "10.0.0.3", 0);  // did not report its HTTP port
    AddTask("web-0", 0, ScheduleStatus::kRunning, "agent-a", "10.0.0.1");
    AddTask("web-1", 1, ScheduleStatus::kRunning, "agent-b", "10.0.0.2");
    AddTask("web-1-old", 1, ScheduleStatus::kFinished, "agent-a", "10.0.0.1");
    AddTask("web-2", 2, ScheduleStatus::kPending, "", "");
    AddTask("web-3", 3, ScheduleStatus::kRunning, "agent-old", "10.0.0.3");
  }

  void AddAgent(const std::string& id, const std::string& host, int http_port) {
    AgentRecord rec;
    auto info = std::make_shared<model::AgentInfo>();
    info->agent_id = model::AgentId(id);
    info->host = host;
    info->http_port = http_port;
    rec.info = info;
    rec.registered = rec.connected = true;
    agents_[model::AgentId(id)] = rec;
  }

  void AddTask(const std::string& id, int32_t instance, ScheduleStatus status,
               const std::string& agent, const std::string& host) {
    auto config = std::make_shared<model::TaskConfig>();
    config->job = {"www-data", "devel", "web"};
    auto task = std::make_shared<model::Task>();
    task->task_id = model::TaskId(id);
    task->config = std::move(config);
    task->instance_id = instance;
    task->status = status;
    task->agent_id = model::AgentId(agent);
    task->agent_host = host;
    task->assigned_ports = {{"http", 31000 + instance}};
    table_.Put(std::move(task));
  }

  net::HttpResponse Ask(const std::string& body) {
    SchedulerView view;
    view.tasks = std::make_shared<const state::TaskMap>(table_);
    view.agents = std::make_shared<const AgentRecords>(agents_);
    net::HttpRequest request;
    request.body = body;
    int n = 0;
    ExecGrantContext context{kMaster, kNow, [&n] { return "nonce" + std::to_string(n++); }};
    return ServeExecGrant(view, request, context);
  }

  state::TaskMap table_;
  AgentRecords agents_;
};

TEST_F(ExecGrantsTest, GrantsLiveTasksOnAgentsThatCanBeReached) {
  net::HttpResponse r = Ask(R"({"role":"www-data","environment":"devel","name":"web","action":"run"})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto grants = nlohmann::json::parse(r.body)["grants"];
  ASSERT_EQ(grants.size(), 2u) << r.body;  // not finished, pending or unreachable ones
  EXPECT_EQ(grants[0]["instance"], 0);
  EXPECT_EQ(grants[0]["host"], "10.0.0.1");
  EXPECT_EQ(grants[0]["http_port"], 8081);
  EXPECT_EQ(grants[0]["ports"]["http"], 31000);
  EXPECT_EQ(grants[1]["task_id"], "web-1");
  EXPECT_EQ(grants[1]["expires_ms"], kNow + wire::kExecGrantLifetimeMs);
  const std::string token = grants[1]["grant"];
  const wire::ExecGrantCheck check{"agent-b", "run", kNow + 1000};
  auto ok = wire::VerifyExecGrant(token, wire::DeriveAgentExecKey(kMaster, "agent-b"), check);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->task_id, "web-1");
  // agent-a's key does not check agent-b's grant.
  const wire::ExecGrantCheck on_a{"agent-a", "run", kNow + 1000};
  EXPECT_FALSE(wire::VerifyExecGrant(token, wire::DeriveAgentExecKey(kMaster, "agent-a"), on_a).ok());
}

TEST_F(ExecGrantsTest, InstancesAndLocate) {
  net::HttpResponse r = Ask(
      R"({"role":"www-data","environment":"devel","name":"web","action":"scp","instances":[1,2]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto grants = nlohmann::json::parse(r.body)["grants"];
  ASSERT_EQ(grants.size(), 1u);
  EXPECT_EQ(grants[0]["task_id"], "web-1");
  r = Ask(R"({"role":"www-data","environment":"devel","name":"web","action":"locate"})");
  auto located = nlohmann::json::parse(r.body)["grants"];
  ASSERT_EQ(located.size(), 2u);
  EXPECT_FALSE(located[0].contains("grant"));
  r = Ask(R"({"role":"www-data","environment":"devel","name":"nope","action":"run"})");
  EXPECT_EQ(nlohmann::json::parse(r.body)["grants"].size(), 0u);
}

TEST_F(ExecGrantsTest, BadRequestsNameTheField) {
  EXPECT_EQ(Ask("not json").status, 400);
  net::HttpResponse r = Ask(R"({"role":"www-data","environment":"devel","name":"web","action":"rm"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("action"), std::string::npos);
  r = Ask(R"({"role":"www-data","environment":"devel","action":"run"})");
  EXPECT_NE(r.body.find("name"), std::string::npos);
  r = Ask(R"({"role":"www-data","environment":"devel","name":"web","action":"run","instances":[-1]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("instances"), std::string::npos);
}

}  // namespace
}  // namespace borealis::scheduler
