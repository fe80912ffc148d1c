// Tests of the task state machine: the whole 15x15 table, rescheduling rules, partition
// handling, ids and new tasks.
#include "borealis/core/task_state_machine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>
#include <utility>

namespace borealis::core {
namespace {

using model::ScheduleStatus;
using S = model::ScheduleStatus;
using ::testing::ElementsAre;

constexpr int64_t kNow = 1'700'000'000'000;

std::shared_ptr<model::TaskConfig> Config(bool service = false, int32_t max_failures = 1) {
  auto config = std::make_shared<model::TaskConfig>();
  config->job = {"www-data", "prod", "hello"};
  config->is_service = service;
  config->max_task_failures = max_failures;
  return config;
}

// A task in `status` whose history ends with an event of that status, as in the store.
model::Task TaskIn(S status, std::shared_ptr<const model::TaskConfig> config = Config()) {
  model::Task t;
  t.task_id = "www-data-prod-hello-0-old";
  t.config = std::move(config);
  t.instance_id = 0;
  t.status = status;
  t.agent_id = "agent-1";
  t.agent_host = "host1";
  t.events.push_back({kNow - 1000, S::kPending, "", "sched"});
  if (status != S::kPending) t.events.push_back({kNow - 500, status, "", "sched"});
  return t;
}

class StateMachineTest : public ::testing::Test {
 protected:
  TaskChange Change(const model::Task& t, S to, std::string_view msg = "msg") {
    return ChangeState(t, to, msg, ctx_);
  }
  base::Rng rng_{42};
  TransitionContext ctx_{kNow, "scheduler-1", &rng_, {}};
};

// Expected outcome of a change, for the baseline task (non-service, max_task_failures 1,
// failure_count 0). Flags: K send_kill, D deleted, R replacement. `final_status` is the
// saved status when it differs from the target (partitioned tasks marked LOST).
struct Expect {
  std::string flags;
  std::optional<S> final_status;
};

std::map<std::pair<S, S>, Expect> LegalTable() {
  std::map<std::pair<S, S>, Expect> t;
  auto add = [&](S from, S to, std::string flags, std::optional<S> final_status = {}) {
    t[{from, to}] = Expect{std::move(flags), final_status};
  };
  add(S::kInit, S::kPending, "");
  add(S::kInit, S::kThrottled, "");
  add(S::kPending, S::kAssigned, "");
  add(S::kPending, S::kKilling, "D");
  add(S::kThrottled, S::kPending, "");
  add(S::kThrottled, S::kKilling, "D");
  for (S from : {S::kAssigned, S::kStarting, S::kRunning}) {
    if (from == S::kAssigned) add(from, S::kStarting, "");
    if (from != S::kRunning) add(from, S::kRunning, "");
    add(from, S::kFinished, "");  // not a service
    add(from, S::kFailed, "");    // max_task_failures 1: no retry
    add(from, S::kRestarting, "K");
    add(from, S::kDraining, "K");
    add(from, S::kPreempting, "K");
    add(from, S::kKilling, "K");
    add(from, S::kKilled, "R");
    add(from, S::kLost, from == S::kAssigned ? "RK" : "R");
    if (from != S::kAssigned) add(from, S::kPartitioned, "");
  }
  add(S::kPartitioned, S::kLost, "KR");
  add(S::kPartitioned, S::kFailed, "");
  add(S::kPartitioned, S::kFinished, "");
  add(S::kPartitioned, S::kRunning, "");
  add(S::kPartitioned, S::kAssigned, "");
  add(S::kPartitioned, S::kStarting, "");
  add(S::kPartitioned, S::kRestarting, "KR", S::kLost);
  add(S::kPartitioned, S::kDraining, "KR", S::kLost);
  add(S::kPartitioned, S::kPreempting, "KR", S::kLost);
  add(S::kPartitioned, S::kKilling, "", S::kLost);
  for (S from : {S::kPreempting, S::kRestarting, S::kDraining}) {
    add(from, S::kFinished, "R");
    add(from, S::kFailed, "R");
    add(from, S::kKilled, "R");
    add(from, S::kKilling, "");
    add(from, S::kLost, "KR");
    add(from, S::kPartitioned, "KR", S::kLost);
  }
  for (S to : {S::kFinished, S::kFailed, S::kKilled, S::kLost}) add(S::kKilling, to, "");
  add(S::kKilling, S::kPartitioned, "K", S::kLost);  // no reschedule after a user kill
  return t;
}

bool KillsWhenIllegal(S from, S to) {
  const bool dead_or_dying = model::IsTerminal(from) || from == S::kKilling ||
                             from == S::kPreempting || from == S::kRestarting ||
                             from == S::kDraining;
  return dead_or_dying && (to == S::kAssigned || to == S::kStarting || to == S::kRunning);
}

// FAILED bumps the failure count only from states where the task ran on its own accord.
bool CountsFailure(S from) {
  return from == S::kAssigned || from == S::kStarting || from == S::kRunning ||
         from == S::kPartitioned;
}

TEST_F(StateMachineTest, EveryPairOfTheTable) {
  const auto table = LegalTable();
  int legal_pairs = 0;
  for (S from : model::AllStatuses()) {
    for (S to : model::AllStatuses()) {
      SCOPED_TRACE(std::string(model::StatusName(from)) + " -> " +
                   std::string(model::StatusName(to)));
      const model::Task task = TaskIn(from);
      const TaskChange c = Change(task, to);
      auto it = table.find({from, to});
      EXPECT_EQ(IsLegalTransition(from, to), it != table.end());
      if (from == to) {
        EXPECT_TRUE(c.noop);
        EXPECT_FALSE(c.legal);
        EXPECT_FALSE(c.send_kill || c.deleted || c.updated || c.replacement);
        continue;
      }
      EXPECT_FALSE(c.noop);
      if (it == table.end()) {
        EXPECT_FALSE(c.legal);
        EXPECT_EQ(c.send_kill, KillsWhenIllegal(from, to));
        EXPECT_FALSE(c.deleted || c.updated || c.replacement);
        continue;
      }
      ++legal_pairs;
      const Expect& e = it->second;
      EXPECT_TRUE(c.legal);
      EXPECT_EQ(c.send_kill, e.flags.find('K') != std::string::npos);
      EXPECT_EQ(c.deleted, e.flags.find('D') != std::string::npos);
      EXPECT_EQ(c.replacement.has_value(), e.flags.find('R') != std::string::npos);
      if (c.deleted) {
        EXPECT_FALSE(c.updated);
        continue;
      }
      ASSERT_TRUE(c.updated);
      EXPECT_EQ(c.updated->status, e.final_status.value_or(to));
      EXPECT_EQ(c.updated->task_id, task.task_id);
      // The target status was recorded (before any LOST that followed it).
      bool recorded = false;
      for (size_t i = task.events.size(); i < c.updated->events.size(); ++i) {
        recorded = recorded || c.updated->events[i].status == to;
      }
      EXPECT_TRUE(recorded);
      EXPECT_EQ(c.updated->failure_count, to == S::kFailed && CountsFailure(from) ? 1 : 0);
    }
  }
  EXPECT_EQ(legal_pairs, static_cast<int>(table.size()));
}

TEST_F(StateMachineTest, SaveAppendsEventWithTimeMessageAndHost) {
  const model::Task task = TaskIn(S::kStarting);
  const TaskChange c = Change(task, S::kRunning, "Task is healthy");
  ASSERT_TRUE(c.updated);
  ASSERT_EQ(c.updated->events.size(), task.events.size() + 1);
  EXPECT_EQ(c.updated->events.back(),
            (model::TaskEvent{kNow, S::kRunning, "Task is healthy", "scheduler-1"}));
  // The input is not touched.
  EXPECT_EQ(task.status, S::kStarting);
}

TEST_F(StateMachineTest, PendingKillDeletesWithoutSaving) {
  for (S from : {S::kPending, S::kThrottled}) {
    const TaskChange c = Change(TaskIn(from), S::kKilling);
    EXPECT_TRUE(c.legal);
    EXPECT_TRUE(c.deleted);
    EXPECT_FALSE(c.updated);
    EXPECT_FALSE(c.send_kill);
    EXPECT_FALSE(c.replacement);
  }
}

TEST_F(StateMachineTest, ReplacementKeepsInstanceConfigAndFailures) {
  auto config = Config(/*service=*/true);
  model::Task task = TaskIn(S::kRunning, config);
  task.instance_id = 7;
  task.failure_count = 4;
  task.times_partitioned = 2;
  task.assigned_ports = {{"http", 31000}};
  const TaskChange c = Change(task, S::kFailed, "exit 1");
  ASSERT_TRUE(c.replacement);
  const model::Task& r = *c.replacement;
  EXPECT_NE(r.task_id, task.task_id);
  EXPECT_EQ(r.task_id.str().rfind("www-data-prod-hello-7-", 0), 0u) << r.task_id;
  EXPECT_EQ(r.config, task.config);  // the same shared config
  EXPECT_EQ(r.instance_id, 7);
  EXPECT_EQ(r.failure_count, 5);  // bumped before the reschedule, then carried
  EXPECT_EQ(c.updated->failure_count, 5);
  EXPECT_EQ(r.ancestor_id, task.task_id);
  EXPECT_EQ(r.status, S::kPending);
  EXPECT_THAT(r.events, ElementsAre(model::TaskEvent{kNow, S::kPending, "Rescheduled",
                                                     "scheduler-1"}));
  EXPECT_TRUE(r.agent_id.empty());
  EXPECT_TRUE(r.agent_host.empty());
  EXPECT_TRUE(r.assigned_ports.empty());
  EXPECT_EQ(r.times_partitioned, 0);
}

TEST_F(StateMachineTest, ServiceReschedulesOnFinishedAndOnEveryFailure) {
  auto config = Config(/*service=*/true, /*max_failures=*/1);
  for (S from : {S::kAssigned, S::kStarting, S::kRunning}) {
    EXPECT_TRUE(Change(TaskIn(from, config), S::kFinished).replacement);
    model::Task task = TaskIn(from, config);
    task.failure_count = 100;  // max failures is ignored for services
    EXPECT_TRUE(Change(task, S::kFailed).replacement);
  }
}

TEST_F(StateMachineTest, NonServiceRetriesWhileBelowMaxFailuresMinusOne) {
  struct Case {
    int32_t max_failures;
    int32_t failures_before;
    bool reschedules;
  };
  for (const Case& k : {Case{1, 0, false}, Case{0, 0, false}, Case{2, 0, true},
                        Case{2, 1, false}, Case{3, 0, true}, Case{3, 1, true},
                        Case{3, 2, false}, Case{-1, 0, true}, Case{-1, 1000, true}}) {
    SCOPED_TRACE(::testing::Message() << "max " << k.max_failures << " before "
                                      << k.failures_before);
    model::Task task = TaskIn(S::kRunning, Config(false, k.max_failures));
    task.failure_count = k.failures_before;
    const TaskChange c = Change(task, S::kFailed);
    EXPECT_TRUE(c.legal);
    EXPECT_EQ(c.replacement.has_value(), k.reschedules);
    EXPECT_EQ(c.updated->failure_count, k.failures_before + 1);
    if (c.replacement) {
      EXPECT_EQ(c.replacement->failure_count, k.failures_before + 1);
    }
    // FINISHED never reschedules a non-service job.
    EXPECT_FALSE(Change(task, S::kFinished).replacement);
  }
}

TEST_F(StateMachineTest, FailureChainOfNonServiceJobStopsAtMax) {
  model::Task task = TaskIn(S::kRunning, Config(false, 3));
  int runs = 0;
  while (true) {
    ++runs;
    TaskChange c = Change(task, S::kFailed);
    if (!c.replacement) break;
    task = *c.replacement;
    task = *Change(task, S::kAssigned).updated;
    task = *Change(task, S::kRunning).updated;
    ASSERT_LT(runs, 10);
  }
  EXPECT_EQ(runs, 3);  // max_task_failures 3: three runs in all
}

TEST_F(StateMachineTest, UserKillNeverReschedulesButSystemKillDoes) {
  auto config = Config(/*service=*/true, -1);
  // System kill: the agent reports KILLED without a KILLING before it.
  EXPECT_TRUE(Change(TaskIn(S::kRunning, config), S::kKilled).replacement);
  // User kill: RUNNING -> KILLING (kill sent) -> KILLED / FINISHED / FAILED / LOST.
  const TaskChange killing = Change(TaskIn(S::kRunning, config), S::kKilling);
  EXPECT_TRUE(killing.send_kill);
  EXPECT_FALSE(killing.replacement);
  for (S to : {S::kKilled, S::kFinished, S::kFailed, S::kLost, S::kPartitioned}) {
    const TaskChange c = Change(*killing.updated, to);
    EXPECT_TRUE(c.legal);
    EXPECT_FALSE(c.replacement) << model::StatusName(to);
    EXPECT_EQ(c.updated->failure_count, 0);
  }
}

TEST_F(StateMachineTest, ActionKillsRescheduleWhateverTheOutcome) {
  auto config = Config(/*service=*/false, 1);
  for (S action : {S::kPreempting, S::kRestarting, S::kDraining}) {
    const TaskChange start = Change(TaskIn(S::kRunning, config), action);
    EXPECT_TRUE(start.send_kill);
    for (S to : {S::kFinished, S::kFailed, S::kKilled, S::kLost}) {
      const TaskChange c = Change(*start.updated, to);
      EXPECT_TRUE(c.replacement) << model::StatusName(action) << "->" << model::StatusName(to);
      EXPECT_EQ(c.updated->failure_count, 0);
    }
  }
}

TEST_F(StateMachineTest, LateLiveStatusForDyingTaskIsIllegalButKills) {
  for (S from : {S::kKilling, S::kPreempting, S::kRestarting, S::kDraining, S::kFinished,
                 S::kFailed, S::kKilled, S::kLost}) {
    for (S to : {S::kAssigned, S::kStarting, S::kRunning}) {
      const TaskChange c = Change(TaskIn(from), to);
      EXPECT_FALSE(c.legal);
      EXPECT_TRUE(c.send_kill);
      EXPECT_FALSE(c.updated);
    }
  }
}

TEST_F(StateMachineTest, PartitionCountsAndCompactsCycles) {
  model::Task task = TaskIn(S::kRunning);
  const size_t base = task.events.size();  // [PENDING, RUNNING]
  task = *Change(task, S::kPartitioned).updated;
  EXPECT_EQ(task.times_partitioned, 1);
  task = *Change(task, S::kRunning).updated;
  task = *Change(task, S::kPartitioned).updated;
  EXPECT_EQ(task.times_partitioned, 2);
  // RUNNING -> PARTITIONED -> RUNNING -> PARTITIONED collapses to RUNNING -> PARTITIONED.
  ASSERT_EQ(task.events.size(), base + 1);
  EXPECT_EQ(task.events[base - 1].status, S::kRunning);
  EXPECT_EQ(task.events[base].status, S::kPartitioned);
  // No cycle: nothing dropped.
  task = *Change(task, S::kRunning).updated;
  task = *Change(task, S::kDraining).updated;
  const size_t before = task.events.size();
  const TaskChange c = Change(task, S::kPartitioned);
  EXPECT_EQ(c.updated->status, S::kLost);
  ASSERT_EQ(c.updated->events.size(), before + 2);
  EXPECT_EQ(c.updated->events[before].status, S::kPartitioned);
  EXPECT_EQ(c.updated->events[before + 1].status, S::kLost);
  EXPECT_EQ(c.updated->events[before + 1].message,
            "Action performed on partitioned task, marking as LOST.");
}

TEST_F(StateMachineTest, PartitionedLostReschedulesUnlessEverKilling) {
  EXPECT_TRUE(Change(TaskIn(S::kPartitioned), S::kLost).replacement);
  model::Task was_killing = TaskIn(S::kPartitioned);
  was_killing.events.insert(was_killing.events.begin() + 1,
                            model::TaskEvent{kNow - 700, S::kKilling, "", "sched"});
  const TaskChange c = Change(was_killing, S::kLost);
  EXPECT_TRUE(c.legal);
  EXPECT_TRUE(c.send_kill);
  EXPECT_FALSE(c.replacement);
}

TEST_F(StateMachineTest, PartitionedFinishedServiceIsRescheduled) {
  // Deliberate deviation from Aurora 0.22 (see task_state_machine.cc).
  EXPECT_TRUE(Change(TaskIn(S::kPartitioned, Config(true)), S::kFinished).replacement);
  EXPECT_FALSE(Change(TaskIn(S::kPartitioned, Config(false)), S::kFinished).replacement);
}

TEST_F(StateMachineTest, FlappingHookThrottlesReplacement) {
  std::string seen;
  ctx_.flapping_penalty_ms = [&](const model::Task& terminated) {
    seen = std::string(model::StatusName(terminated.status));
    return int64_t{30000};
  };
  const TaskChange c = Change(TaskIn(S::kRunning, Config(true)), S::kFailed);
  EXPECT_EQ(seen, "FAILED");
  ASSERT_TRUE(c.replacement);
  EXPECT_EQ(c.replacement->status, S::kThrottled);
  EXPECT_EQ(c.replacement->events.back().message,
            "Rescheduled, penalized for 30000 ms for flapping");
  ctx_.flapping_penalty_ms = [](const model::Task&) { return int64_t{0}; };
  EXPECT_EQ(Change(TaskIn(S::kRunning, Config(true)), S::kFailed).replacement->status,
            S::kPending);
}

TEST_F(StateMachineTest, AssignFillsAgentOnlyFromPending) {
  const TaskChange c =
      AssignTask(TaskIn(S::kPending), "agent-9", "host9", {{"http", 31001}}, "", ctx_);
  ASSERT_TRUE(c.legal);
  EXPECT_EQ(c.updated->status, S::kAssigned);
  EXPECT_EQ(c.updated->agent_id, "agent-9");
  EXPECT_EQ(c.updated->agent_host, "host9");
  EXPECT_EQ(c.updated->assigned_ports, (std::map<std::string, int32_t>{{"http", 31001}}));
  EXPECT_FALSE(AssignTask(TaskIn(S::kThrottled), "a", "h", {}, "", ctx_).legal);
  EXPECT_TRUE(AssignTask(TaskIn(S::kAssigned), "a", "h", {}, "", ctx_).noop);
  for (S from : {S::kPartitioned, S::kKilled, S::kRunning}) {
    const TaskChange other = AssignTask(TaskIn(from), "a", "h", {}, "", ctx_);
    EXPECT_FALSE(other.legal || other.send_kill || other.updated) << model::StatusName(from);
  }
}

TEST_F(StateMachineTest, DeletionOnlyOfTerminalAndKilling) {
  for (S from : model::AllStatuses()) {
    const bool expected = model::IsTerminal(from) || from == S::kKilling;
    EXPECT_EQ(IsLegalDeletion(from), expected) << model::StatusName(from);
    const TaskChange c = DeleteTask(TaskIn(from));
    EXPECT_EQ(c.legal, expected);
    EXPECT_EQ(c.deleted, expected);
    EXPECT_FALSE(c.send_kill || c.updated || c.replacement);
  }
}

TEST_F(StateMachineTest, UnknownTasksReportedAliveAreKilled) {
  for (S s : model::AllStatuses()) {
    EXPECT_EQ(ShouldKillUnknownTask(s),
              s == S::kAssigned || s == S::kStarting || s == S::kRunning);
  }
}

TEST(TaskIdTest, FormatAndCharacterSet) {
  model::TaskConfig config;
  config.job = {"www.data", "prod", "hello world/é"};
  base::Rng rng(7);
  const std::string id = NewTaskId(config, 12, rng).str();
  const std::regex format(
      "www-data-prod-hello-world---12-"
      "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(id, format)) << id;
  // Deterministic for a seed, distinct between draws.
  base::Rng again(7);
  EXPECT_EQ(NewTaskId(config, 12, again), id);
  EXPECT_NE(NewTaskId(config, 12, rng), id);
}

TEST(NewPendingTaskTest, PendingWithOneEvent) {
  base::Rng rng(1);
  TransitionContext ctx{kNow, "s1", &rng, {}};
  auto config = Config();
  const model::Task t = NewPendingTask(config, 3, "Instances added", ctx);
  EXPECT_EQ(t.status, S::kPending);
  EXPECT_EQ(t.instance_id, 3);
  EXPECT_EQ(t.config, config);
  EXPECT_EQ(t.failure_count, 0);
  EXPECT_TRUE(t.ancestor_id.empty());
  EXPECT_THAT(t.events,
              ElementsAre(model::TaskEvent{kNow, S::kPending, "Instances added", "s1"}));
  EXPECT_EQ(t.task_id.str().rfind("www-data-prod-hello-3-", 0), 0u);
  // Without an Rng the id is still well-formed and deterministic.
  TransitionContext no_rng{kNow, "s1", nullptr, {}};
  EXPECT_EQ(NewPendingTask(config, 3, "", no_rng).task_id,
            NewPendingTask(config, 3, "", no_rng).task_id);
}

}  // namespace
}  // namespace borealis::core

namespace borealis::core {
namespace {

TEST(TrimEventsTest, DropsTheOldestButKeepsFirstNewestAndStickyStatuses) {
  model::Task task;
  const std::vector<S> history = {S::kPending, S::kAssigned, S::kStarting, S::kRunning,
                                  S::kKilling, S::kRunning,  S::kRunning,  S::kRunning,
                                  S::kRunning, S::kFinished};
  for (size_t i = 0; i < history.size(); ++i) {
    task.events.push_back({static_cast<int64_t>(i), history[i], "", {}});
  }
  TrimEvents(task, 0);
  EXPECT_EQ(task.events.size(), history.size());
  TrimEvents(task, 5);
  std::vector<int64_t> times;
  for (const auto& e : task.events) times.push_back(e.timestamp_ms);
  // PENDING (first) and KILLING stay; the oldest others go; FINISHED (newest) stays.
  EXPECT_EQ(times, (std::vector<int64_t>{0, 4, 7, 8, 9}));
  TrimEvents(task, 1);  // taken as 4
  EXPECT_EQ(task.events.size(), 4u);
}

}  // namespace
}  // namespace borealis::core
