// TaskConfig.container and TaskConfig.slaPolicy: round trips of every kind through every
// byte codec, and the field-path errors for bad outside input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "borealis/model/container.h"
#include "borealis/model/sla_policy.h"
#include "borealis/model/task_config.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/wire/codec.h"
#include "borealis/wire/convert.h"

namespace borealis::wire {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;

model::TaskConfig BaseConfig() {
  model::TaskConfig c;
  c.job = {"www-data", "prod", "hello"};
  c.owner_user = "alice";
  c.resources.milli_cpus = 500;
  c.resources.ram_mb = 64;
  c.resources.disk_mb = 64;
  return c;
}

// One TaskConfig per container kind and SLA policy kind (name, config).
std::vector<std::pair<std::string, model::TaskConfig>> EveryKind() {
  std::vector<std::pair<std::string, model::TaskConfig>> out;
  out.emplace_back("default", BaseConfig());

  model::TaskConfig docker = BaseConfig();
  docker.container = model::DockerContainer{
      "tensorflow/tensorflow:2.0.0-gpu", {{"env", "A=1"}, {"shm-size", "1g"}, {"x", ""}}};
  docker.sla_policy = model::PercentageSlaPolicy{75.5, 600};
  out.emplace_back("docker+percentage", docker);

  model::TaskConfig docker_bare = BaseConfig();
  docker_bare.container = model::DockerContainer{"busybox", {}};
  out.emplace_back("docker without parameters", docker_bare);

  model::TaskConfig mesos_docker = BaseConfig();
  model::MesosContainer m;
  m.image = model::DockerImage{"library/python", "3.11"};
  m.volumes = {{"/data", "/srv/data", model::VolumeMode::kReadOnly},
               {"/out", "/srv/out", model::VolumeMode::kReadWrite}};
  mesos_docker.container = m;
  mesos_docker.sla_policy = model::CountSlaPolicy{3, 1800};
  out.emplace_back("mesos docker image+count", mesos_docker);

  model::TaskConfig mesos_appc = BaseConfig();
  model::MesosContainer appc;
  appc.image = model::AppcImage{"example.com/train", "sha512-0123abcd"};
  mesos_appc.container = appc;
  mesos_appc.sla_policy = model::CoordinatorSlaPolicy{"http://coordinator:8080", "drain"};
  out.emplace_back("mesos appc image+coordinator", mesos_appc);

  model::TaskConfig volumes_only = BaseConfig();
  model::MesosContainer v;
  v.volumes = {{"/tmp/x", "/var/x", model::VolumeMode::kReadWrite}};
  volumes_only.container = v;
  volumes_only.sla_policy = model::CoordinatorSlaPolicy{"http://c/", "may_drain"};
  out.emplace_back("mesos volumes+custom status key", volumes_only);
  return out;
}

TEST(ConvertContainerTest, EveryKindRoundTripsThroughEveryProtocol) {
  for (const auto& [name, config] : EveryKind()) {
    const api::TaskConfig encoded = ToThrift(config);
    EXPECT_TRUE(encoded.__isset.container) << name;
    for (Protocol protocol : {Protocol::kBinary, Protocol::kCompact, Protocol::kJson}) {
      api::TaskConfig decoded;
      ASSERT_THAT(Deserialize(protocol, Serialize(protocol, encoded), &decoded), IsOk())
          << name << " " << ProtocolName(protocol);
      absl::StatusOr<model::TaskConfig> back = FromThrift(decoded);
      ASSERT_THAT(back, IsOk()) << name << " " << ProtocolName(protocol);
      EXPECT_EQ(*back, config) << name << " " << ProtocolName(protocol);
    }
  }
}

TEST(ConvertContainerTest, EncodesAuroraShapes) {
  model::TaskConfig c = BaseConfig();
  api::TaskConfig t = ToThrift(c);
  EXPECT_TRUE(t.container.__isset.mesos);
  EXPECT_FALSE(t.container.mesos.__isset.image);
  EXPECT_FALSE(t.container.mesos.__isset.volumes);
  EXPECT_FALSE(t.__isset.slaPolicy);

  c.container = model::DockerContainer{"nginx", {}};
  c.sla_policy = model::CountSlaPolicy{2, 60};
  t = ToThrift(c);
  EXPECT_TRUE(t.container.__isset.docker);
  EXPECT_FALSE(t.container.__isset.mesos);
  EXPECT_EQ(t.container.docker.image, "nginx");
  ASSERT_TRUE(t.__isset.slaPolicy);
  EXPECT_TRUE(t.slaPolicy.__isset.countSlaPolicy);
  EXPECT_EQ(t.slaPolicy.countSlaPolicy.count, 2);
  EXPECT_EQ(t.slaPolicy.countSlaPolicy.durationSecs, 60);
}

TEST(ConvertContainerTest, UnsetContainerIsPlainMesos) {
  api::TaskConfig t = ToThrift(BaseConfig());
  t.container = api::Container();
  t.__isset.container = false;
  absl::StatusOr<model::TaskConfig> back = FromThrift(t);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->container, model::Container(model::MesosContainer{}));
}

