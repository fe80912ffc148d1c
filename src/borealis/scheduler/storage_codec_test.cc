// The storage codec keeps every part of a TaskConfig, containers and SLA policies
// included, through a log transaction and through a snapshot (so they survive restarts).
#include "borealis/scheduler/storage_codec.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "borealis/testing/status_matchers.h"

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

}  // namespace
}  // namespace borealis::scheduler
