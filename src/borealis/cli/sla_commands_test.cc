// Tests of the SLA commands' pure pieces: durations and percentiles as Aurora's client
// parses them, the job uptime vector's math (cases from Aurora's client tests), the domain
// vector for the admin verbs, and the output against golden files in tests/cli/golden/.
#include "borealis/cli/sla_commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "borealis/testing/temp_dir.h"
#include "borealis/testing/status_matchers.h"

namespace borealis::cli {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::testing::HasSubstr;

constexpr int64_t kNowMs = 1'700'000'000'000;

api::ScheduledTask Task(int32_t instance, int64_t up_secs, const std::string& host = "h1",
                        const std::string& name = "job", bool prod = true) {
  api::ScheduledTask t;
  t.assignedTask.instanceId = instance;
  t.assignedTask.slaveHost = host;
  t.assignedTask.task.production = prod;
  t.assignedTask.task.job.role = "mesos";
  t.assignedTask.task.job.environment = "test";
  t.assignedTask.task.job.name = name;
  t.status = api::ScheduleStatus::RUNNING;
  api::TaskEvent pending;
  pending.status = api::ScheduleStatus::PENDING;
  pending.timestamp = kNowMs - up_secs * 1000 - 5000;
  api::TaskEvent running;
  running.status = api::ScheduleStatus::RUNNING;
  running.timestamp = kNowMs - up_secs * 1000;
  t.taskEvents = {pending, running};
  return t;
}

std::vector<api::ScheduledTask> Tasks(const std::vector<int64_t>& uptimes) {
  std::vector<api::ScheduledTask> out;
  for (size_t i = 0; i < uptimes.size(); ++i) out.push_back(Task(static_cast<int32_t>(i), uptimes[i]));
  return out;
}

std::string Golden(const std::string& name) {
  return testing::ReadWholeFile(std::string(BOREALIS_SOURCE_DIR) + "/tests/cli/golden/" + name);
}

TEST(SlaParseTest, DurationsAreXdYhZmWs) {
  EXPECT_EQ(*ParseSlaDuration("3m"), 180);
  EXPECT_EQ(*ParseSlaDuration("2d6h"), 194400);
  EXPECT_EQ(*ParseSlaDuration("1h3m10s"), 3790);
  EXPECT_THAT(ParseSlaDuration("3m2h"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("XdYhZmWs")));
  EXPECT_FALSE(ParseSlaDuration("").ok());
  EXPECT_FALSE(ParseSlaDuration("10").ok());
  EXPECT_EQ(*ParseSlaDurations("3m,2d6h,3h"), (std::vector<int64_t>{180, 10800, 194400}));
  EXPECT_EQ(FormatSlaDuration(180), "3 mins");
  EXPECT_EQ(FormatSlaDuration(194400), "54 hrs");
  EXPECT_EQ(FormatSlaDuration(604800), "7 days");
  EXPECT_EQ(FormatSlaDuration(90), "90 secs");
}

TEST(SlaParseTest, PercentilesAreInsideZeroToHundred) {
  EXPECT_EQ(*ParsePercentiles("99.9,85.5"), (std::vector<double>{85.5, 99.9}));
  EXPECT_THAT(ParsePercentiles("100"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("Invalid percentile value:100. Must be between 0.0 and 100.0 exclusive.")));
  EXPECT_FALSE(ParsePercentiles("0").ok());
  EXPECT_FALSE(ParsePercentiles("x").ok());
}

// The cases of Aurora's client tests (api/test_sla.py).
TEST(JobUptimeVectorTest, CountsAndUptimesAsAurora) {
  EXPECT_DOUBLE_EQ(JobUptimeVector({}, kNowMs).TaskUpCount(0), 0);
  EXPECT_DOUBLE_EQ(JobUptimeVector(Tasks({600, 900, 100, 200}), kNowMs).TaskUpCount(300), 50);
  EXPECT_DOUBLE_EQ(JobUptimeVector(Tasks({100, 200, 300, 400, 500}), kNowMs).TaskUpCount(50), 100);
  EXPECT_EQ(JobUptimeVector({}, kNowMs).JobUptime(50), 0);
  JobUptimeVector four(Tasks({100, 200, 300, 400}), kNowMs);
  EXPECT_EQ(four.JobUptime(10), 400);
  EXPECT_EQ(four.JobUptime(50), 200);
  EXPECT_EQ(four.JobUptime(99), 100);
}

TEST(JobUptimeVectorTest, WaitTimeToSlaAsAurora) {
  EXPECT_EQ(JobUptimeVector({}, kNowMs).WaitTimeToSla(50, 200), std::nullopt);
  JobUptimeVector four(Tasks({100, 200, 300, 400}), kNowMs);
  EXPECT_EQ(four.WaitTimeToSla(75, 200), 0);
  EXPECT_EQ(four.WaitTimeToSla(95, 200, 5), std::nullopt);
  EXPECT_EQ(four.WaitTimeToSla(25, 450), 50);
  EXPECT_EQ(four.WaitTimeToSla(80, 250), 150);
  JobUptimeVector five(Tasks({100, 200, 300, 400, 500}), kNowMs);
  EXPECT_EQ(five.WaitTimeToSla(50, 350), 50);
  EXPECT_EQ(five.WaitTimeToSla(90, 150), 50);
}

TEST(SlaOutputTest, GoldenTextOfTheJobCommands) {
  JobUptimeVector v(Tasks({30, 120, 900, 4000, 50000, 700000}), kNowMs);
  EXPECT_EQ(FormatTaskUpCount(v, *ParseSlaDurations("1m,10m,1h,12h,7d")) + "\n",
            Golden("sla_get_task_up_count.txt"));
  EXPECT_EQ(FormatJobUptime(v, *ParsePercentiles("99,95,90,85,75,60,50,30,10")) + "\n",
            Golden("sla_get_job_uptime.txt"));
}

// Two jobs of 4 instances over three hosts; a small non-production job is ignored.
std::vector<api::ScheduledTask> Domain() {
  return {Task(0, 1000, "h1", "web"), Task(1, 1000, "h1", "web"), Task(2, 1000, "h2", "web"),
          Task(3, 100, "h3", "web"),  Task(0, 5000, "h2", "db"),  Task(1, 5000, "h2", "db"),
          Task(2, 5000, "h3", "db"),  Task(3, 5000, "h3", "db"),  Task(0, 10, "h1", "dev", false)};
}

TEST(DomainUptimeVectorTest, ProbeHostsPredictsEachJobsSla) {
  DomainUptimeVector v("cl", Domain(), 2, {"h1", "h2"}, kNowMs);
  EXPECT_EQ(FormatProbeResults(v.ProbeHosts(50, 600, "by_host")),
            (std::vector<std::string>{"h1\tcl/mesos/test/web\t25.00\tFalse\t500",
                                      "h2\tcl/mesos/test/db\t50.00\tTrue\t0\n"
                                      "h2\tcl/mesos/test/web\t50.00\tTrue\t0"}));
  DomainUptimeVector one("cl", Domain(), 2, {"h3"}, kNowMs);
  EXPECT_EQ(FormatProbeResults(one.ProbeHosts(80, 600, "by_host")),
            (std::vector<std::string>{"h3\tcl/mesos/test/db\t50.00\tFalse\tn/a\n"
                                      "h3\tcl/mesos/test/web\t75.00\tFalse\tn/a"}));
}

TEST(DomainUptimeVectorTest, SafeHostsKeepEveryJobsSla) {
  DomainUptimeVector v("cl", Domain(), 2, {}, kNowMs);
  EXPECT_EQ(FormatSafeDomain(v.SafeHosts(50, 600, {}, "by_host"), {}, false),
            (std::vector<std::string>{"h2", "h3"}));
  EXPECT_EQ(FormatSafeDomain(v.SafeHosts(50, 600, {}, "by_host"), {"h3"}, true),
            (std::vector<std::string>{"h2\tcl/mesos/test/db\t50.00\t600\n"
                                      "h2\tcl/mesos/test/web\t50.00\t600"}));
  // A per-job override relaxes web enough for h1.
  std::map<std::string, DomainUptimeVector::JobLimit> overrides = {
      {"cl/mesos/test/web", {25, 600}}};
  EXPECT_EQ(FormatSafeDomain(v.SafeHosts(50, 600, overrides, "by_host"), {}, false),
            (std::vector<std::string>{"h1", "h2", "h3"}));
  // All hosts at once are never safe; a job below the instance minimum is not looked at.
  EXPECT_TRUE(FormatSafeDomain(v.SafeHosts(50, 600, {}, "none"), {}, false).empty());
  DomainUptimeVector big_only("cl", Domain(), 5, {}, kNowMs);
  EXPECT_TRUE(big_only.SafeHosts(50, 600, {}, "by_host").empty());
}

}  // namespace
}  // namespace borealis::cli
