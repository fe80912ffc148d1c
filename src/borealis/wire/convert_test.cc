// Model <-> Thrift conversions: full round trips through every byte codec, and the shape
// errors FromThrift reports for outside input.
#include "borealis/wire/convert.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "borealis/testing/status_matchers.h"
#include "borealis/wire/codec.h"

namespace borealis::wire {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::testing::HasSubstr;

model::TaskConfig FullTaskConfig() {
  model::TaskConfig c;
  c.job = {"www-data", "prod", "hello"};
  c.owner_user = "alice";
  c.is_service = true;
  c.priority = 7;
  c.max_task_failures = 3;
  c.production = true;
  c.tier = "preferred";
  c.resources.milli_cpus = 1250;
  c.resources.ram_mb = 512;
  c.resources.disk_mb = 2048;
  c.resources.gpus = 1;
  c.resources.named_ports = {"admin", "http"};
  model::Constraint limit;
  limit.name = "host";
  limit.is_limit = true;
  limit.limit = 1;
  model::Constraint rack;
  rack.name = "rack";
  rack.negated = true;
  rack.values = {"r1", "r2"};
  model::Constraint zone;
  zone.name = "zone";
  zone.values = {"us-east"};
  c.constraints = {limit, rack, zone};
  c.task_links = {{"http", "http://%host%:%port:http%"}};
  c.contact_email = "team@example.com";
  c.executor_name = "AuroraExecutor";
  c.executor_data = R"({"task": {"name": "hello", "processes": []}})";
  c.metadata = {{"owner", "team-a"}, {"version", "42"}};
  c.partition_policy = model::PartitionPolicy();
  c.partition_policy->reschedule = false;
  c.partition_policy->delay_secs = 30;
  return c;
}

model::JobConfiguration FullJob() {
  model::JobConfiguration j;
  j.key = {"www-data", "prod", "hello"};
  j.owner_user = "alice";
  j.cron_schedule = "*/5 * * * *";
  j.cron_collision_policy = model::CronCollisionPolicy::kCancelNew;
  j.task = FullTaskConfig();
  j.instance_count = 5;
  return j;
}

model::TaskEvent Event(int64_t ms, model::ScheduleStatus status, std::string message,
                       std::string scheduler) {
  model::TaskEvent e;
  e.timestamp_ms = ms;
  e.status = status;
  e.message = std::move(message);
  e.scheduler = std::move(scheduler);
  return e;
}

model::Task FullTask() {
  model::Task t;
  t.task_id = "1700000000000-www-data-prod-hello-3-7f2a";
  t.config = std::make_shared<const model::TaskConfig>(FullTaskConfig());
  t.instance_id = 3;
  t.agent_id = "agent-17";
  t.agent_host = "node17.example.com";
  t.assigned_ports = {{"admin", 31001}, {"http", 31000}};
  t.status = model::ScheduleStatus::kRunning;
  t.failure_count = 2;
  t.times_partitioned = 1;
  t.events = {
      Event(1000, model::ScheduleStatus::kPending, "", "sched1"),
      Event(2000, model::ScheduleStatus::kAssigned, "assigned to node17", "sched1"),
      Event(3000, model::ScheduleStatus::kRunning, "", ""),
  };
  t.ancestor_id = "1600000000000-www-data-prod-hello-3-0001";
  return t;
}

// model -> thrift -> bytes -> thrift -> model, for one protocol.
template <typename Model, typename Thrift>
Model RoundTrip(Protocol protocol, const Model& value) {
  const Thrift encoded = ToThrift(value);
  const std::string bytes = Serialize(protocol, encoded);
  Thrift decoded;
  EXPECT_THAT(Deserialize(protocol, bytes, &decoded), IsOk()) << ProtocolName(protocol);
  EXPECT_TRUE(decoded == encoded) << ProtocolName(protocol);
  auto back = FromThrift(decoded);
  EXPECT_THAT(back, IsOk()) << ProtocolName(protocol);
  return back.ok() ? *back : Model{};
}

class RoundTripTest : public ::testing::TestWithParam<Protocol> {};

TEST_P(RoundTripTest, TaskConfig) {
  const model::TaskConfig c = FullTaskConfig();
  EXPECT_EQ((RoundTrip<model::TaskConfig, api::TaskConfig>(GetParam(), c)), c);
}

TEST_P(RoundTripTest, MinimalTaskConfig) {
  model::TaskConfig c;
  c.job = {"r", "e", "n"};
  c.executor_name.clear();
  EXPECT_EQ((RoundTrip<model::TaskConfig, api::TaskConfig>(GetParam(), c)), c);
}

TEST_P(RoundTripTest, JobConfiguration) {
  const model::JobConfiguration j = FullJob();
  EXPECT_EQ((RoundTrip<model::JobConfiguration, api::JobConfiguration>(GetParam(), j)), j);
}

TEST_P(RoundTripTest, TaskWithEventsAndPorts) {
  const model::Task t = FullTask();
  const model::Task back = RoundTrip<model::Task, api::ScheduledTask>(GetParam(), t);
  EXPECT_TRUE(model::SameTask(back, t));
  ASSERT_NE(back.config, nullptr);
  EXPECT_NE(back.config.get(), t.config.get());  // a fresh config is made on decode
}

TEST_P(RoundTripTest, AgentRegistration) {
  model::AgentInfo a;
  a.agent_id = "agent-1";
  a.host = "node1";
  a.resources.milli_cpus = 8000;
  a.resources.ram_mb = 16384;
  a.resources.disk_mb = 100000;
  a.resources.gpus = 2;
  a.port_ranges = {{31000, 31999}, {40000, 40010}};
  a.attributes = {{"rack", {"r1"}}, {"zone", {"z1", "z2"}}};
  const std::string bytes = Serialize(GetParam(), ToRegisterAgent(a));
  agentproto::RegisterAgent decoded;
  ASSERT_THAT(Deserialize(GetParam(), bytes, &decoded), IsOk());
  auto back = FromThrift(decoded);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, a);
}

