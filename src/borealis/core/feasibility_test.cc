// Tests of the submission-time check that some host could ever hold a task.
#include "borealis/core/feasibility.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "borealis/model/constraint.h"
#include "borealis/testing/status_matchers.h"

namespace borealis::core {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::testing::HasSubstr;

model::AgentInfo Agent(const std::string& id, int64_t ram_mb, const std::string& rack) {
  model::AgentInfo a;
  a.agent_id = model::AgentId(id);
  a.host = id;
  a.resources = {4000, ram_mb, 10000, 0, {}};
  a.port_ranges = {{31000, 31010}};
  a.attributes = {{"rack", {rack}}};
  return a;
}

model::TaskConfig Task(int64_t ram_mb) {
  model::TaskConfig c;
  c.job = {"www-data", "prod", "web"};
  c.resources = {1000, ram_mb, 100, 0, {}};
  return c;
}

model::Constraint Value(const std::string& name, const std::string& value) {
  model::Constraint c;
  c.name = name;
  c.values = {value};
  return c;
}

TEST(CheckSomeHostCouldHold, RefusalCountsHostsPerVeto) {
  std::vector<model::AgentInfo> agents = {Agent("a1", 1024, "r1"), Agent("a2", 1024, "r1"),
                                          Agent("a3", 8192, "r2")};
  model::TaskConfig c = Task(4096);
  c.constraints = {Value("rack", "r1")};
  EXPECT_THAT(CheckSomeHostCouldHold(c, agents, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("no host in the cluster could ever hold this task: 2 hosts: "
                                 "insufficient ram; 1 host: constraint rack")));
  c.constraints = {Value("rack", "r2")};
  EXPECT_THAT(CheckSomeHostCouldHold(c, agents, {}), IsOk());
}

TEST(CheckSomeHostCouldHold, DedicatedHostsAndLimitZero) {
  model::AgentInfo dedicated = Agent("a1", 8192, "r1");
  dedicated.attributes["dedicated"] = {"other/db"};
  model::TaskConfig c = Task(64);
  EXPECT_THAT(CheckSomeHostCouldHold(c, {dedicated}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("1 host: host is dedicated")));
  model::Constraint limit;
  limit.name = "rack";
  limit.is_limit = true;
  limit.limit = 0;
  c.constraints = {limit};
  EXPECT_THAT(CheckSomeHostCouldHold(c, {Agent("a2", 8192, "r1")}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1 host: limit rack")));
}

TEST(CheckSomeHostCouldHold, ResourcesIncludeOverheadAndNameTheLargestAgent) {
  std::vector<model::AgentInfo> agents = {Agent("a1", 1024, "r1")};
  EXPECT_THAT(CheckSomeHostCouldHold(Task(1000), agents, {}), IsOk());
  EXPECT_THAT(CheckSomeHostCouldHold(Task(1000), agents, {0, 100, 0, 0, {}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("1 host: insufficient ram (no agent could ever run this task: "
                                 "needs 1100 MiB ram, the largest agent has 1024 MiB)")));
  EXPECT_THAT(CheckSomeHostCouldHold(Task(1 << 20), {}, {}), IsOk());
}

}  // namespace
}  // namespace borealis::core
