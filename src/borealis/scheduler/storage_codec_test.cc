// The storage codec keeps every part of a TaskConfig, containers and SLA policies
// included, through a log transaction and through a snapshot (so they survive restarts).
#include "borealis/scheduler/storage_codec.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "borealis/testing/status_matchers.h"
#include "borealis/wire/codec.h"
#include "gen-cpp/storage_constants.h"
#include "gen-cpp/storage_types.h"

namespace borealis::scheduler {
namespace {

using ::borealis::testing::IsOk;

model::Task TaskWith(const std::string& id, model::TaskConfig config) {
  config.job = {"www-data", "prod", id};
  config.owner_user = "alice";
  config.resources.milli_cpus = 100;
  config.resources.ram_mb = 16;
  config.resources.disk_mb = 16;
  model::Task t;
  t.task_id = id;
  t.config = std::make_shared<const model::TaskConfig>(std::move(config));
  t.status = model::ScheduleStatus::kPending;
  t.events = {{1000, model::ScheduleStatus::kPending, "", "sched"}};
  return t;
}

std::vector<model::Task> EveryKind() {
  std::vector<model::Task> out;
  out.push_back(TaskWith("plain", model::TaskConfig()));

  model::TaskConfig docker;
  docker.container = model::DockerContainer{"nginx:1.25", {{"env", "A=1"}}};
  docker.sla_policy = model::PercentageSlaPolicy{95, 1800};
  out.push_back(TaskWith("docker", docker));

  model::TaskConfig mesos;
  model::MesosContainer m;
  m.image = model::DockerImage{"library/python", "3.11"};
  m.volumes = {{"/data", "/srv/data", model::VolumeMode::kReadOnly}};
  mesos.container = m;
  mesos.sla_policy = model::CountSlaPolicy{3, 600};
  out.push_back(TaskWith("mesos-docker", mesos));

  model::TaskConfig appc;
  model::MesosContainer a;
  a.image = model::AppcImage{"example.com/train", "sha512-01"};
  appc.container = a;
  appc.sla_policy = model::CoordinatorSlaPolicy{"http://coordinator:8080", "drain"};
  out.push_back(TaskWith("mesos-appc", appc));
  return out;
}

void ExpectSameTasks(const state::ClusterState& st, const std::vector<model::Task>& tasks) {
  ASSERT_EQ(st.task_count(), tasks.size());
  for (const model::Task& t : tasks) {
    const model::Task* back = st.FindTask(t.task_id);
    ASSERT_NE(back, nullptr) << t.task_id;
    EXPECT_TRUE(model::SameTask(*back, t)) << t.task_id;
    EXPECT_EQ(back->config->container, t.config->container) << t.task_id;
    EXPECT_EQ(back->config->sla_policy, t.config->sla_policy) << t.task_id;
  }
}

TEST(StorageCodecTest, ContainersAndSlaPoliciesSurviveATransaction) {
  const std::vector<model::Task> tasks = EveryKind();
  const std::string bytes = EncodeTransaction({state::SaveTasks{tasks}});
  absl::StatusOr<std::vector<state::Mutation>> decoded = DecodeTransaction(bytes);
  ASSERT_THAT(decoded, IsOk());
  state::ClusterState st;
  st.ApplyAll(*decoded);
  ExpectSameTasks(st, tasks);
}

TEST(StorageCodecTest, ContainersAndSlaPoliciesSurviveASnapshot) {
  const std::vector<model::Task> tasks = EveryKind();
  state::ClusterState st;
  st.Apply(state::SaveTasks{tasks});
  const std::string bytes = EncodeSnapshot(st, 5000);
  state::ClusterState restored;
  ASSERT_THAT(DecodeSnapshot(bytes, &restored), IsOk());
  ExpectSameTasks(restored, tasks);
}

// Tasks that share a TaskConfig are written with it once and share it again once read;
// a run of saves keeps each task's newest version; every field of a task comes back.
TEST(StorageCodecTest, SharedConfigsAreStoredOnceAndSharedOnRecovery) {
  model::Task a = TaskWith("a", model::TaskConfig());
  a.status = model::ScheduleStatus::kRunning;
  a.agent_id = "agent-1";
  a.agent_host = "host-1";
  a.assigned_ports = {{"http", 31001}};
  a.instance_id = 3;
  a.failure_count = 2;
  a.times_partitioned = 1;
  a.ancestor_id = "a0";
  a.events.push_back({2000, model::ScheduleStatus::kRunning, "started", "sched"});
  model::Task b = a;
  b.task_id = "b";
  b.instance_id = 4;
  model::Task old_a = a;
  old_a.status = model::ScheduleStatus::kStarting;

  const std::string one = EncodeTransaction({state::SaveTasks{{a}}});
  const std::string two = EncodeTransaction({state::SaveTasks{{old_a}}, state::SaveTasks{{a, b}}});
  EXPECT_LT(two.size(), 2 * one.size());  // the config is not written twice

  absl::StatusOr<std::vector<state::Mutation>> decoded = DecodeTransaction(two);
  ASSERT_THAT(decoded, IsOk());
  ASSERT_EQ(decoded->size(), 1u);  // consecutive saves merge into one op
  state::ClusterState st;
  st.ApplyAll(*decoded);
  ASSERT_EQ(st.task_count(), 2u);
  EXPECT_TRUE(model::SameTask(*st.FindTask("a"), a));
  EXPECT_TRUE(model::SameTask(*st.FindTask("b"), b));
  EXPECT_EQ(st.FindTask("a")->config.get(), st.FindTask("b")->config.get());
}

TEST(StorageCodecTest, AConfigIndexOutOfRangeIsDataLoss) {
  storage::Transaction txn;
  txn.schemaVersion = storage::g_storage_constants.CURRENT_SCHEMA_VERSION;
  storage::SaveTasksDeduplicated save;
  storage::StoredTask& t = save.tasks.emplace_back();
  t.taskId = "x";
  t.status = api::ScheduleStatus::PENDING;
  t.taskConfigId = 1;  // there are no configs
  storage::Op op;
  op.__set_saveTasksDeduplicated(save);
  txn.ops.push_back(op);
  absl::StatusOr<std::vector<state::Mutation>> decoded =
      DecodeTransaction(wire::SerializeCompact(txn));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(decoded.status().message().find("tasks[0].taskConfigId"), std::string::npos)
      << decoded.status();
}

}  // namespace
}  // namespace borealis::scheduler
