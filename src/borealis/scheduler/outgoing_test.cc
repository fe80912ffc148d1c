#include "borealis/scheduler/outgoing.h"

#include <gtest/gtest.h>

namespace borealis::scheduler {
namespace {

std::shared_ptr<const model::Task> AssignedTask(const std::string& id,
                                                std::shared_ptr<const model::TaskConfig> config,
                                                int32_t port) {
  auto t = std::make_shared<model::Task>();
  t->task_id = model::TaskId(id);
  t->agent_id = "agent-1";
  t->agent_host = "host-1";
  t->instance_id = 3;
  t->assigned_ports = {{"http", port}};
  t->config = std::move(config);
  return t;
}

std::shared_ptr<const model::TaskConfig> Config(const std::string& job_name, int64_t ram_mb) {
  auto c = std::make_shared<model::TaskConfig>();
  c->job = {"www-data", "prod", job_name};
  c->resources.milli_cpus = 250;
  c->resources.ram_mb = ram_mb;
  c->resources.disk_mb = 64;
  return c;
}

TEST(OutgoingTest, EachKindBecomesTheMatchingUnionMember) {
  agentproto::Acknowledge ack;
  ack.uuid = "u1";
  ack.taskId = "t1";
  agentproto::AgentMessage m = ToAgentMessage(ack);
  ASSERT_TRUE(m.__isset.acknowledge);
  EXPECT_FALSE(m.__isset.launchTask || m.__isset.killTask || m.__isset.reconcile);
  EXPECT_EQ(m.acknowledge.uuid, "u1");
  EXPECT_EQ(m.acknowledge.taskId, "t1");

  agentproto::KillTask kill;
  kill.taskId = "t2";
  kill.message = "why";
  m = ToAgentMessage(kill);
  ASSERT_TRUE(m.__isset.killTask);
  EXPECT_EQ(m.killTask.message, "why");

  agentproto::Reconcile reconcile;
  reconcile.taskIds = {"a", "b"};
  m = ToAgentMessage(reconcile);
  ASSERT_TRUE(m.__isset.reconcile);
  EXPECT_EQ(m.reconcile.taskIds.size(), 2u);

  agentproto::AgentRegistered registered;
  registered.agentId = "agent-1";
  registered.heartbeatIntervalMs = 500;
  m = ToAgentMessage(registered);
  ASSERT_TRUE(m.__isset.registered);
  EXPECT_EQ(m.registered.heartbeatIntervalMs, 500);
}

TEST(OutgoingTest, LaunchCarriesTheAssignedTaskAndItsConfig) {
  agentproto::AgentMessage m =
      ToAgentMessage(LaunchMessage{AssignedTask("t1", Config("web", 128), 31001)});
  ASSERT_TRUE(m.__isset.launchTask);
  const api::AssignedTask& a = m.launchTask.task;
  EXPECT_EQ(a.taskId, "t1");
  EXPECT_EQ(a.slaveId, "agent-1");
  EXPECT_EQ(a.slaveHost, "host-1");
  EXPECT_EQ(a.instanceId, 3);
  EXPECT_EQ(a.assignedPorts.at("http"), 31001);
  EXPECT_EQ(a.task.job.name, "web");
  EXPECT_EQ(a.task.job.role, "www-data");
}

TEST(OutgoingTest, BuilderReusesAConfigOnlyForTheSameConfig) {
  AgentMessageBuilder builder;
  auto web = Config("web", 128);
  auto db = Config("db", 4096);
  agentproto::AgentMessage m1 = builder.Build(LaunchMessage{AssignedTask("t1", web, 1)});
  agentproto::AgentMessage m2 = builder.Build(LaunchMessage{AssignedTask("t2", web, 2)});
  agentproto::AgentMessage m3 = builder.Build(LaunchMessage{AssignedTask("t3", db, 3)});
  agentproto::AgentMessage m4 = builder.Build(LaunchMessage{AssignedTask("t4", web, 4)});
  EXPECT_EQ(m1.launchTask.task.task, m2.launchTask.task.task);
  EXPECT_EQ(m2.launchTask.task.taskId, "t2");
  EXPECT_EQ(m3.launchTask.task.task.job.name, "db");
  EXPECT_NE(m3.launchTask.task.task, m1.launchTask.task.task);
  EXPECT_EQ(m4.launchTask.task.task.job.name, "web");
  EXPECT_EQ(m4.launchTask.task.assignedPorts.at("http"), 4);
  // Built with or without the cache, a launch is the same message.
  EXPECT_EQ(m3, ToAgentMessage(LaunchMessage{AssignedTask("t3", db, 3)}));
}

}  // namespace
}  // namespace borealis::scheduler