TEST(ConvertContainerTest, EmptyStatusKeyIsDrain) {
  api::SlaPolicy p;
  api::CoordinatorSlaPolicy c;
  c.__set_coordinatorUrl("http://c/");
  p.__set_coordinatorSlaPolicy(c);
  absl::StatusOr<model::SlaPolicy> back = FromThrift(p);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(std::get<model::CoordinatorSlaPolicy>(*back).status_key, "drain");
}

// Applies `edit` to the Thrift form of a base config and expects `error` from FromThrift.
template <typename Matcher>
void ExpectError(const std::function<void(api::TaskConfig&)>& edit, Matcher error) {
  api::TaskConfig t = ToThrift(BaseConfig());
  edit(t);
  EXPECT_THAT(FromThrift(t), StatusIs(absl::StatusCode::kInvalidArgument, error));
}

TEST(ConvertContainerErrorTest, Containers) {
  ExpectError(
      [](api::TaskConfig& t) {
        t.container.mesos.__set_volumes({api::Volume()});
        t.container.__set_docker(api::DockerContainer());
      },
      "container: both mesos and docker are set");
  // An empty mesos next to docker is the field's default left behind by Thrift's decoders.
  ExpectError([](api::TaskConfig& t) { t.container.__set_docker(api::DockerContainer()); },
              "container.docker.image: must not be empty");
  ExpectError(
      [](api::TaskConfig& t) {
        t.container = api::Container();
        t.container.__set_docker(api::DockerContainer());
      },
      "container.docker.image: must not be empty");
  ExpectError(
      [](api::TaskConfig& t) {
        api::DockerContainer d;
        d.__set_image("nginx");
        d.__set_parameters({api::DockerParameter(), api::DockerParameter()});
        d.parameters[0].__set_name("env");
        t.container = api::Container();
        t.container.__set_docker(d);
      },
      "container.docker.parameters[1].name: must not be empty");
  ExpectError([](api::TaskConfig& t) { t.container.mesos.__set_image(api::Image()); },
              "container.mesos.image: neither docker nor appc is set");
  ExpectError(
      [](api::TaskConfig& t) {
        api::Image image;
        api::DockerImage d;
        d.__set_name("python");
        image.__set_docker(d);
        t.container.mesos.__set_image(image);
      },
      "container.mesos.image.docker.tag: must not be empty");
  ExpectError(
      [](api::TaskConfig& t) {
        api::Image image;
        api::AppcImage a;
        a.__set_name("train");
        image.__set_appc(a);
        t.container.mesos.__set_image(image);
      },
      "container.mesos.image.appc.imageId: must not be empty");
  ExpectError([](api::TaskConfig& t) { t.container.mesos.__set_volumes({api::Volume()}); },
              "container.mesos.volumes[0].containerPath: must not be empty");
  ExpectError(
      [](api::TaskConfig& t) {
        api::Volume v;
        v.__set_containerPath("/a");
        v.__set_hostPath("/b");
        v.__set_mode(static_cast<api::Mode::type>(7));
        t.container.mesos.__set_volumes({v});
      },
      "container.mesos.volumes[0].mode: unknown Mode value 7");
}

TEST(ConvertContainerErrorTest, SlaPolicies) {
  auto with = [](api::SlaPolicy p) {
    return [p](api::TaskConfig& t) { t.__set_slaPolicy(p); };
  };
  ExpectError(with(api::SlaPolicy()), "slaPolicy: no policy is set");
  api::SlaPolicy two;
  two.__set_countSlaPolicy(api::CountSlaPolicy());
  two.__set_percentageSlaPolicy(api::PercentageSlaPolicy());
  ExpectError(with(two), "slaPolicy: more than one policy is set");
  for (double bad : {0.0, -5.0, 100.5}) {
    api::SlaPolicy p;
    api::PercentageSlaPolicy pct;
    pct.__set_percentage(bad);
    pct.__set_durationSecs(60);
    p.__set_percentageSlaPolicy(pct);
    ExpectError(with(p), ::testing::HasSubstr(
                             "slaPolicy.percentageSlaPolicy.percentage: must be in (0, 100]"));
  }
  api::SlaPolicy neg;
  api::PercentageSlaPolicy pct;
  pct.__set_percentage(100);
  pct.__set_durationSecs(-1);
  neg.__set_percentageSlaPolicy(pct);
  ExpectError(with(neg),
              "slaPolicy.percentageSlaPolicy.durationSecs: must not be negative, got -1");
  api::SlaPolicy count;
  count.__set_countSlaPolicy(api::CountSlaPolicy());
  ExpectError(with(count), "slaPolicy.countSlaPolicy.count: must be positive, got 0");
  api::SlaPolicy coordinator;
  coordinator.__set_coordinatorSlaPolicy(api::CoordinatorSlaPolicy());
  ExpectError(with(coordinator),
              "slaPolicy.coordinatorSlaPolicy.coordinatorUrl: must not be empty");
}

}  // namespace
}  // namespace borealis::wire
