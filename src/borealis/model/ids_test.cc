// Typed ids: distinct types over the same text, ordered and hashed as their text, printable.
#include "borealis/model/ids.h"

#include <gtest/gtest.h>

#include <sstream>
#include <type_traits>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "borealis/model/job_key.h"

namespace borealis::model {
namespace {

// A runtime string must be converted on purpose; one id type never becomes another.
static_assert(!std::is_convertible_v<std::string, TaskId>);
static_assert(!std::is_convertible_v<TaskId, AgentId>);
static_assert(!std::is_convertible_v<AgentId, TaskId>);
static_assert(!std::is_convertible_v<TaskId, std::string>);
static_assert(std::is_constructible_v<TaskId, std::string>);

TEST(StringId, ComparesOrdersAndHashesAsItsText) {
  const TaskId a("a-1");
  const TaskId b(std::string("b-0"));
  EXPECT_LT(a, b);
  EXPECT_EQ(a, TaskId("a-1"));
  EXPECT_EQ(a, "a-1");
  EXPECT_EQ(a, std::string("a-1"));
  EXPECT_NE(a, "a-2");
  EXPECT_EQ(absl::Hash<TaskId>()(a), absl::Hash<TaskId>()(TaskId("a-1")));
  EXPECT_EQ(std::hash<TaskId>()(a), std::hash<std::string>()("a-1"));
  absl::flat_hash_set<AgentId> agents = {AgentId("x"), AgentId("y"), AgentId("x")};
  EXPECT_EQ(agents.size(), 2u);
  std::ostringstream os;
  os << a;
  EXPECT_EQ(os.str(), "a-1");
  EXPECT_TRUE(TaskId().empty());
  TaskId moved("hand-over");
  const std::string text = std::move(moved).str();
  EXPECT_EQ(text, "hand-over");
}

TEST(InstanceKey, NamesAJobsInstance) {
  const InstanceKey k{{"www-data", "prod", "web"}, 3};
  EXPECT_EQ(k.ToString(), "www-data/prod/web/3");
  EXPECT_LT(k, (InstanceKey{{"www-data", "prod", "web"}, 4}));
  EXPECT_EQ(absl::Hash<JobKey>()(k.job), absl::Hash<JobKey>()(JobKey{"www-data", "prod", "web"}));
}

}  // namespace
}  // namespace borealis::model