INSTANTIATE_TEST_SUITE_P(AllProtocols, RoundTripTest,
                         ::testing::Values(Protocol::kBinary, Protocol::kCompact,
                                           Protocol::kJson),
                         [](const auto& param_info) {
                           return std::string(ProtocolName(param_info.param));
                         });

TEST(ConvertTest, EncodesAuroraShapes) {
  const api::TaskConfig t = ToThrift(FullTaskConfig());
  EXPECT_TRUE(t.__isset.container);
  EXPECT_TRUE(t.container.__isset.mesos);
  EXPECT_FALSE(t.container.__isset.docker);
  EXPECT_EQ(t.owner.user, "alice");
  EXPECT_EQ(t.executorConfig.name, "AuroraExecutor");
  ASSERT_EQ(t.resources.size(), 6u);  // cpus, ram, disk, gpus, 2 ports
  int cpus_seen = 0;
  for (const api::Resource& r : t.resources) {
    if (r.__isset.numCpus) {
      EXPECT_DOUBLE_EQ(r.numCpus, 1.25);
      ++cpus_seen;
    }
  }
  EXPECT_EQ(cpus_seen, 1);
  model::Resources no_gpus;
  EXPECT_EQ(ToThrift(no_gpus).size(), 3u);  // numGpus only when non-zero
}

TEST(ConvertTest, CpusRoundToNearestMilli) {
  std::set<api::Resource> in;
  api::Resource cpus;
  cpus.__set_numCpus(0.2999999);
  in.insert(cpus);
  auto r = FromThrift(in);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->milli_cpus, 300);
}

TEST(ConvertTest, StatusEnumsMatchAurora) {
  for (model::ScheduleStatus s : model::AllStatuses()) {
    auto back = FromThrift(ToThrift(s));
    ASSERT_THAT(back, IsOk());
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(ToThrift(model::ScheduleStatus::kPartitioned), api::ScheduleStatus::PARTITIONED);
  EXPECT_EQ(ToThrift(model::ScheduleStatus::kThrottled), api::ScheduleStatus::THROTTLED);
}

TEST(ConvertErrorTest, UnknownScheduleStatus) {
  api::ScheduledTask t = ToThrift(FullTask());
  t.status = static_cast<api::ScheduleStatus::type>(42);
  EXPECT_THAT(FromThrift(t), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("status: unknown ScheduleStatus value 42")));
  t = ToThrift(FullTask());
  t.taskEvents[1].status = static_cast<api::ScheduleStatus::type>(-1);
  EXPECT_THAT(FromThrift(t), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("taskEvents[1].status: unknown")));
}

