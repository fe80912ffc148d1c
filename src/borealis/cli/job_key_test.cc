// Job keys, instance specs and job patterns as typed on the command line.
#include "borealis/cli/job_key.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "borealis/cli/exit_codes.h"
#include "borealis/testing/status_matchers.h"

namespace borealis::cli {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseInstances, ListsAndRanges) {
  auto parsed = ParseInstances("0-2,5");
  ASSERT_THAT(parsed, IsOk());
  EXPECT_THAT(*parsed, ElementsAre(0, 1, 2, 5));
  EXPECT_THAT(*ParseInstances("7"), ElementsAre(7));
  EXPECT_THAT(*ParseInstances("0,1-3,5"), ElementsAre(0, 1, 2, 3, 5));
  EXPECT_THAT(*ParseInstances("3-3, 1"), ElementsAre(1, 3));
  EXPECT_THAT(*ParseInstances("2,2,1-2"), ElementsAre(1, 2));
}

TEST(ParseInstances, Errors) {
  const absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(ParseInstances(""), StatusIs(kInvalid, HasSubstr("empty")));
  EXPECT_THAT(ParseInstances("1,,2"), StatusIs(kInvalid, HasSubstr("empty element")));
  EXPECT_THAT(ParseInstances("a"), StatusIs(kInvalid, HasSubstr("'a'")));
  EXPECT_THAT(ParseInstances("-1"), StatusIs(kInvalid, HasSubstr("instance id")));
  EXPECT_THAT(ParseInstances("5-2"), StatusIs(kInvalid, HasSubstr("'5-2' in '5-2' is reversed")));
  EXPECT_THAT(ParseInstances("1-2-3"), StatusIs(kInvalid, HasSubstr("'2-3'")));
  EXPECT_THAT(ParseInstances("0-99999999"), StatusIs(kInvalid, HasSubstr("more than 100000")));
  EXPECT_THAT(ParseInstances("99999999999"), StatusIs(kInvalid, HasSubstr("instance id")));
}

TEST(FormatInstances, FoldsRanges) {
  EXPECT_EQ(FormatInstances({0, 1, 2, 5, 7, 8}), "0-2,5,7-8");
  EXPECT_EQ(FormatInstances({}), "");
}

TEST(ParseJobKey, Valid) {
  auto key = ParseJobKey("devcluster/www-data/prod/hello.v2");
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ(key->cluster, "devcluster");
  EXPECT_EQ(key->job.role, "www-data");
  EXPECT_EQ(key->job.environment, "prod");
  EXPECT_EQ(key->job.name, "hello.v2");
  EXPECT_EQ(key->ToString(), "devcluster/www-data/prod/hello.v2");
}

TEST(ParseJobKey, Errors) {
  const absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(ParseJobKey("a/b/c"), StatusIs(kInvalid, HasSubstr("CLUSTER/ROLE/ENV/NAME")));
  EXPECT_THAT(ParseJobKey("a/b/c/d/e"), StatusIs(kInvalid, HasSubstr("CLUSTER/ROLE/ENV/NAME")));
  EXPECT_THAT(ParseJobKey("a/b//d"), StatusIs(kInvalid, HasSubstr("environment is empty")));
  EXPECT_THAT(ParseJobKey("a/b c/e/d"), StatusIs(kInvalid, HasSubstr("role 'b c'")));
  EXPECT_THAT(ParseJobKey("a/b/e/x*"), StatusIs(kInvalid, HasSubstr("job name 'x*'")));
  // Bad keys are invalid parameters for scripts.
  EXPECT_EQ(ExitCodeFor(ParseJobKey("x").status()), kExitInvalidParameter);
}

TEST(ParseInstanceSpec, WithAndWithoutInstances) {
  auto all = ParseInstanceSpec("c/r/e/n");
  ASSERT_THAT(all, IsOk());
  EXPECT_FALSE(all->instances.has_value());
  auto some = ParseInstanceSpec("c/r/e/n/0-2,5");
  ASSERT_THAT(some, IsOk());
  ASSERT_TRUE(some->instances.has_value());
  EXPECT_THAT(*some->instances, ElementsAre(0, 1, 2, 5));
  EXPECT_EQ(some->key.ToString(), "c/r/e/n");
}

TEST(ParseInstanceSpec, Errors) {
  const absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(ParseInstanceSpec("c/r/e/n/x"),
              StatusIs(kInvalid, HasSubstr("instance spec 'c/r/e/n/x'")));
  EXPECT_THAT(ParseInstanceSpec("c/r/e/n/"), StatusIs(kInvalid, HasSubstr("empty")));
  EXPECT_THAT(ParseInstanceSpec("c/r/e/n/1/2"),
              StatusIs(kInvalid, HasSubstr("CLUSTER/ROLE/ENV/NAME[/INSTANCES]")));
  EXPECT_THAT(ParseInstanceSpec("c/r/e"), StatusIs(kInvalid, HasSubstr("[/INSTANCES]")));
}

TEST(ParseJobPattern, PrefixesAndGlobs) {
  auto role = ParseJobPattern("devcluster/www-data");
  ASSERT_THAT(role, IsOk());
  EXPECT_FALSE(role->IsExactJob());
  EXPECT_EQ(role->LiteralRole(), "www-data");
  EXPECT_EQ(role->ToString(), "devcluster/www-data");
  EXPECT_TRUE(role->Matches("devcluster", {"www-data", "prod", "web"}));
  EXPECT_FALSE(role->Matches("other", {"www-data", "prod", "web"}));
  EXPECT_FALSE(role->Matches("devcluster", {"root", "prod", "web"}));

  auto glob = ParseJobPattern("devcluster/*/prod/web-*");
  ASSERT_THAT(glob, IsOk());
  EXPECT_EQ(glob->LiteralRole(), "");
  EXPECT_TRUE(glob->Matches("devcluster", {"a", "prod", "web-1"}));
  EXPECT_FALSE(glob->Matches("devcluster", {"a", "devel", "web-1"}));

  auto exact = ParseJobPattern("c/r/e/n");
  ASSERT_THAT(exact, IsOk());
  EXPECT_TRUE(exact->IsExactJob());
  EXPECT_TRUE(ParseJobPattern("c").ok());
}

TEST(ParseJobPattern, Errors) {
  const absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(ParseJobPattern("c/r/e/n/x"), StatusIs(kInvalid, HasSubstr("CLUSTER[/ROLE")));
  EXPECT_THAT(ParseJobPattern("c//e"), StatusIs(kInvalid, HasSubstr("empty part")));
  EXPECT_THAT(ParseJobPattern("dev*/r"), StatusIs(kInvalid, HasSubstr("no globs")));
}

}  // namespace
}  // namespace borealis::cli
