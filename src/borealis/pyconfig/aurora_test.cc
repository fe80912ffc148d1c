// The embedded interpreter and the .aurora -> JobSpec path. Error classes come from small
// files written here; the corpus checks read tests/aurora/ from the source tree.
#include "borealis/pyconfig/aurora.h"

#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "borealis/testing/temp_dir.h"

namespace borealis::pyconfig {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kHello[] = R"(
hello = Process(name = 'hello', cmdline = 'echo hello {{mesos.instance}}')
task = Task(processes = [hello], resources = Resources(cpu = 0.5, ram = 64*MB, disk = 64*MB))
jobs = [Service(cluster = 'devcluster', role = 'www-data', environment = 'devel',
                name = 'hello', task = task)]
)";

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

class AuroraTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_.Sub(name);
    std::ofstream(path) << text;
    return path;
  }
  testing::TempDir dir_;
};

TEST_F(AuroraTest, EvaluatesHelloWorld) {
  std::string path = Write("hello.aurora", kHello);
  auto jobs = LoadAuroraJobs(path, {});
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_EQ(jobs->size(), 1u);
  const config::JobSpec& job = (*jobs)[0];
  EXPECT_EQ(job.name, "hello");
  EXPECT_EQ(job.role, "www-data");
  EXPECT_TRUE(job.service);
  ASSERT_EQ(job.task.processes.size(), 1u);
  EXPECT_EQ(job.task.processes[0].cmdline, "echo hello {{mesos.instance}}");
  EXPECT_EQ(job.task.ram_bytes, 64 << 20);
}

TEST_F(AuroraTest, ListsJobs) {
  std::string path = Write("hello.aurora", kHello);
  auto keys = ListAuroraJobs(path, {});
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_THAT(*keys, ::testing::ElementsAre("devcluster/www-data/devel/hello"));
}

TEST_F(AuroraTest, SyntaxErrorNamesFileAndLine) {
  std::string path = Write("bad.aurora", "x = 1\njobs = [\n  Job(\n");
  auto json = EvaluateAuroraFile(path, {});
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(json.status()), StartsWith(path + ":"));
  EXPECT_THAT(Msg(json.status()), HasSubstr("syntax"));
}

TEST_F(AuroraTest, PythonExceptionNamesFileAndLine) {
  std::string path = Write("raise.aurora", "x = 1\ny = undefined_name + 1\n");
  auto json = EvaluateAuroraFile(path, {});
  ASSERT_FALSE(json.ok());
  EXPECT_THAT(Msg(json.status()), StartsWith(path + ":2: "));
  EXPECT_THAT(Msg(json.status()), HasSubstr("undefined_name"));
}

TEST_F(AuroraTest, MissingFileIsAnError) {
  auto json = EvaluateAuroraFile(dir_.Sub("nope.aurora"), {});
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(json.status()), HasSubstr("nope.aurora"));
}

TEST_F(AuroraTest, CallsFromAnotherThreadWork) {
  std::string path = Write("hello.aurora", kHello);
  absl::StatusOr<std::string> json = absl::UnknownError("not run");
  std::thread([&] { json = EvaluateAuroraFile(path, {}); }).join();
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, HasSubstr("\"hello\""));
}

}  // namespace
}  // namespace borealis::pyconfig
