// The `cron` noun's pure pieces and the refusals made before any RPC.
#include "borealis/cli/cron_commands.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "borealis/cli/cli_run_testing.h"
#include "borealis/cli/exit_codes.h"

namespace borealis::cli {
namespace {

const std::string kCronConfig =
    std::string(BOREALIS_SOURCE_DIR) + "/tests/aurora/cron_job.aurora";
const std::string kPlainConfig =
    std::string(BOREALIS_SOURCE_DIR) + "/tests/aurora/hello_world.aurora";

api::JobConfiguration Job(const std::string& env, const std::string& name,
                          const std::string& schedule) {
  api::JobConfiguration job;
  job.key.role = "backups";
  job.key.environment = env;
  job.key.name = name;
  if (!schedule.empty()) job.__set_cronSchedule(schedule);
  return job;
}

TEST(CronShowLineTest, PrintsTheKeyAndScheduleAsAurorasClient) {
  const std::vector<api::JobConfiguration> jobs = {
      Job("prod", "web", ""), Job("prod", "nightly_backup", "0 3 * * *"),
      Job("devel", "nightly_backup", "*/5 * * * *")};
  EXPECT_EQ(CronShowLine("devcluster/backups/prod/nightly_backup", "prod", "nightly_backup",
                         jobs),
            "devcluster/backups/prod/nightly_backup\t 0 3 * * *");
  EXPECT_EQ(CronShowLine("devcluster/backups/prod/web", "prod", "web", jobs), std::nullopt);
  EXPECT_EQ(CronShowLine("devcluster/backups/prod/gone", "prod", "gone", jobs), std::nullopt);
}

TEST(CronCommandsTest, JobCreateRefusesACronConfigBeforeAnyCall) {
  // No cluster is configured: the refusal comes before the client would look for one.
  CliRun r = RunCliInProcess(
      {"job", "create", "devcluster/backups/prod/nightly_backup", kCronConfig});
  EXPECT_EQ(r.code, kExitCommandFailure) << r.err;
  EXPECT_NE(r.err.find("Cron jobs may only be scheduled with \"borealis cron schedule\" command"),
            std::string::npos)
      << r.err;
}

TEST(CronCommandsTest, CronScheduleRefusesANonCronConfigBeforeAnyCall) {
  CliRun r = RunCliInProcess(
      {"cron", "schedule", "devcluster/www-data/devel/hello_world", kPlainConfig});
  EXPECT_EQ(r.code, kExitCommandFailure) << r.err;
  EXPECT_NE(r.err.find("Non-cron jobs may only be created with \"borealis job create\" command"),
            std::string::npos)
      << r.err;
}

TEST(CronCommandsTest, VerbsNeedAJobKey) {
  EXPECT_EQ(RunCliInProcess({"cron", "show"}).code, kExitInvalidCommand);
  EXPECT_EQ(RunCliInProcess({"cron", "start", "not-a-key"}).code, kExitInvalidParameter);
}

}  // namespace
}  // namespace borealis::cli
