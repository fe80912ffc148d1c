// JobValidator: each rule refuses with the field it is about; identifiers are scanned, so
// a huge one is refused without a pattern engine (no stack to overflow).
#include "borealis/core/job_validation.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/match.h"

namespace borealis::core {
namespace {

model::JobConfiguration Job() {
  model::JobConfiguration job;
  job.key = {"www-data", "prod", "hello"};
  job.instance_count = 2;
  job.task.job = job.key;
  job.task.resources = {100, 64, 32, 0, {}};
  return job;
}

TEST(IsGoodIdentifier, LettersDigitsUnderscoreDashAndDotOnly) {
  EXPECT_TRUE(IsGoodIdentifier("www-data"));
  EXPECT_TRUE(IsGoodIdentifier("a.b_c-9"));
  EXPECT_FALSE(IsGoodIdentifier(""));
  EXPECT_FALSE(IsGoodIdentifier("a b"));
  EXPECT_FALSE(IsGoodIdentifier("a/b"));
  EXPECT_FALSE(IsGoodIdentifier("caf\xc3\xa9"));
  EXPECT_TRUE(IsGoodIdentifier(std::string(200'000, 'r')));  // long is fine, and fast
  EXPECT_FALSE(IsGoodIdentifier(std::string(200'000, 'r') + "!"));
}

TEST(JobValidator, EachRuleNamesItsField) {
  const JobValidator v(JobLimits{10, R"(^(prod|devel|test|staging\d*)$)"});
  EXPECT_TRUE(v.Validate(Job()).ok());
  model::JobConfiguration cron = Job();
  cron.cron_schedule = "*/5 * * * MON-FRI";
  cron.task.is_service = false;
  EXPECT_TRUE(v.Validate(cron).ok());
  struct Case {
    const char* what;
    void (*mutate)(model::JobConfiguration&);
    const char* field;
  };
  const Case cases[] = {
      {"bad role", [](model::JobConfiguration& j) { j.key.role = "a b"; j.task.job = j.key; },
       "key.role"},
      {"bad name", [](model::JobConfiguration& j) { j.key.name = ""; j.task.job = j.key; },
       "key.name"},
      {"environment", [](model::JobConfiguration& j) { j.key.environment = "qa"; j.task.job = j.key; },
       "key.environment"},
      {"service cron", [](model::JobConfiguration& j) { j.cron_schedule = "* * * * *"; j.task.is_service = true; },
       "cronSchedule"},
      {"bad cron", [](model::JobConfiguration& j) { j.cron_schedule = "61 * * * *"; },
       "cronSchedule: cron schedule field minute: '61' is out of range"},
      {"no instances", [](model::JobConfiguration& j) { j.instance_count = 0; }, "instanceCount"},
      {"too many", [](model::JobConfiguration& j) { j.instance_count = 11; }, "instanceCount"},
      {"no cpu", [](model::JobConfiguration& j) { j.task.resources.milli_cpus = 0; },
       "numCpus"},
      {"no ram", [](model::JobConfiguration& j) { j.task.resources.ram_mb = 0; }, "ramMb"},
      {"no disk", [](model::JobConfiguration& j) { j.task.resources.disk_mb = 0; }, "diskMb"},
      {"docker", [](model::JobConfiguration& j) { j.task.container = model::DockerContainer{"img", {}}; },
       "taskConfig.container"},
      {"key mismatch", [](model::JobConfiguration& j) { j.task.job.name = "other"; },
       "taskConfig.job"},
  };
  for (const Case& c : cases) {
    model::JobConfiguration job = Job();
    c.mutate(job);
    const absl::Status s = v.Validate(job);
    EXPECT_FALSE(s.ok()) << c.what;
    EXPECT_TRUE(absl::StrContains(s.message(), c.field)) << c.what << ": " << s.message();
  }
}

TEST(JobValidator, AHugeRoleIsRefusedWithoutCrashing) {
  const JobValidator v(JobLimits{});
  model::JobConfiguration job = Job();
  job.key.role = std::string(200'000, 'x') + " ";
  job.task.job = job.key;
  EXPECT_EQ(v.Validate(job).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace borealis::core
