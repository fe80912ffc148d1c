// The storage codec keeps every part of a TaskConfig, containers and SLA policies
// included, through a log transaction and through a snapshot (so they survive restarts).
#include "borealis/scheduler/storage_codec.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "borealis/model/container.h"
#include "borealis/model/sla_policy.h"
#include "borealis/model/task.h"
#include "borealis/model/task_config.h"
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
  t.task_id = model::TaskId(id);
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

// A status update of a task the log holds is written as a change (status, the new events
// and the fields that changed), not as the whole task, and replays to the same task.
TEST(StorageCodecTest, TransitionsOfStoredTasksAreWrittenAsChanges) {
  const model::Task pending = TaskWith("a", model::TaskConfig());
  model::Task assigned = pending;
  assigned.status = model::ScheduleStatus::kAssigned;
  assigned.agent_id = "agent-1";
  assigned.agent_host = "host-1";
  assigned.assigned_ports = {{"http", 31001}};
  assigned.events.push_back({2000, model::ScheduleStatus::kAssigned, "", "sched"});
  model::Task running = assigned;
  running.status = model::ScheduleStatus::kRunning;
  running.events.push_back({2100, model::ScheduleStatus::kStarting, "", "sched"});
  running.events.push_back({2200, model::ScheduleStatus::kRunning, "up", "sched"});
  running.failure_count = 1;
  const model::Task other = TaskWith("b", model::TaskConfig());  // new: written whole

  state::ClusterState live;
  state::SaveTasks create{{pending}};
  live.Apply(create, &create.replaced);
  EXPECT_EQ(create.replaced, std::vector<state::TaskPtr>{nullptr});
  // Two saves of `a` in one transaction: the change is relative to the first one's base.
  state::SaveTasks first{{assigned, other}};
  live.Apply(first, &first.replaced);
  ASSERT_EQ(first.replaced.size(), 2u);
  EXPECT_TRUE(model::SameTask(*first.replaced[0], pending));
  EXPECT_EQ(first.replaced[1], nullptr);
  state::SaveTasks second{{running}};
  live.Apply(second, &second.replaced);

  const std::string whole = EncodeTransaction({state::SaveTasks{{running}}});
  const std::string changes = EncodeTransaction({first, second});
  storage::Transaction txn;
  ASSERT_THAT(wire::DeserializeCompact(changes, &txn), IsOk());
  ASSERT_EQ(txn.ops.size(), 2u);
  ASSERT_TRUE(txn.ops[0].__isset.saveTasksDeduplicated);
  ASSERT_EQ(txn.ops[0].saveTasksDeduplicated.tasks.size(), 1u);
  EXPECT_EQ(txn.ops[0].saveTasksDeduplicated.tasks[0].taskId, "b");
  ASSERT_TRUE(txn.ops[1].__isset.saveTaskChanges);
  ASSERT_EQ(txn.ops[1].saveTaskChanges.changes.size(), 1u);
  const storage::StoredTaskChange& c = txn.ops[1].saveTaskChanges.changes[0];
  EXPECT_EQ(c.taskId, "a");
  EXPECT_EQ(c.newEvents.size(), 3u);
  EXPECT_TRUE(c.__isset.slaveId && c.__isset.assignedPorts && c.__isset.failureCount);
  EXPECT_FALSE(c.__isset.timesPartitioned);
  // RUNNING after ASSIGNED alone: the change is a fraction of the whole task.
  EXPECT_LT(EncodeTransaction({second}).size() * 2, whole.size());

  state::ClusterState replayed;
  replayed.Apply(state::SaveTasks{{pending}});
  absl::StatusOr<std::vector<state::Mutation>> decoded = DecodeTransaction(changes);
  ASSERT_THAT(decoded, IsOk());
  for (const auto& m : *decoded) {
    if (const auto* change = std::get_if<state::ChangeTasks>(&m)) {
      EXPECT_EQ(replayed.Unknown(*change), nullptr);
    }
    replayed.Apply(m);
  }
  ASSERT_EQ(replayed.task_count(), 2u);
  EXPECT_TRUE(model::SameTask(*replayed.FindTask("a"), running));
  EXPECT_TRUE(model::SameTask(*replayed.FindTask("b"), other));
}

// A save that rewrites what a change cannot carry (here an earlier event) is written whole.
TEST(StorageCodecTest, SavesAChangeCannotCarryAreWrittenWhole) {
  const model::Task before = TaskWith("a", model::TaskConfig());
  model::Task after = before;
  after.events[0].message = "rewritten";
  state::ClusterState live;
  live.Apply(state::SaveTasks{{before}});
  state::SaveTasks save{{after}};
  live.Apply(save, &save.replaced);
  storage::Transaction txn;
  ASSERT_THAT(wire::DeserializeCompact(EncodeTransaction({save}), &txn), IsOk());
  ASSERT_EQ(txn.ops.size(), 1u);
  EXPECT_TRUE(txn.ops[0].__isset.saveTasksDeduplicated);
}

TEST(StorageCodecTest, AChangeWithABadStatusIsDataLoss) {
  storage::Transaction txn;
  txn.schemaVersion = storage::g_storage_constants.CURRENT_SCHEMA_VERSION;
  storage::SaveTaskChanges changes;
  storage::StoredTaskChange& c = changes.changes.emplace_back();
  c.taskId = "x";
  c.status = static_cast<api::ScheduleStatus::type>(99);
  storage::Op op;
  op.__set_saveTaskChanges(changes);
  txn.ops.push_back(op);
  absl::StatusOr<std::vector<state::Mutation>> decoded =
      DecodeTransaction(wire::SerializeCompact(txn));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(decoded.status().message().find("changes[0].status"), std::string::npos)
      << decoded.status();
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
