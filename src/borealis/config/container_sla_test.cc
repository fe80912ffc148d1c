// FillContainerAndSla: the container and SLA shapes our .aurora loader emits (the golden
// files under tests/aurora/golden), Aurora's other spellings, and errors by field path.
#include "borealis/config/container_sla.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <variant>

#include "borealis/config/job_spec.h"
#include "borealis/model/container.h"
#include "borealis/model/sla_policy.h"
#include "borealis/testing/status_matchers.h"

namespace borealis::config {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::testing::HasSubstr;
using nlohmann::json;

// name -> job of a golden file of the loader's corpus.
std::map<std::string, json> GoldenJobs(const std::string& file) {
  std::ifstream in(std::string(BOREALIS_SOURCE_DIR) + "/tests/aurora/golden/" + file);
  EXPECT_TRUE(in.good()) << file;
  json doc = json::parse(in, nullptr, /*allow_exceptions=*/false);
  std::map<std::string, json> out;
  const json jobs = doc.contains("jobs") ? doc.at("jobs") : json::array({doc});
  for (const json& job : jobs) out[job.value("name", std::string())] = job;
  return out;
}

model::TaskConfig Fill(const json& job) {
  model::TaskConfig task;
  EXPECT_THAT(FillContainerAndSla(job, &task), IsOk()) << job.dump();
  return task;
}

TEST(ContainerSlaTest, GoldenContainers) {
  std::map<std::string, json> jobs = GoldenJobs("containers.json");
  ASSERT_EQ(jobs.size(), 5u);

  model::TaskConfig docker = Fill(jobs.at("gpu_docker"));
  EXPECT_EQ(docker.container,
            model::Container(model::DockerContainer{
                "tensorflow/tensorflow:2.0.0-gpu",
                {{"env", "CUDA_VISIBLE_DEVICES=0,1"}, {"shm-size", "1g"}}}));

  model::MesosContainer python;
  python.image = model::DockerImage{"library/python", "3.11"};
  python.volumes = {{"/data", "/srv/data", model::VolumeMode::kReadOnly},
                    {"/out", "/srv/out", model::VolumeMode::kReadWrite}};
  EXPECT_EQ(Fill(jobs.at("mesos_docker_image")).container, model::Container(python));

  model::MesosContainer appc;
  appc.image = model::AppcImage{"example.com/train", "sha512-0123abcd"};
  EXPECT_EQ(Fill(jobs.at("mesos_appc_image")).container, model::Container(appc));

  EXPECT_EQ(Fill(jobs.at("mesos_plain")).container, model::Container(model::MesosContainer{}));
  EXPECT_EQ(Fill(jobs.at("legacy_docker_wrapper")).container,
            model::Container(model::DockerContainer{"busybox", {}}));
  for (const auto& [name, job] : jobs) EXPECT_FALSE(Fill(job).sla_policy) << name;
}

TEST(ContainerSlaTest, GoldenSlaPolicies) {
  std::map<std::string, json> jobs = GoldenJobs("sla_partition.json");
  ASSERT_EQ(jobs.size(), 3u);
  model::TaskConfig count = Fill(jobs.at("sla_count"));
  EXPECT_EQ(count.sla_policy, model::SlaPolicy(model::CountSlaPolicy{3, 1800}));
  EXPECT_EQ(count.container, model::Container(model::MesosContainer{}));  // "container": null
  EXPECT_EQ(Fill(jobs.at("sla_percentage")).sla_policy,
            model::SlaPolicy(model::PercentageSlaPolicy{75.0, 600}));
  EXPECT_EQ(Fill(jobs.at("sla_coordinator")).sla_policy,
            model::SlaPolicy(
                model::CoordinatorSlaPolicy{"http://coordinator.example.com:8080", "drain"}));
}

// The goldens after ParseJobsJson (schema defaults filled), as the CLI hands them over.
TEST(ContainerSlaTest, GoldensThroughTheJobReader) {
  for (const char* file : {"containers.json", "sla_partition.json"}) {
    std::ifstream in(std::string(BOREALIS_SOURCE_DIR) + "/tests/aurora/golden/" + file);
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<std::vector<JobSpec>> specs = ParseJobsJson(text.str(), file);
    ASSERT_THAT(specs, IsOk());
    std::map<std::string, json> golden = GoldenJobs(file);
    ASSERT_EQ(specs->size(), golden.size());
    for (const JobSpec& spec : *specs) {
      model::TaskConfig from_spec = Fill(spec.original);
      model::TaskConfig from_golden = Fill(golden.at(spec.name));
      EXPECT_EQ(from_spec.container, from_golden.container) << spec.name;
      EXPECT_EQ(from_spec.sla_policy, from_golden.sla_policy) << spec.name;
    }
  }
}

TEST(ContainerSlaTest, DefaultsAndOtherSpellings) {
  model::TaskConfig task;
  task.container = model::DockerContainer{"stale", {}};
  task.sla_policy = model::CountSlaPolicy{1, 1};
  ASSERT_THAT(FillContainerAndSla(json::object(), &task), IsOk());
  EXPECT_EQ(task.container, model::Container(model::MesosContainer{}));
  EXPECT_FALSE(task.sla_policy);

  // A tagged Mesos container, parameters and volumes left out, an integer percentage and
  // a coordinator without status_key.
  json job = {{"container", {{"mesos", {{"image", {{"name", "n"}, {"tag", "t"}}}}}}},
              {"sla_policy", {{"coordinator_url", "http://c/"}}}};
  task = Fill(job);
  model::MesosContainer m;
  m.image = model::DockerImage{"n", "t"};
  EXPECT_EQ(task.container, model::Container(m));
  EXPECT_EQ(task.sla_policy, model::SlaPolicy(model::CoordinatorSlaPolicy{"http://c/", "drain"}));
  task = Fill({{"container", {{"image", "nginx"}}},
               {"sla_policy", {{"percentage", 100}, {"duration_secs", 0}}}});
  EXPECT_EQ(task.container, model::Container(model::DockerContainer{"nginx", {}}));
  EXPECT_EQ(task.sla_policy, model::SlaPolicy(model::PercentageSlaPolicy{100, 0}));
}

TEST(ContainerSlaTest, ErrorsNameTheField) {
  struct Case {
    const char* job;  // JSON
    const char* error;
  };
  const Case cases[] = {
      {R"({"container": "docker"})", "container: expected an object"},
      {R"({"container": {"image": ""}})", "container.image: must not be empty"},
      {R"({"container": {"docker": {"parameters": []}}})", "container.docker.image: missing"},
      {R"({"container": {"image": "x", "parameters": [{"name": "env"}]}})",
       "container.parameters[0].value: missing"},
      {R"({"container": {"image": "x", "parameters": 3}})",
       "container.parameters: expected a list"},
      {R"({"container": {"image": "x", "privileged": true}})",
       "container: unknown field 'privileged'"},
      {R"({"container": {"image": {"name": "x"}}})",
       "container.image: expected DockerImage {name, tag} or AppcImage {name, image_id}"},
      {R"({"container": {"image": {"name": "x", "image_id": ""}}})",
       "container.image.image_id: must not be empty"},
      {R"({"container": {"volumes": [{"container_path": "/a", "host_path": "/b", "mode": "RO"},
                                     {"container_path": "/c", "host_path": "/d", "mode": "rw"}]}})",
       R"(container.volumes[1].mode: expected "RO" or "RW", got "rw")"},
      {R"({"container": {"volumes": [{"container_path": "/a", "mode": "RO"}]}})",
       "container.volumes[0].host_path: missing"},
      {R"({"sla_policy": {"duration_secs": 5}})", "sla_policy: expected one of"},
      {R"({"sla_policy": {"percentage": 0, "duration_secs": 5}})",
       "sla_policy.percentage: must be in (0, 100], got 0"},
      {R"({"sla_policy": {"percentage": 100.5, "duration_secs": 5}})",
       "sla_policy.percentage: must be in (0, 100], got 100.5"},
      {R"({"sla_policy": {"percentage": "50", "duration_secs": 5}})",
       "sla_policy.percentage: expected a number"},
      {R"({"sla_policy": {"count": 2}})", "sla_policy.duration_secs: missing"},
      {R"({"sla_policy": {"count": 2, "duration_secs": -1}})",
       "sla_policy.duration_secs: must not be negative, got -1"},
      {R"({"sla_policy": {"count": 0, "duration_secs": 1}})",
       "sla_policy.count: must be positive, got 0"},
      {R"({"sla_policy": {"count": 1.5, "duration_secs": 1}})",
       "sla_policy.count: expected an integer"},
      {R"({"sla_policy": {"coordinator_url": ""}})",
       "sla_policy.coordinator_url: must not be empty"},
      {R"({"sla_policy": {"count": 2, "percentage": 50, "duration_secs": 1}})",
       "sla_policy: expected one of"},
  };
  for (const Case& c : cases) {
    model::TaskConfig task;
    task.sla_policy = model::CountSlaPolicy{7, 7};
    EXPECT_THAT(FillContainerAndSla(json::parse(c.job), &task),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)))
        << c.job;
    EXPECT_EQ(task.sla_policy, model::SlaPolicy(model::CountSlaPolicy{7, 7})) << c.job;
  }
}

}  // namespace
}  // namespace borealis::config
