// Tests of task history pruning: deadlines, the per-job cap, min retention.
#include "borealis/core/pruning.h"

#include "borealis/model/task_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace borealis::core {
namespace {

using S = model::ScheduleStatus;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kHour = 3600LL * 1000;
constexpr int64_t kDay = 24 * kHour;

std::shared_ptr<const model::TaskConfig> Config(const std::string& name) {
  auto c = std::make_shared<model::TaskConfig>();
  c->job = {"www-data", "prod", name};
  return c;
}

model::Task MakeTask(const std::string& id, const std::string& job, S status, int64_t last_ms) {
  model::Task t;
  t.task_id = model::TaskId(id);
  t.config = Config(job);
  t.status = status;
  t.events.push_back({last_ms, status, "", "s"});
  return t;
}

TEST(PruneDeadline, FreshTerminalTaskStaysForThePruneThreshold) {
  PruningOptions o;
  EXPECT_EQ(PruneDeadlineMs(10 * kDay, 10 * kDay, o), 12 * kDay);
  // Seen an hour after it ended: still two days after its end.
  EXPECT_EQ(PruneDeadlineMs(10 * kDay, 10 * kDay + kHour, o), 12 * kDay);
}

TEST(PruneDeadline, OldTaskFoundAfterRestartStaysTheMinimumRetention) {
  PruningOptions o;
  EXPECT_EQ(PruneDeadlineMs(0, 30 * kDay, o), 30 * kDay + kHour);
  // A last event in the future (clock skew) counts as age 0.
  EXPECT_EQ(PruneDeadlineMs(5 * kDay, 4 * kDay, o), 6 * kDay);
}

TEST(SelectTasksToPrune, DueTerminalTasksOnlyNeverActiveOnes) {
  PruningOptions o;
  model::Task done = MakeTask("done", "web", S::kFinished, 0);
  model::Task young = MakeTask("young", "web", S::kFailed, 0);
  model::Task running = MakeTask("running", "web", S::kRunning, 0);
  std::vector<PruneCandidate> c = {{&done, 100}, {&young, 300}, {&running, 0}};
  EXPECT_THAT(SelectTasksToPrune(c, 200, o), ElementsAre("done"));
  EXPECT_THAT(SelectTasksToPrune(c, 99, o), IsEmpty());
}

TEST(SelectTasksToPrune, JobOverTheCapLosesItsOldestTasksPastMinRetention) {
  PruningOptions o;
  o.max_per_job = 2;
  const int64_t now = 10 * kDay;
  std::vector<model::Task> tasks = {
      MakeTask("a", "web", S::kKilled, now - 5 * kHour),
      MakeTask("b", "web", S::kLost, now - 4 * kHour),
      MakeTask("c", "web", S::kFinished, now - 3 * kHour),
      MakeTask("d", "web", S::kFailed, now - 10),  // too young to prune early
      MakeTask("e", "other", S::kFailed, now - 9 * kHour),  // other job, under its cap
  };
  std::vector<PruneCandidate> c;
  for (const auto& t : tasks) c.push_back({&t, now + kDay});
  // web has 4 terminal tasks, cap 2: the two oldest go.
  EXPECT_THAT(SelectTasksToPrune(c, now, o), ElementsAre("a", "b"));
  o.max_per_job = 1;  // 3 to prune, but "d" is within min retention
  EXPECT_THAT(SelectTasksToPrune(c, now, o), ElementsAre("a", "b", "c"));
  o.max_per_job = 0;
  EXPECT_THAT(SelectTasksToPrune(c, now, o), ElementsAre("a", "b", "c", "e"));
}

TEST(SelectTasksToPrune, TiesBrokenByTaskId) {
  PruningOptions o;
  o.max_per_job = 1;
  const int64_t now = 10 * kDay;
  model::Task y = MakeTask("y", "web", S::kFinished, now - 2 * kHour);
  model::Task x = MakeTask("x", "web", S::kFinished, now - 2 * kHour);
  std::vector<PruneCandidate> c = {{&y, now + kDay}, {&x, now + kDay}};
  EXPECT_THAT(SelectTasksToPrune(c, now, o), ElementsAre("x"));
}

}  // namespace
}  // namespace borealis::core
