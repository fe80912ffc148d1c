// Tests of `job restart`'s pure pieces: the batch watcher (Aurora's instance watcher) and
// the failure threshold, and the command's parameter checks.
#include "borealis/cli/job_restart.h"

#include <gtest/gtest.h>

#include "borealis/cli/cli_run_testing.h"
#include "borealis/cli/exit_codes.h"

namespace borealis::cli {
namespace {

api::ScheduledTask Running(int32_t instance, const std::string& id) {
  api::ScheduledTask t;
  t.status = api::ScheduleStatus::RUNNING;
  t.assignedTask.instanceId = instance;
  t.assignedTask.taskId = id;
  return t;
}

TEST(BatchWatchTest, HealthyAfterWatchSecsOfTheSameTask) {
  BatchWatch w({0, 1}, 1000);
  std::vector<std::string> log;
  w.Observe(0, {}, &log);  // nothing RUNNING yet: wait
  EXPECT_FALSE(w.Done());
  EXPECT_TRUE(log.empty());
  w.Observe(100, {Running(0, "a")}, &log);
  EXPECT_EQ(log, std::vector<std::string>{"Detected RUNNING instance 0"});
  w.Observe(1100, {Running(0, "a"), Running(1, "b")}, &log);  // exactly 1 s: not yet
  EXPECT_FALSE(w.Done());
  w.Observe(1101, {Running(0, "a"), Running(1, "b")}, &log);
  EXPECT_FALSE(w.Done()) << "instance 1 was first seen at 1100";
  w.Observe(2101, {Running(0, "a"), Running(1, "b")}, &log);
  EXPECT_TRUE(w.Done());
  EXPECT_TRUE(w.Failed().empty());
  EXPECT_EQ(log.back(), "Instance 1 has been up and healthy for at least 1 seconds");
}

TEST(BatchWatchTest, AnotherRunningTaskMeansTheInstanceFailed) {
  BatchWatch w({3}, 5000);
  std::vector<std::string> log;
  w.Observe(0, {Running(3, "a")}, &log);
  w.Observe(1000, {}, &log);  // died; its replacement is not RUNNING yet
  EXPECT_FALSE(w.Done());
  w.Observe(2000, {Running(3, "b")}, &log);
  EXPECT_TRUE(w.Done());
  EXPECT_EQ(w.Failed(), std::vector<int32_t>{3});
  EXPECT_EQ(log.back(), "Instance 3 is unhealthy");
  w.Observe(9000, {Running(3, "b")}, &log);  // a finished instance stays as it ended
  EXPECT_EQ(w.Failed(), std::vector<int32_t>{3});
}

TEST(BatchWatchTest, ZeroWatchSecsCountsOnTheNextPoll) {
  BatchWatch w({0}, 0);
  std::vector<std::string> log;
  w.Observe(5, {Running(0, "a")}, &log);
  EXPECT_FALSE(w.Done());
  w.Observe(6, {Running(0, "a")}, &log);
  EXPECT_TRUE(w.Done());
}

TEST(RestartFailuresTest, PerInstanceThenTotal) {
  RestartFailures f(/*max_per_instance=*/1, /*max_total=*/1);
  f.Add({0, 1});
  EXPECT_FALSE(f.Exceeded());
  EXPECT_TRUE(f.MayRetry(0));
  f.Add({0});
  EXPECT_FALSE(f.MayRetry(0));
  EXPECT_FALSE(f.Exceeded()) << "one instance past its limit, one tolerated";
  f.Add({1});
  EXPECT_TRUE(f.Exceeded());
  EXPECT_EQ(f.Describe(), (std::vector<std::string>{
                              "2 failed instances observed, maximum allowed is 1",
                              "2 instance failures for instance 0, maximum allowed is 1",
                              "2 instance failures for instance 1, maximum allowed is 1"}));
}

TEST(RestartFailuresTest, DefaultsStopAtTheFirstFailure) {
  RestartFailures f(0, 0);
  EXPECT_FALSE(f.Exceeded());
  f.Add({4});
  EXPECT_TRUE(f.Exceeded());
  EXPECT_FALSE(f.MayRetry(4));
}

TEST(JobRestartTest, BadParametersAreRefusedBeforeAnyCall) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--batch-size", "0"}, "--batch-size must be at least 1"},
      {{"--watch-secs", "-1"}, "--watch-secs must not be negative"},
      {{"--max-total-failures", "-1"},
       "max_total_failures option must be >0, but you specified -1"},
      {{"--healthcheck-interval-seconds", "0"}, "--healthcheck-interval-seconds"},
  };
  for (const auto& [flags, message] : cases) {
    std::vector<std::string> args = {"job", "restart", "devcluster/www-data/prod/web"};
    args.insert(args.end(), flags.begin(), flags.end());
    CliRun r = RunCliInProcess(args);
    EXPECT_EQ(r.code, kExitInvalidParameter) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
  CliRun bad_key = RunCliInProcess({"job", "restart", "devcluster/www-data"});
  EXPECT_EQ(bad_key.code, kExitInvalidParameter) << bad_key.err;
}

TEST(PyListTest, PythonListNotation) {
  EXPECT_EQ(PyList({}), "[]");
  EXPECT_EQ(PyList({0, 1, 12}), "[0, 1, 12]");
}

}  // namespace
}  // namespace borealis::cli
