// Launch checks: what the agent refuses to run, alone and through AgentCore (the task is
// reported FAILED with the reason and no executor is started).
#include "borealis/agent/launch_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "borealis/agent/agent_core.h"
#include "borealis/agent/agent_test_util.h"
#include "borealis/agent/task_files.h"
#include "borealis/base/clock.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::agent {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::testing::HasSubstr;

api::TaskConfig DockerTask() {
  api::TaskConfig t;
  api::DockerContainer d;
  d.__set_image("nginx:1.25");
  t.container = api::Container();
  t.container.__set_docker(d);
  return t;
}

api::TaskConfig MesosImageTask(bool appc) {
  api::TaskConfig t;
  api::Image image;
  if (appc) {
    api::AppcImage a;
    a.__set_name("example.com/train");
    a.__set_imageId("sha512-01");
    image.__set_appc(a);
  } else {
    api::DockerImage d;
    d.__set_name("library/python");
    d.__set_tag("3.11");
    image.__set_docker(d);
  }
  t.container.mesos.__set_image(image);
  return t;
}

api::TaskConfig VolumeTask() {
  api::TaskConfig t;
  api::Volume v;
  v.__set_containerPath("/data");
  v.__set_hostPath("/srv/data");
  v.__set_mode(api::Mode::RO);
  t.container.mesos.__set_volumes({v});
  return t;
}

TEST(LaunchChecksTest, PlainMesosContainerIsLaunchable) {
  EXPECT_THAT(CheckLaunchable(api::TaskConfig()), IsOk());
  api::TaskConfig empty_volumes;
  empty_volumes.container.mesos.__set_volumes({});
  EXPECT_THAT(CheckLaunchable(empty_volumes), IsOk());
}

TEST(LaunchChecksTest, ContainersTheAgentCannotProvideAreRefused) {
  EXPECT_THAT(CheckLaunchable(DockerTask()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("docker containers are not supported yet by borealis-agent "
                                 "(image 'nginx:1.25')")));
  EXPECT_THAT(CheckLaunchable(MesosImageTask(false)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("container images are not supported yet by borealis-agent "
                                 "(mesos container with docker image 'library/python:3.11')")));
  EXPECT_THAT(CheckLaunchable(MesosImageTask(true)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("appc image 'example.com/train'")));
  EXPECT_THAT(CheckLaunchable(VolumeTask()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("container volumes are not supported yet by borealis-agent")));
}

class RecordingTransport final : public Transport {
 public:
  void Send(const agentproto::AgentMessage& message) override { sent.push_back(message); }
  std::vector<agentproto::AgentMessage> sent;
};

// A launch the agent must refuse is reported FAILED with the check's message, before any
// executor runs (the executor path exists and would succeed).
TEST(LaunchChecksTest, AgentCoreFailsARefusedTaskWithoutStartingAnExecutor) {
  borealis::testing::TempDir dir;
  const std::string work_dir = dir.Sub("work");
  ASSERT_THAT(MakeDirs(work_dir), IsOk());
  base::ManualClock clock;
  RecordingTransport transport;
  AgentCoreOptions options;
  options.work_dir = work_dir;
  options.info.agent_id = "agent-1";
  options.info.host = "127.0.0.1";
  options.executor_path = "/bin/true";
  options.pass_agent_socket = false;
  absl::StatusOr<std::unique_ptr<AgentCore>> core = AgentCore::Create(options, clock, transport);
  ASSERT_THAT(core, IsOk());
  (*core)->OnConnected();
  agentproto::AgentRegistered registered;
  registered.agentId = "agent-1";
  registered.heartbeatIntervalMs = 1000;
  agentproto::AgentMessage hello;
  hello.__set_registered(registered);
  (*core)->OnMessage(hello);

  const std::vector<std::pair<std::string, api::TaskConfig>> cases = {
      {"docker-task-0", DockerTask()},
      {"image-task-0", MesosImageTask(false)},
      {"volume-task-0", VolumeTask()}};
  for (const auto& [id, config] : cases) {
    api::AssignedTask task;
    task.taskId = id;
    task.task = config;
    task.task.job.role = "www-data";
    task.task.job.environment = "devel";
    task.task.job.name = "hello";
    agentproto::LaunchTask launch;
    launch.task = task;
    agentproto::AgentMessage message;
    message.__set_launchTask(launch);
    (*core)->OnMessage(message);
  }

  std::vector<std::string> failed;
  for (const agentproto::AgentMessage& m : transport.sent) {
    if (!m.__isset.statusUpdate) continue;
    EXPECT_EQ(m.statusUpdate.status, api::ScheduleStatus::FAILED) << m.statusUpdate.taskId;
    EXPECT_THAT(m.statusUpdate.message,
                HasSubstr("not supported yet by borealis-agent"));
    failed.push_back(m.statusUpdate.taskId);
  }
  EXPECT_EQ(failed, (std::vector<std::string>{"docker-task-0", "image-task-0", "volume-task-0"}));
  for (const auto& [id, config] : cases) {
    absl::StatusOr<std::string> text = ReadFile(AgentPaths{work_dir}.AgentTaskJson(id));
    ASSERT_THAT(text, IsOk());
    absl::StatusOr<AgentTaskRecord> record = DecodeAgentTaskRecord(*text);
    ASSERT_THAT(record, IsOk());
    EXPECT_EQ(record->executor_pid, 0) << id;  // no executor was started
    EXPECT_TRUE(record->executor_gone) << id;
  }
  core->reset();
  KillExecutorsUnder(work_dir);
}

}  // namespace
}  // namespace borealis::agent
