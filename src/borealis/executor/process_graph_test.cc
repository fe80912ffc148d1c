// Tests of the process plan state machine, driven by hand with a ManualClock: no
// processes are started here; a small harness plays the executor's part.
#include "borealis/executor/process_graph.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "borealis/base/clock.h"

namespace borealis::executor {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using model::ScheduleStatus;

config::ProcessSpec Proc(std::string name, int max_failures = 1) {
  config::ProcessSpec p;
  p.name = std::move(name);
  p.cmdline = "true";
  p.max_failures = max_failures;
  p.min_duration_secs = 0;
  return p;
}

// Plays the executor: launches get pids, signals are remembered, reports collected.
class Harness {
 public:
  explicit Harness(config::TaskSpec task, int64_t grace_ms = 5000, bool report_running = true)
      : graph_(std::move(task), grace_ms, report_running) {}

  void Start() { Take(graph_.Start(Now())); }
  void Exit(const std::string& name, int code) {
    Take(graph_.OnExited(name, ExitStatus{false, code}, Now()));
  }
  void Killed(const std::string& name, int sig) {
    Take(graph_.OnExited(name, ExitStatus{true, sig}, Now()));
  }
  void GroupGone(const std::string& name) { Take(graph_.OnGroupGone(pid_of_.at(name), Now())); }
  // The process exits and its group empties (the usual case).
  // (As in the executor, the exit is seen before the group is found empty.)
  void ExitAndGone(const std::string& name, int code) {
    int pid = pid_of_.at(name);
    Exit(name, code);
    Take(graph_.OnGroupGone(pid, Now()));
  }
  void Kill(const std::string& failure = "", std::optional<int64_t> deadline_in_ms = std::nullopt) {
    std::optional<int64_t> deadline;
    if (deadline_in_ms) deadline = Now() + *deadline_in_ms;
    Take(graph_.OnKillRequested(Now(), failure, deadline));
  }
  void Drain(const std::string& failure = "") { Take(graph_.OnDrain(Now(), failure)); }
  void Advance(int64_t ms) {
    clock_.AdvanceMs(ms);
    Take(graph_.OnTick(Now()));
  }

  ProcessState State(const std::string& name) const { return graph_.processes().at(name).state; }
  const ProcessGraph& graph() const { return graph_; }
  std::vector<std::string> launches;          // "name/run"
  std::vector<std::string> signals;           // "TERM name" / "KILL name"
  std::vector<std::pair<ScheduleStatus, std::string>> reports;
  std::vector<std::string> Running() const {
    std::vector<std::string> out;
    for (const auto& [name, p] : graph_.processes()) {
      if (p.state == ProcessState::kRunning) out.push_back(name);
    }
    return out;
  }

 private:
  int64_t Now() const { return clock_.MonoNowNs() / 1'000'000; }
  void Take(std::vector<Action> actions) {
    for (const Action& a : actions) {
      if (a.kind == Action::Kind::kLaunch) {
        launches.push_back(a.process + "/" + std::to_string(a.run));
        int pid = next_pid_++;
        pid_of_[a.process] = pid;
        name_of_[pid] = a.process;
        Take(graph_.OnLaunched(a.process, pid, Now()));
      } else if (a.kind == Action::Kind::kSignalGroups) {
        for (int pgid : a.pgids) {
          signals.push_back(std::string(a.signal == Action::Signal::kKill ? "KILL " : "TERM ") +
                            name_of_.at(pgid));
        }
      } else {
        reports.emplace_back(a.status, a.message);
      }
    }
  }

