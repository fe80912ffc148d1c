// Unit tests of the health check algorithm on a ManualClock, of reading the health and
// lifecycle settings from executor data, and of judging HTTP health replies.
#include "borealis/executor/health_monitor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "borealis/base/clock.h"
#include "borealis/executor/health_config.h"
#include "borealis/executor/health_probe.h"
#include "borealis/testing/status_matchers.h"

namespace borealis::executor {
namespace {

using Change = HealthMonitor::Change;
using State = HealthMonitor::State;
using ::testing::HasSubstr;
using nlohmann::json;

HealthPolicy Policy(int64_t initial_ms, int64_t interval_ms, int max_failures, int min_successes) {
  HealthPolicy p;
  p.initial_interval_ms = initial_ms;
  p.interval_ms = interval_ms;
  p.max_consecutive_failures = max_failures;
  p.min_consecutive_successes = min_successes;
  return p;
}

// Runs one check now and feeds its result.
Change Check(HealthMonitor& m, bool healthy, const std::string& reason = "down") {
  EXPECT_TRUE(m.CheckDue());
  m.OnCheckStarted();
  EXPECT_FALSE(m.CheckDue());  // one probe at a time
  return m.OnCheckResult(healthy, reason);
}

TEST(HealthMonitorTest, FirstCheckAtStartThenEveryInterval) {
  base::ManualClock clock;
  HealthMonitor m(Policy(15'000, 10'000, 0, 1), clock);
  EXPECT_FALSE(m.CheckDue());
  EXPECT_EQ(m.NextCheckMs(), std::nullopt);
  m.Start();
  EXPECT_EQ(m.state(), State::kStarting);
  EXPECT_EQ(m.NextCheckMs(), 0);
  EXPECT_EQ(Check(m, false), Change::kNone);
  EXPECT_EQ(m.NextCheckMs(), 10'000);
  clock.AdvanceMs(9'999);
  EXPECT_FALSE(m.CheckDue());
  clock.AdvanceMs(1);
  EXPECT_TRUE(m.CheckDue());
}

TEST(HealthMonitorTest, GraceAttemptsAreCeilOfInitialOverInterval) {
  base::ManualClock clock;
  EXPECT_EQ(HealthMonitor(Policy(15'000, 10'000, 0, 1), clock).grace_attempts(), 2);
  EXPECT_EQ(HealthMonitor(Policy(20'000, 10'000, 0, 1), clock).grace_attempts(), 2);
  EXPECT_EQ(HealthMonitor(Policy(0, 10'000, 0, 1), clock).grace_attempts(), 0);
  EXPECT_EQ(HealthMonitor(Policy(15'000, 10'000, 2, 3), clock).max_attempts_to_healthy(), 7);
}

TEST(HealthMonitorTest, FailuresInGraceAreIgnoredThenOneSuccessIsHealthy) {
  base::ManualClock clock;
  HealthMonitor m(Policy(15'000, 10'000, 0, 1), clock);
  m.Start();
  EXPECT_EQ(Check(m, false), Change::kNone);
  clock.AdvanceMs(10'000);
  EXPECT_EQ(Check(m, false), Change::kNone);
  clock.AdvanceMs(10'000);
  EXPECT_EQ(Check(m, true), Change::kBecameHealthy);
  EXPECT_EQ(m.state(), State::kHealthy);
  // Checking goes on once healthy.
  clock.AdvanceMs(10'000);
  EXPECT_TRUE(m.CheckDue());
}

TEST(HealthMonitorTest, FailureAfterGraceFailsWhenNoFailuresAllowed) {
  base::ManualClock clock;
  HealthMonitor m(Policy(10'000, 10'000, 0, 1), clock);
  m.Start();
  EXPECT_EQ(Check(m, false), Change::kNone);  // grace
  clock.AdvanceMs(10'000);
  EXPECT_EQ(Check(m, false, "HTTP status 500"), Change::kBecameUnhealthy);
  EXPECT_EQ(m.state(), State::kUnhealthy);
  EXPECT_EQ(m.failure_reason(), "HTTP status 500");
  EXPECT_FALSE(m.CheckDue());
  EXPECT_EQ(m.NextCheckMs(), std::nullopt);
}

TEST(HealthMonitorTest, NeedsConsecutiveSuccessesAndAFailureResetsThem) {
  base::ManualClock clock;
  // grace 1, up to 2 failures, 2 successes: at most 5 attempts to become healthy.
  HealthMonitor m(Policy(1'000, 1'000, 2, 2), clock);
  m.Start();
  EXPECT_EQ(Check(m, true), Change::kNone);
  clock.AdvanceMs(1'000);
  EXPECT_EQ(Check(m, false), Change::kNone);  // counted: 1 failure
  clock.AdvanceMs(1'000);
  EXPECT_EQ(Check(m, true), Change::kNone);   // the run starts again
  clock.AdvanceMs(1'000);
  EXPECT_EQ(Check(m, true), Change::kBecameHealthy);
  EXPECT_EQ(m.attempts(), 4);
}

TEST(HealthMonitorTest, FailsFastWhenTheAttemptsLeftCannotSucceed) {
  base::ManualClock clock;
  // grace 2, no failures allowed after it, 2 successes: at most 4 attempts.
  HealthMonitor m(Policy(2'000, 1'000, 0, 2), clock);
  m.Start();
  EXPECT_EQ(Check(m, false), Change::kNone);
  clock.AdvanceMs(1'000);
  EXPECT_EQ(Check(m, false), Change::kNone);
  clock.AdvanceMs(1'000);
  EXPECT_EQ(Check(m, true), Change::kNone);
  clock.AdvanceMs(1'000);
  EXPECT_EQ(Check(m, true), Change::kBecameHealthy);

  HealthMonitor slow(Policy(2'000, 1'000, 0, 3), clock);  // at most 5 attempts
  slow.Start();
  EXPECT_EQ(Check(slow, false), Change::kNone);
  clock.AdvanceMs(1'000);
  // 3 attempts left, 3 successes needed: still possible.
  EXPECT_EQ(Check(slow, false, "refused"), Change::kNone);
  EXPECT_EQ(slow.state(), State::kStarting);

  HealthMonitor never(Policy(0, 1'000, 5, 1), clock);  // 6 attempts, failures tolerated
  never.Start();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Check(never, false), Change::kNone) << i;
    clock.AdvanceMs(1'000);
  }
  EXPECT_EQ(Check(never, false, "refused"), Change::kBecameUnhealthy);
  EXPECT_EQ(never.failure_reason(), "refused");
}

TEST(HealthMonitorTest, FailsFastWithTheAttemptCountInTheReason) {
  base::ManualClock clock;
  // No grace, 1 failure tolerated, 2 successes: at most 3 attempts.
  HealthMonitor m(Policy(0, 1'000, 1, 2), clock);
  m.Start();
  EXPECT_EQ(Check(m, false), Change::kNone);  // 1 failure, tolerated
  clock.AdvanceMs(1'000);
  EXPECT_EQ(Check(m, true), Change::kNone);   // 1 of 2, 1 attempt left
  clock.AdvanceMs(1'000);
  // A tolerated failure, but no attempt is left for the 2 successes.
  EXPECT_EQ(Check(m, false, "slow"), Change::kBecameUnhealthy);
  EXPECT_EQ(m.failure_reason(), "not healthy after 3 attempt(s): slow");
}

TEST(HealthMonitorTest, OnceHealthyToleratesMaxConsecutiveFailures) {
  base::ManualClock clock;
  HealthMonitor m(Policy(0, 1'000, 2, 1), clock);
  m.Start();
  EXPECT_EQ(Check(m, true), Change::kBecameHealthy);
  for (int round = 0; round < 3; ++round) {
    clock.AdvanceMs(1'000);
    EXPECT_EQ(Check(m, false), Change::kNone);
    clock.AdvanceMs(1'000);
    EXPECT_EQ(Check(m, false), Change::kNone);
    clock.AdvanceMs(1'000);
    EXPECT_EQ(Check(m, true), Change::kNone);  // resets the failure run
  }
  for (int i = 0; i < 2; ++i) {
    clock.AdvanceMs(1'000);
    EXPECT_EQ(Check(m, false), Change::kNone);
  }
  clock.AdvanceMs(1'000);
  EXPECT_EQ(Check(m, false, "timed out"), Change::kBecameUnhealthy);
  EXPECT_EQ(m.failure_reason(), "timed out");
}

TEST(HealthMonitorTest, SnoozeCountsAsSuccess) {
  base::ManualClock clock;
  HealthMonitor m(Policy(0, 1'000, 0, 2), clock);
  m.Start();
  EXPECT_EQ(m.OnSnoozed(), Change::kNone);
  EXPECT_EQ(m.NextCheckMs(), 1'000);
  clock.AdvanceMs(1'000);
  EXPECT_EQ(m.OnSnoozed(), Change::kBecameHealthy);
  // While snoozed a broken service stays healthy.
  for (int i = 0; i < 10; ++i) {
    clock.AdvanceMs(1'000);
    EXPECT_EQ(m.OnSnoozed(), Change::kNone);
  }
  EXPECT_EQ(m.state(), State::kHealthy);
}

TEST(HealthMonitorTest, StopEndsChecking) {
  base::ManualClock clock;
  HealthMonitor m(Policy(0, 1'000, 0, 1), clock);
  m.Start();
  m.OnCheckStarted();
  m.Stop();
  EXPECT_EQ(m.OnCheckResult(false, "late"), Change::kNone);
  EXPECT_EQ(m.state(), State::kStarting);
  EXPECT_FALSE(m.CheckDue());
  EXPECT_EQ(m.NextCheckMs(), std::nullopt);
}

// Executor data as the CLI writes it: only the sections under test matter here.
std::string Data(const json& extra) {
  json job = {{"task", {{"processes", json::array()}}}};
  for (const auto& [key, value] : extra.items()) job[key] = value;
  return job.dump();
}

TEST(HealthConfigTest, DefaultsAreHttpOnTheHealthPortAndLifecycle) {
  auto checks = ReadTaskChecks(Data(json::object()), {{"health", 8080}, {"http", 8081}});
  ASSERT_THAT(checks, testing::IsOk());
  EXPECT_EQ(checks->health.kind, CheckerKind::kHttp);
  EXPECT_EQ(checks->health.port, 8080);
  EXPECT_EQ(checks->health.endpoint, "/health");
  EXPECT_EQ(checks->health.expected_response, "ok");
  EXPECT_EQ(checks->health.initial_interval_ms, 15'000);
  EXPECT_EQ(checks->health.interval_ms, 10'000);
  EXPECT_EQ(checks->health.timeout_ms, 1'000);
  EXPECT_TRUE(checks->lifecycle.enabled);
  EXPECT_EQ(checks->lifecycle.port, 8080);
  EXPECT_EQ(checks->lifecycle.graceful_shutdown_endpoint, "/quitquitquit");
  EXPECT_EQ(checks->lifecycle.shutdown_endpoint, "/abortabortabort");
  EXPECT_EQ(checks->lifecycle.graceful_shutdown_wait_ms, 5'000);
}

TEST(HealthConfigTest, NoHealthPortMeansNoHttpCheckAndNoLifecycle) {
  auto checks = ReadTaskChecks(Data(json::object()), {{"http", 8081}});
  ASSERT_THAT(checks, testing::IsOk());
  EXPECT_EQ(checks->health.kind, CheckerKind::kNone);
  EXPECT_FALSE(checks->lifecycle.enabled);
  auto tcp = ReadTaskChecks(
      Data({{"health_check_config", {{"health_checker", {{"tcp", json::object()}}}}}}), {});
  ASSERT_THAT(tcp, testing::IsOk());
  EXPECT_EQ(tcp->health.kind, CheckerKind::kNone);
}

TEST(HealthConfigTest, ShellTcpAndLifecycleSettings) {
  auto shell = ReadTaskChecks(
      Data({{"health_check_config",
             {{"health_checker", {{"shell", {{"shell_command", "test -f ok"}}}}},
              {"interval_secs", 0.25},
              {"min_consecutive_successes", 2}}},
            {"lifecycle", {{"http", {{"port", "admin"}, {"shutdown_wait_secs", 2}}}}}}),
      {{"admin", 9000}});
  ASSERT_THAT(shell, testing::IsOk());
  EXPECT_EQ(shell->health.kind, CheckerKind::kShell);
  EXPECT_EQ(shell->health.shell_command, "test -f ok");
  EXPECT_EQ(shell->health.interval_ms, 250);
  EXPECT_EQ(shell->health.min_consecutive_successes, 2);
  EXPECT_TRUE(shell->lifecycle.enabled);
  EXPECT_EQ(shell->lifecycle.port, 9000);
  EXPECT_EQ(shell->lifecycle.shutdown_wait_ms, 2'000);

  auto tcp = ReadTaskChecks(
      Data({{"health_check_config", {{"health_checker", {{"tcp", json::object()}}}}},
            {"lifecycle", json::object()}}),
      {{"health", 7000}});
  ASSERT_THAT(tcp, testing::IsOk());
  EXPECT_EQ(tcp->health.kind, CheckerKind::kTcp);
  EXPECT_EQ(tcp->health.port, 7000);
  EXPECT_FALSE(tcp->lifecycle.enabled);  // DisableLifecycle
}

TEST(HealthConfigTest, BadValuesNameTheField) {
  EXPECT_THAT(ReadTaskChecks(Data({{"health_check_config", {{"interval_secs", "often"}}}}), {}),
              testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("health_check_config.interval_secs")));
  EXPECT_THAT(ReadTaskChecks(Data({{"health_check_config", {{"timeout_secs", -1}}}}), {}),
              testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("timeout_secs: must be >= 0")));
  EXPECT_THAT(ReadTaskChecks("not json", {}),
              testing::StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("executor data")));
}

TEST(CheckHttpResponseTest, BodyAndCodeRules) {
  EXPECT_THAT(CheckHttpResponse({200, " OK\n"}, "ok", 0), testing::IsOk());
  EXPECT_THAT(CheckHttpResponse({200, "anything"}, "", 0), testing::IsOk());
  EXPECT_THAT(CheckHttpResponse({200, "busy"}, "ok", 0),
              testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                HasSubstr("expected response 'ok', got 'busy'")));
  EXPECT_THAT(CheckHttpResponse({500, "ok"}, "ok", 0),
              testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                HasSubstr("HTTP status 500")));
  EXPECT_THAT(CheckHttpResponse({204, ""}, "ok", 204), testing::IsOk());
  EXPECT_THAT(CheckHttpResponse({200, "ok"}, "ok", 204),
              testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                HasSubstr("expected HTTP status 204, got 200")));
}

}  // namespace
}  // namespace borealis::executor
