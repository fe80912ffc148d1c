// `job plan`'s output (golden file tests/cli/golden/job_plan.txt) and the exit code of a
// write refused for a stale --check-token.
#include "borealis/cli/job_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "borealis/cli/exit_codes.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::cli {
namespace {

using ::testing::HasSubstr;

TEST(FormatPlanTest, Golden) {
  const nlohmann::json plan = nlohmann::json::parse(R"({
    "token": "v1-00112233aabbccdd",
    "unchanged": [0, 1, 2],
    "removed": [7, 8, 9],
    "placed": [{"instance": 3, "replaces": true, "host": "host-1",
                "ports": {"admin": 31001, "http": 31000}},
               {"instance": 4, "replaces": false, "host": "host-2", "ports": {}}],
    "pending": [{"instance": 5, "replaces": false,
                 "reason": "2 hosts: insufficient ram; 1 host: constraint rack",
                 "preempt": {"host": "host-3", "victims": ["batch-0-x", "batch-1-y"]}},
                {"instance": 6, "replaces": false, "reason": "3 hosts: insufficient ram"}]})");
  absl::StatusOr<std::string> text = FormatPlan(plan);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, testing::ReadWholeFile(std::string(BOREALIS_SOURCE_DIR) +
                                          "/tests/cli/golden/job_plan.txt"));
}

TEST(FormatPlanTest, WrongShapeIsAnError) {
  EXPECT_FALSE(FormatPlan(nlohmann::json::parse(R"({"token": 3})")).ok());
}

TEST(CheckTokenFailureTest, StaleTokenIsAnInvalidParameter) {
  // As the client returns it: an API error, pinned to kExitApiError.
  absl::Status stale = CheckTokenFailure(WithExitCode(
      absl::InvalidArgumentError(
          "createJob: INVALID_REQUEST: Borealis-Check-Token: job a/b/c changed since the plan"),
      kExitApiError));
  EXPECT_EQ(ExitCodeFor(stale), kExitInvalidParameter);
  absl::Status other = CheckTokenFailure(
      WithExitCode(absl::InternalError("createJob: ERROR: boom"), kExitApiError));
  EXPECT_EQ(ExitCodeFor(other), kExitApiError);
  EXPECT_THAT(std::string(other.message()), HasSubstr("boom"));
}

}  // namespace
}  // namespace borealis::cli