  base::ManualClock clock_;
  ProcessGraph graph_;
  int next_pid_ = 100;
  std::map<std::string, int> pid_of_;
  std::map<int, std::string> name_of_;
};

config::TaskSpec Task(std::vector<config::ProcessSpec> processes,
                      std::vector<std::vector<std::string>> order = {}) {
  config::TaskSpec t;
  t.name = "t";
  t.processes = std::move(processes);
  t.order_constraints = std::move(order);
  return t;
}

TEST(ProcessGraphTest, RunsInOrderAndFinishes) {
  Harness h(Task({Proc("a"), Proc("b"), Proc("c"), Proc("free")}, {{"a", "b"}, {"b", "c"}}));
  h.Start();
  EXPECT_THAT(h.launches, ElementsAre("a/0", "free/0"));
  ASSERT_EQ(h.reports.size(), 1u);
  EXPECT_EQ(h.reports[0].first, ScheduleStatus::kRunning);
  h.ExitAndGone("a", 0);
  EXPECT_THAT(h.launches, ElementsAre("a/0", "free/0", "b/0"));
  h.ExitAndGone("free", 0);
  h.ExitAndGone("b", 0);
  EXPECT_THAT(h.launches, ElementsAre("a/0", "free/0", "b/0", "c/0"));
  EXPECT_FALSE(h.graph().done());
  h.ExitAndGone("c", 0);
  EXPECT_TRUE(h.graph().done());
  ASSERT_EQ(h.reports.size(), 2u);
  EXPECT_EQ(h.reports[1].first, ScheduleStatus::kFinished);
  // The last exit is seen before its group is found empty, so that group gets a
  // (harmless) TERM as the task is cleaned up.
  EXPECT_THAT(h.signals, ElementsAre("TERM c"));
}

TEST(ProcessGraphTest, RetriesUpToMaxFailuresThenFailsAndKillsTheRest) {
  Harness h(Task({Proc("web", 3), Proc("side")}));
  h.Start();
  h.ExitAndGone("web", 3);
  h.ExitAndGone("web", 3);
  EXPECT_THAT(h.launches, ElementsAre("web/0", "side/0", "web/1", "web/2"));
  EXPECT_EQ(h.graph().processes().at("web").failures, 2);
  h.ExitAndGone("web", 3);
  EXPECT_EQ(h.State("web"), ProcessState::kFailed);
  EXPECT_EQ(h.graph().stage(), TaskStage::kCleaning);
  EXPECT_THAT(h.signals, UnorderedElementsAre("TERM side", "TERM web"));
  h.Killed("side", 15);
  EXPECT_EQ(h.State("side"), ProcessState::kKilled);
  h.GroupGone("side");
  ASSERT_TRUE(h.graph().done());
  EXPECT_EQ(h.reports.back().first, ScheduleStatus::kFailed);
  EXPECT_EQ(h.reports.back().second, "Process 'web' failed (exit code 3) after 3 attempt(s)");
}

TEST(ProcessGraphTest, ZeroMaxFailuresRetriesForever) {
  Harness h(Task({Proc("flaky", 0)}));
  h.Start();
  for (int i = 0; i < 20; ++i) h.ExitAndGone("flaky", 1);
  EXPECT_EQ(h.launches.size(), 21u);
  EXPECT_EQ(h.State("flaky"), ProcessState::kRunning);
  h.ExitAndGone("flaky", 0);
  EXPECT_EQ(h.reports.back().first, ScheduleStatus::kFinished);
}

TEST(ProcessGraphTest, RunsAreCappedAtOneHundred) {
  Harness h(Task({Proc("flaky", 0)}));
  h.Start();
  for (int i = 0; i < ProcessGraph::kMaxRunsPerProcess; ++i) h.ExitAndGone("flaky", 1);
  EXPECT_EQ(h.launches.size(), 100u);
  EXPECT_EQ(h.graph().processes().at("flaky").history.size(), 100u);
  EXPECT_EQ(h.State("flaky"), ProcessState::kFailed);
  EXPECT_EQ(h.reports.back().first, ScheduleStatus::kFailed);
}

TEST(ProcessGraphTest, MinDurationGatesReruns) {
  config::TaskSpec task = Task({Proc("p", 2)});
  task.processes[0].min_duration_secs = 5;
  Harness h(task);
  h.Start();
  h.ExitAndGone("p", 1);
  EXPECT_THAT(h.launches, ElementsAre("p/0"));
  ASSERT_TRUE(h.graph().NextDeadlineMs().has_value());
  h.Advance(4999);
  EXPECT_THAT(h.launches, ElementsAre("p/0"));
  h.Advance(1);
  EXPECT_THAT(h.launches, ElementsAre("p/0", "p/1"));
}

TEST(ProcessGraphTest, DaemonsRerunAfterSuccessAndEphemeralsDoNotCount) {
  config::TaskSpec task = Task({Proc("main"), Proc("daemon"), Proc("sidecar")});
  task.processes[1].daemon = true;
  task.processes[2].daemon = true;
  task.processes[2].ephemeral = true;
  Harness h(task);
  h.Start();
  h.ExitAndGone("daemon", 0);
  EXPECT_EQ(h.State("daemon"), ProcessState::kRunning);  // rerun (min_duration 0)
  EXPECT_EQ(h.graph().processes().at("daemon").runs, 2);
  h.ExitAndGone("main", 0);
  // A non-ephemeral daemon keeps the task going (Thermos semantics).
  EXPECT_FALSE(h.graph().done());
  h.ExitAndGone("daemon", 1);  // exhausts max_failures=1
  EXPECT_EQ(h.graph().stage(), TaskStage::kCleaning);
  EXPECT_THAT(h.signals, UnorderedElementsAre("TERM sidecar", "TERM daemon"));
  h.Killed("sidecar", 15);
  h.GroupGone("sidecar");
  EXPECT_EQ(h.reports.back().first, ScheduleStatus::kFailed);
}

TEST(ProcessGraphTest, EphemeralSidecarDoesNotHoldTheTask) {
  config::TaskSpec task = Task({Proc("main"), Proc("sidecar")});
  task.processes[1].daemon = true;
  task.processes[1].ephemeral = true;
  Harness h(task);
  h.Start();
  h.ExitAndGone("main", 0);
  EXPECT_EQ(h.graph().stage(), TaskStage::kCleaning);
  h.Killed("sidecar", 15);
  h.GroupGone("sidecar");
  EXPECT_EQ(h.reports.back().first, ScheduleStatus::kFinished);
}

TEST(ProcessGraphTest, KillTermsThenKillsAfterGraceAndStartsNothing) {
  Harness h(Task({Proc("a"), Proc("b"), Proc("later")}, {{"a", "later"}}), /*grace_ms=*/3000);
  h.Start();
  h.Kill();
  EXPECT_THAT(h.signals, ElementsAre("TERM a", "TERM b"));
  h.ExitAndGone("a", 0);  // a obeys TERM; 'later' must not start
  EXPECT_EQ(h.State("a"), ProcessState::kKilled);
  EXPECT_THAT(h.launches, ElementsAre("a/0", "b/0"));
  EXPECT_EQ(*h.graph().NextDeadlineMs(), 3000);
  h.Advance(2999);
  EXPECT_THAT(h.signals, ElementsAre("TERM a", "TERM b"));
  h.Advance(1);
  EXPECT_THAT(h.signals, ElementsAre("TERM a", "TERM b", "KILL b"));
  h.Killed("b", 9);
  EXPECT_FALSE(h.graph().done());  // group not gone yet
  h.GroupGone("b");
  ASSERT_TRUE(h.graph().done());
  EXPECT_EQ(h.reports.back(),
            std::make_pair(ScheduleStatus::kKilled, std::string("Killed by request")));
  EXPECT_EQ(h.State("later"), ProcessState::kWaiting);
}

TEST(ProcessGraphTest, LingeringGroupIsCleanedUpAtTheEnd) {
  Harness h(Task({Proc("a")}));
  h.Start();
  h.Exit("a", 0);  // the leader is done but left a background child in its group
  EXPECT_EQ(h.graph().stage(), TaskStage::kCleaning);
  EXPECT_THAT(h.signals, ElementsAre("TERM a"));
  EXPECT_THAT(h.graph().live_groups(), ElementsAre(100));
  h.GroupGone("a");
  EXPECT_EQ(h.reports.back().first, ScheduleStatus::kFinished);
}

TEST(ProcessGraphTest, TaskMaxFailuresAllowsSomeFailedProcesses) {
  config::TaskSpec task = Task({Proc("a"), Proc("b"), Proc("c")});
  task.max_failures = 2;
  Harness h(task);
  h.Start();
  h.ExitAndGone("a", 1);
  EXPECT_EQ(h.graph().stage(), TaskStage::kActive);
  h.ExitAndGone("b", 0);
  h.ExitAndGone("c", 0);
  // Complete and healthy (1 failed < 2).
  EXPECT_EQ(h.reports.back().first, ScheduleStatus::kFinished);
}

TEST(ProcessGraphTest, BlockedDependentsFailTheTask) {
  config::TaskSpec task = Task({Proc("a"), Proc("b"), Proc("other")}, {{"a", "b"}});
  task.max_failures = 0;  // unlimited failed processes
  Harness h(task);
  h.Start();
  h.ExitAndGone("a", 2);
  EXPECT_EQ(h.graph().stage(), TaskStage::kActive);  // 'other' still runs
  h.ExitAndGone("other", 0);
  ASSERT_TRUE(h.graph().done());
  EXPECT_EQ(h.reports.back().first, ScheduleStatus::kFailed);
  EXPECT_THAT(h.reports.back().second,
              ::testing::HasSubstr("Process 'a' failed (exit code 2) after 1 attempt(s)"));
}

TEST(ProcessGraphTest, MaxConcurrencyCapsRunningProcesses) {
  config::TaskSpec task = Task({Proc("a"), Proc("b"), Proc("c")});
  task.max_concurrency = 2;
  Harness h(task);
  h.Start();
  EXPECT_THAT(h.launches, ElementsAre("a/0", "b/0"));
  h.ExitAndGone("a", 0);
  EXPECT_THAT(h.launches, ElementsAre("a/0", "b/0", "c/0"));
}

TEST(ProcessGraphTest, FinalizersRunAfterTheRegularPlan) {
  config::TaskSpec task = Task({Proc("main"), Proc("f1"), Proc("f2")}, {{"f1", "f2"}});
  task.processes[1].final = true;
  task.processes[2].final = true;
  Harness h(task);
  h.Start();
  EXPECT_THAT(h.launches, ElementsAre("main/0"));
  h.ExitAndGone("main", 0);
  EXPECT_EQ(h.graph().stage(), TaskStage::kFinalizing);
  EXPECT_THAT(h.launches, ElementsAre("main/0", "f1/0"));
  h.ExitAndGone("f1", 0);
  h.ExitAndGone("f2", 0);
  ASSERT_TRUE(h.graph().done());
  EXPECT_EQ(h.reports.back().first, ScheduleStatus::kFinished);
}

TEST(ProcessGraphTest, FinalizersAreBoundByFinalizationWait) {
  config::TaskSpec task = Task({Proc("main"), Proc("fin")});
  task.processes[1].final = true;
  task.finalization_wait_secs = 10;
  Harness h(task);
  h.Start();
  h.ExitAndGone("main", 0);
  EXPECT_THAT(h.Running(), ElementsAre("fin"));
  h.Advance(10'000);
  EXPECT_THAT(h.signals, ElementsAre("TERM main", "TERM fin", "KILL fin"));
  h.Killed("fin", 9);
  h.GroupGone("fin");
  EXPECT_EQ(h.reports.back().first, ScheduleStatus::kFinished);
}

// A kill goes through CLEANING and FINALIZING as a natural end does: the finalizers
// run, in their order, and the task then ends KILLED.
TEST(ProcessGraphTest, KillRunsFinalizers) {
  config::TaskSpec task = Task({Proc("main"), Proc("f1"), Proc("f2")}, {{"f1", "f2"}});
  task.processes[1].final = true;
  task.processes[2].final = true;
  Harness h(task);
  h.Start();
  h.Kill();
  EXPECT_EQ(h.graph().stage(), TaskStage::kCleaning);
  EXPECT_THAT(h.signals, ElementsAre("TERM main"));
  h.Killed("main", 15);
  h.GroupGone("main");
  EXPECT_EQ(h.graph().stage(), TaskStage::kFinalizing);
  EXPECT_THAT(h.launches, ElementsAre("main/0", "f1/0"));
  h.ExitAndGone("f1", 0);
  EXPECT_THAT(h.launches, ElementsAre("main/0", "f1/0", "f2/0"));
  h.ExitAndGone("f2", 0);
  ASSERT_TRUE(h.graph().done());
  EXPECT_EQ(h.State("main"), ProcessState::kKilled);
  EXPECT_EQ(h.State("f2"), ProcessState::kSuccess);
  EXPECT_EQ(h.reports.back(),
            std::make_pair(ScheduleStatus::kKilled, std::string("Killed by request")));
}

// A finalizer that outlasts finalization_wait (counted from the kill) is killed.
TEST(ProcessGraphTest, KilledTasksFinalizersAreBoundByFinalizationWait) {
  config::TaskSpec task = Task({Proc("main"), Proc("fin")});
  task.processes[1].final = true;
  task.finalization_wait_secs = 10;
  Harness h(task, /*grace_ms=*/1000);
  h.Start();
  h.Kill();
  h.Advance(500);
  h.Killed("main", 15);
  h.GroupGone("main");
  EXPECT_THAT(h.Running(), ElementsAre("fin"));
  h.Advance(9'000);
  EXPECT_THAT(h.signals, ElementsAre("TERM main"));
  h.Advance(500);  // 10 s after the kill
  EXPECT_THAT(h.signals, ElementsAre("TERM main", "TERM fin", "KILL fin"));
  h.Killed("fin", 9);
  h.GroupGone("fin");
  ASSERT_TRUE(h.graph().done());
  EXPECT_EQ(h.State("fin"), ProcessState::kKilled);
  EXPECT_EQ(h.reports.back().first, ScheduleStatus::kKilled);
}

// The kill's own deadline bounds CLEANING and FINALIZING when it is nearer than
// finalization_wait; finalizers not started by then are skipped.
TEST(ProcessGraphTest, KillDeadlineBoundsFinalization) {
  config::TaskSpec task = Task({Proc("main"), Proc("f1"), Proc("f2")}, {{"f1", "f2"}});
  task.processes[1].final = true;
  task.processes[2].final = true;
  task.finalization_wait_secs = 30;
  Harness h(task, /*grace_ms=*/5000);
  h.Start();
  h.Kill("", /*deadline_in_ms=*/3000);
  EXPECT_EQ(h.graph().NextDeadlineMs(), 3000);  // SIGKILL at the deadline, not after the grace
  h.Advance(1000);
  h.Killed("main", 15);
  h.GroupGone("main");
  EXPECT_THAT(h.Running(), ElementsAre("f1"));
  h.Advance(2000);
  EXPECT_THAT(h.signals, ElementsAre("TERM main", "TERM f1", "KILL f1"));
  h.Killed("f1", 9);
  h.GroupGone("f1");
  ASSERT_TRUE(h.graph().done());
  EXPECT_THAT(h.launches, ElementsAre("main/0", "f1/0"));
  EXPECT_EQ(h.reports.back().first, ScheduleStatus::kKilled);
}

// A kill while the finalizers of a finished task run lets them go on (until the kill's
// deadline) and keeps the task's own outcome.
TEST(ProcessGraphTest, KillWhileFinalizingLetsFinalizersFinish) {
  config::TaskSpec task = Task({Proc("main"), Proc("fin")});
  task.processes[1].final = true;
  Harness h(task);
  h.Start();
  h.ExitAndGone("main", 0);
  EXPECT_THAT(h.Running(), ElementsAre("fin"));
  h.Kill("", /*deadline_in_ms=*/20'000);
  EXPECT_THAT(h.signals, ElementsAre("TERM main"));  // sent as the regular plan ended
  h.ExitAndGone("fin", 0);
  ASSERT_TRUE(h.graph().done());
  EXPECT_EQ(h.State("fin"), ProcessState::kSuccess);
  EXPECT_EQ(h.reports.back().first, ScheduleStatus::kFinished);
}

TEST(ProcessGraphTest, LaunchFailureCountsAsAFailedRun) {
  ProcessGraph graph(Task({Proc("a", 2)}), 1000);
  auto actions = graph.Start(0);
  ASSERT_EQ(actions.size(), 1u);
  actions = graph.OnLaunchFailed("a", "no bash", 0);
  ASSERT_EQ(actions.size(), 1u);  // retried
  EXPECT_EQ(actions[0].run, 1);
  actions = graph.OnLaunchFailed("a", "no bash", 0);
  ASSERT_FALSE(actions.empty());
  EXPECT_EQ(actions.back().status, ScheduleStatus::kFailed);
  EXPECT_EQ(actions.back().message,
            "Process 'a' failed (could not start: no bash) after 2 attempt(s)");
  const std::vector<RunRecord>& history = graph.processes().at("a").history;
  ASSERT_EQ(history.size(), 2u);
  for (const RunRecord& r : history) {
    EXPECT_EQ(r.state, ProcessState::kFailed);
    EXPECT_EQ(r.pid, 0);
    EXPECT_FALSE(r.exit.has_value());
  }
}

TEST(ProcessGraphTest, HistoryRecordsEveryRun) {
  Harness h(Task({Proc("web", 3), Proc("side")}));
  h.Start();
  h.Advance(10);
  h.ExitAndGone("web", 4);  // run 1 starts at once (min_duration 0)
  h.Advance(20);
  const std::vector<RunRecord>& running = h.graph().processes().at("web").history;
  ASSERT_EQ(running.size(), 2u);
  EXPECT_EQ(running[1].state, ProcessState::kRunning);
  EXPECT_EQ(running[1].stop_ms, 0);
  h.ExitAndGone("web", 0);
  h.Kill();
  h.Killed("side", 15);
  h.GroupGone("side");
  ASSERT_TRUE(h.graph().done());

  const std::vector<RunRecord>& web = h.graph().processes().at("web").history;
  ASSERT_EQ(web.size(), 2u);
  EXPECT_EQ(web[0].run, 0);
  EXPECT_EQ(web[0].state, ProcessState::kFailed);
  EXPECT_EQ(web[0].exit->code(), 4);
  EXPECT_EQ(web[0].start_ms, 0);
  EXPECT_EQ(web[0].stop_ms, 10);
  EXPECT_EQ(web[1].run, 1);
  EXPECT_EQ(web[1].state, ProcessState::kSuccess);
  EXPECT_EQ(web[1].exit->code(), 0);
  EXPECT_EQ(web[1].start_ms, 10);
  EXPECT_EQ(web[1].stop_ms, 30);
  EXPECT_GT(web[0].pid, 0);
  EXPECT_GT(web[1].pid, 0);
  EXPECT_NE(web[0].pid, web[1].pid);
  EXPECT_EQ(web[1].pid, h.graph().processes().at("web").pid);

  const std::vector<RunRecord>& side = h.graph().processes().at("side").history;
  ASSERT_EQ(side.size(), 1u);
  EXPECT_EQ(side[0].state, ProcessState::kKilled);
  EXPECT_EQ(side[0].exit->code(), 128 + 15);
  EXPECT_EQ(side[0].stop_ms, 30);
}

TEST(ProcessGraphTest, RunningIsLeftToTheExecutorWhenHealthChecked) {
  Harness h(Task({Proc("a")}), 5000, /*report_running=*/false);
  h.Start();
  EXPECT_THAT(h.launches, ElementsAre("a/0"));
  EXPECT_TRUE(h.reports.empty());
  h.ExitAndGone("a", 0);
  ASSERT_EQ(h.reports.size(), 1u);
  EXPECT_EQ(h.reports[0].first, ScheduleStatus::kFinished);
}

TEST(ProcessGraphTest, KillWithAFailureEndsFailed) {
  Harness h(Task({Proc("a")}));
  h.Start();
  h.Kill("Failed health check! HTTP status 500");
  EXPECT_THAT(h.signals, ElementsAre("TERM a"));
  h.Killed("a", 15);
  h.GroupGone("a");
  ASSERT_TRUE(h.graph().done());
  EXPECT_EQ(h.reports.back(), std::make_pair(ScheduleStatus::kFailed,
                                             std::string("Failed health check! HTTP status 500")));
}

TEST(ProcessGraphTest, DrainStartsNothingAndEndsKilledWhenAllExit) {
  Harness h(Task({Proc("a", /*max_failures=*/0), Proc("b"), Proc("later")}, {{"b", "later"}}));
  h.Start();
  h.Drain();
  EXPECT_TRUE(h.graph().draining());
  EXPECT_TRUE(h.signals.empty());  // processes are asked over HTTP first
  h.ExitAndGone("a", 1);           // would be retried forever, but not while draining
  h.ExitAndGone("b", 0);           // 'later' must not start
  EXPECT_THAT(h.launches, ElementsAre("a/0", "b/0"));
  ASSERT_TRUE(h.graph().done());
  EXPECT_EQ(h.reports.back(),
            std::make_pair(ScheduleStatus::kKilled, std::string("Killed by request")));
}

TEST(ProcessGraphTest, DrainedTaskRunsFinalizers) {
  config::TaskSpec task = Task({Proc("a"), Proc("fin")});
  task.processes[1].final = true;
  Harness h(task);
  h.Start();
  h.Drain();
  h.ExitAndGone("a", 0);
  EXPECT_EQ(h.graph().stage(), TaskStage::kFinalizing);
  EXPECT_THAT(h.launches, ElementsAre("a/0", "fin/0"));
  h.ExitAndGone("fin", 0);
  ASSERT_TRUE(h.graph().done());
  EXPECT_EQ(h.reports.back().first, ScheduleStatus::kKilled);
}

TEST(ProcessGraphTest, KillAfterDrainTerminatesTheRestWithTheDrainOutcome) {
  Harness h(Task({Proc("a"), Proc("b")}), /*grace_ms=*/1000);
  h.Start();
  h.Drain("Failed health check! timed out");
  h.ExitAndGone("a", 0);
  EXPECT_FALSE(h.graph().done());
  h.Kill();
  EXPECT_THAT(h.signals, ElementsAre("TERM b"));
  h.Advance(1000);
  EXPECT_THAT(h.signals, ElementsAre("TERM b", "KILL b"));
  h.Killed("b", 9);
  h.GroupGone("b");
  ASSERT_TRUE(h.graph().done());
  EXPECT_EQ(h.reports.back(), std::make_pair(ScheduleStatus::kFailed,
                                             std::string("Failed health check! timed out")));
}

}  // namespace
}  // namespace borealis::executor