TEST(ConvertErrorTest, UnknownEnumFromBytes) {
  // An enum value this build does not know survives decoding; the converter refuses it.
  api::JobConfiguration j = ToThrift(FullJob());
  j.cronCollisionPolicy = static_cast<api::CronCollisionPolicy::type>(9);
  api::JobConfiguration decoded;
  ASSERT_THAT(DeserializeCompact(SerializeCompact(j), &decoded), IsOk());
  EXPECT_THAT(FromThrift(decoded),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cronCollisionPolicy: unknown CronCollisionPolicy value 9")));
}

TEST(ConvertErrorTest, MissingJobKey) {
  api::TaskConfig t = ToThrift(FullTaskConfig());
  t.job = api::JobKey();
  t.__isset.job = false;
  EXPECT_THAT(FromThrift(t), StatusIs(absl::StatusCode::kInvalidArgument, "job: missing"));

  api::JobConfiguration j = ToThrift(FullJob());
  j.key = api::JobKey();
  j.__isset.key = false;
  auto from_task = FromThrift(j);  // key taken from taskConfig.job
  ASSERT_THAT(from_task, IsOk());
  EXPECT_EQ(from_task->key.ToString(), "www-data/prod/hello");
  j.taskConfig.job = api::JobKey();
  j.taskConfig.__isset.job = false;
  EXPECT_THAT(FromThrift(j), StatusIs(absl::StatusCode::kInvalidArgument, "key: missing"));

  j = ToThrift(FullJob());
  j.taskConfig.job = api::JobKey();
  j.taskConfig.__isset.job = false;
  auto from_key = FromThrift(j);  // taskConfig.job taken from key
  ASSERT_THAT(from_key, IsOk());
  EXPECT_EQ(from_key->task.job.ToString(), "www-data/prod/hello");
}

TEST(ConvertErrorTest, ResourceShape) {
  api::Resource cpus1, cpus2, empty, both;
  cpus1.__set_numCpus(1);
  cpus2.__set_numCpus(2);
  both.__set_ramMb(1);
  both.__set_diskMb(1);
  api::JobConfiguration j = ToThrift(FullJob());
  j.taskConfig.resources = {cpus1, cpus2};
  EXPECT_THAT(FromThrift(j), StatusIs(absl::StatusCode::kInvalidArgument,
                                      "taskConfig.resources: numCpus appears more than once"));
  EXPECT_THAT(FromThrift(std::set<api::Resource>{empty}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no member set")));
  EXPECT_THAT(FromThrift(std::set<api::Resource>{both}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("more than one member")));
  api::Resource nan;
  nan.__set_numCpus(std::nan(""));
  EXPECT_THAT(FromThrift(std::set<api::Resource>{nan}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of range")));
  api::ResourceAggregate quota;
  quota.resources = {cpus1, cpus2};
  EXPECT_THAT(FromThrift(quota),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("resources: numCpus")));
}

TEST(ConvertErrorTest, ConstraintUnion) {
  api::TaskConfig t = ToThrift(FullTaskConfig());
  api::Constraint bad;
  bad.__set_name("rack");
  t.constraints = {bad};
  EXPECT_THAT(FromThrift(t),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "constraints[rack].constraint: neither value nor limit is set"));
}

TEST(ConvertErrorTest, UnsupportedFeatures) {
  api::TaskConfig fetch = ToThrift(FullTaskConfig());
  api::MesosFetcherURI uri;
  uri.__set_value("http://example.com/a.tgz");
  fetch.__set_mesosFetcherUris({uri});
  EXPECT_THAT(FromThrift(fetch), StatusIs(absl::StatusCode::kInvalidArgument,
                                          "mesosFetcherUris: not supported yet"));
}

TEST(ConvertErrorTest, ScheduledTaskPaths) {
  api::ScheduledTask t = ToThrift(FullTask());
  t.assignedTask.task.container = api::Container();
  t.assignedTask.task.container.__set_docker(api::DockerContainer());
  EXPECT_THAT(FromThrift(t),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "assignedTask.task.container.docker.image: must not be empty"));
  EXPECT_THAT(FromThrift(ToThrift(FullTask()), nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("assignedTask.task")));
}

TEST(ConvertTest, SharedConfigOverload) {
  auto config = std::make_shared<const model::TaskConfig>(FullTaskConfig());
  auto task = FromThrift(ToThrift(FullTask()), config);
  ASSERT_THAT(task, IsOk());
  EXPECT_EQ(task->config.get(), config.get());
}

TEST(ConvertTest, AssignedTaskOnly) {
  const model::Task full = FullTask();
  auto back = FromThrift(ToAssignedTask(full));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->task_id, full.task_id);
  EXPECT_EQ(back->assigned_ports, full.assigned_ports);
  EXPECT_EQ(*back->config, *full.config);
  EXPECT_EQ(back->status, model::ScheduleStatus::kInit);
}

TEST(ConvertErrorTest, AgentRegistration) {
  agentproto::RegisterAgent r;
  EXPECT_THAT(FromThrift(r), StatusIs(absl::StatusCode::kInvalidArgument, "agentId: missing"));
  r.agentId = "a";
  r.host = "h";
  agentproto::PortRange bad;
  bad.first = 9000;
  bad.last = 8000;
  r.resources.ports = {agentproto::PortRange(), bad};
  EXPECT_THAT(FromThrift(r), StatusIs(absl::StatusCode::kInvalidArgument,
                                      "resources.ports[1]: bad port range 9000-8000"));
}

}  // namespace
}  // namespace borealis::wire
