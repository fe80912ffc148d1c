// Tests of flapping detection and the THROTTLED penalty (docs/aurora-compatibility.md).
#include "borealis/core/flapping.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace borealis::core {
namespace {

using S = model::ScheduleStatus;

constexpr int64_t kMin = 60'000;

// A task that ran from `running_ms` to `end_ms` (terminal `end`), child of `ancestor`.
model::Task Ran(const std::string& id, const std::string& ancestor, int64_t running_ms,
                int64_t end_ms, S end = S::kFailed) {
  model::Task t;
  t.task_id = model::TaskId(id);
  t.ancestor_id = model::TaskId(ancestor);
  t.status = end;
  t.events = {{running_ms - 2000, S::kPending, "", "s"},
              {running_ms - 1000, S::kAssigned, "", "s"},
              {running_ms, S::kRunning, "", "s"},
              {end_ms, end, "", "s"}};
  return t;
}

struct Chain {
  std::map<model::TaskId, model::Task> tasks;
  void Add(model::Task t) { tasks[t.task_id] = std::move(t); }
  TaskLookup Lookup() const {
    return [this](const model::TaskId& id) -> const model::Task* {
      auto it = tasks.find(id);
      return it == tasks.end() ? nullptr : &it->second;
    };
  }
};

TEST(TaskFlappedTest, Table) {
  const FlappingOptions options;
  struct Case {
    const char* name;
    model::Task task;
    bool flapped;
  };
  model::Task killed = Ran("k", "", 0, 10'000, S::kKilled);
  killed.events.insert(killed.events.end() - 1, {5000, S::kKilling, "", "s"});
  model::Task running;
  running.events = {{0, S::kPending, "", "s"}, {10, S::kRunning, "", "s"}};
  const std::vector<Case> cases = {
      {"short run", Ran("a", "", 0, 10'000), true},
      {"just under threshold", Ran("a", "", 0, 5 * kMin - 1), true},
      {"at threshold", Ran("a", "", 0, 5 * kMin), false},
      {"long run", Ran("a", "", 0, 60 * kMin), false},
      {"finished quickly", Ran("a", "", 0, 1000, S::kFinished), true},
      {"lost quickly", Ran("a", "", 0, 1000, S::kLost), true},
      {"killed on purpose", killed, false},
      {"still running", running, false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(TaskFlapped(c.task, options), c.flapped) << c.name;
  }
}

TEST(FlappingPenaltyTest, NoAncestorNoPenalty) {
  Chain chain;
  base::Rng rng(1);
  EXPECT_EQ(FlappingPenaltyMs(Ran("t", "", 0, 1000), chain.Lookup(), {}, rng), 0);
}

TEST(FlappingPenaltyTest, OwnShortRunIsNotExamined) {
  Chain chain;
  chain.Add(Ran("p", "", 0, 60 * kMin));  // the parent ran for an hour
  base::Rng rng(1);
  EXPECT_EQ(FlappingPenaltyMs(Ran("t", "p", 0, 1000), chain.Lookup(), {}, rng), 0);
}

TEST(FlappingPenaltyTest, OneFlappedAncestorCostsTheInitialDelay) {
  Chain chain;
  chain.Add(Ran("p", "", 0, 1000));
  base::Rng rng(1);
  EXPECT_EQ(FlappingPenaltyMs(Ran("t", "p", 0, 1000), chain.Lookup(), {}, rng), 30'000);
}

TEST(FlappingPenaltyTest, GrowsWithJitterAndStopsAtTheCap) {
  const FlappingOptions options;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Chain chain;
    chain.Add(Ran("a0", "", 0, 1000));
    for (int i = 1; i < 30; ++i) {
      chain.Add(Ran("a" + std::to_string(i), "a" + std::to_string(i - 1), 0, 1000));
    }
    base::Rng rng(seed);
    // Two flapped ancestors: 30 s then x[1,2).
    const int64_t two = FlappingPenaltyMs(Ran("t", "a1", 0, 1000), chain.Lookup(), options, rng);
    EXPECT_GE(two, 30'000);
    EXPECT_LT(two, 60'000);
    const int64_t many = FlappingPenaltyMs(Ran("t", "a29", 0, 1000), chain.Lookup(), options, rng);
    EXPECT_EQ(many, options.max_delay_ms) << "seed " << seed;
  }
}

TEST(FlappingPenaltyTest, SameSeedSamePenalty) {
  Chain chain;
  chain.Add(Ran("a0", "", 0, 1000));
  chain.Add(Ran("a1", "a0", 0, 1000));
  chain.Add(Ran("a2", "a1", 0, 1000));
  base::Rng r1(7);
  base::Rng r2(7);
  EXPECT_EQ(FlappingPenaltyMs(Ran("t", "a2", 0, 1), chain.Lookup(), {}, r1),
            FlappingPenaltyMs(Ran("t", "a2", 0, 1), chain.Lookup(), {}, r2));
}

TEST(FlappingPenaltyTest, WalkStopsAtAHealthyOrMissingAncestor) {
  Chain chain;
  chain.Add(Ran("a0", "", 0, 1000));
  chain.Add(Ran("a1", "a0", 0, 60 * kMin));  // healthy: the walk ends here
  chain.Add(Ran("a2", "a1", 0, 1000));
  chain.Add(Ran("b2", "pruned", 0, 1000));
  base::Rng rng(3);
  EXPECT_EQ(FlappingPenaltyMs(Ran("t", "a2", 0, 1), chain.Lookup(), {}, rng), 30'000);
  EXPECT_EQ(FlappingPenaltyMs(Ran("t", "b2", 0, 1), chain.Lookup(), {}, rng), 30'000);
}

TEST(FlappingPenaltyTest, CycleIsCut) {
  Chain chain;
  chain.Add(Ran("x", "y", 0, 1000));
  chain.Add(Ran("y", "x", 0, 1000));
  base::Rng rng(3);
  const int64_t p = FlappingPenaltyMs(Ran("t", "x", 0, 1), chain.Lookup(), {}, rng);
  EXPECT_GE(p, 30'000);
  EXPECT_LT(p, 60'000);
}

TEST(ThrottleReleaseTest, CountsFromTheThrottledEvent) {
  model::Task t;
  t.events = {{1000, S::kThrottled, "", "s"}};
  EXPECT_EQ(ThrottleReleaseMs(t, 30'000), 31'000);
  t.events = {{1000, S::kPending, "", "s"}};
  EXPECT_EQ(ThrottleReleaseMs(t, 30'000), 0);
}

}  // namespace
}  // namespace borealis::core
