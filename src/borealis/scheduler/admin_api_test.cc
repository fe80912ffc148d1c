// AuroraAdmin's task operations through the whole SchedulerCore (admin_api.cc):
// forceTaskState, pruneTasks and the reconciliation triggers, their validation and result
// codes. ManualClock, MemoryStore and the fake agent transport of core_test_support.h.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "borealis/scheduler/core_test_support.h"
#include "borealis/scheduler/scheduler_core.h"

namespace borealis::scheduler {
namespace {

using model::ScheduleStatus;
using test_support::Job;

std::string Message(const api::Response& r) {
  return r.details.empty() ? "" : r.details[0].message;
}

class AdminApiTest : public test_support::CoreTest {
 protected:
  void SetUp() override { StartCore(11); }

  void RegisterAgent(const std::string& id, const std::string& host) {
    transport_.connected.insert(id);
    core_->OnAgentRegister(test_support::Registration(id, host));
    Commit();
  }
  void Report(const model::Task& t, api::ScheduleStatus::type s) {
    SendStatus(t.agent_id.str(), t.task_id.str(), s);
    Commit();
  }
  std::vector<model::Task> Tasks(ScheduleStatus s, const std::string& job = "") const {
    std::vector<model::Task> out;
    for (const auto& [id, t] : *core_->state().tasks()) {
      if (t->status == s && (job.empty() || t->job().name == job)) out.push_back(*t);
    }
    return out;
  }
  // `n` RUNNING tasks of job `name` on agent a1.
  void RunJob(const std::string& name, int n) {
    ASSERT_EQ(core_->CreateJob(Job(name, n)).responseCode, api::ResponseCode::OK);
    Commit();
    for (const model::Task& t : Tasks(ScheduleStatus::kAssigned, name)) {
      Report(t, api::ScheduleStatus::STARTING);
      Report(t, api::ScheduleStatus::RUNNING);
    }
    ASSERT_EQ(Tasks(ScheduleStatus::kRunning, name).size(), static_cast<size_t>(n));
  }
  // Kills every task of job `name` and confirms the kills: they end KILLED.
  void KillJob(const std::string& name) {
    ASSERT_EQ(core_->KillTasks({"www-data", "devel", name}, {}, "").responseCode,
              api::ResponseCode::OK);
    Commit();
    for (const model::Task& t : Tasks(ScheduleStatus::kKilling, name)) {
      Report(t, api::ScheduleStatus::KILLED);
    }
  }

};

TEST_F(AdminApiTest, ForceTaskStateGoesThroughTheStateMachine) {
  RegisterAgent("a1", "host1");
  RunJob("web", 1);
  const model::Task running = Tasks(ScheduleStatus::kRunning)[0];
  api::Response r = core_->ForceTaskState(running.task_id.str(), api::ScheduleStatus::LOST);
  ASSERT_EQ(r.responseCode, api::ResponseCode::OK) << Message(r);
  Commit();
  const model::Task* lost = core_->state().FindTask(running.task_id);
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ(lost->status, ScheduleStatus::kLost);
  EXPECT_EQ(lost->events.back().message, "Transition forced by UNSECURE");
  // The state machine's side effect: the service is rescheduled.
  EXPECT_EQ(Tasks(ScheduleStatus::kPending).size() + Tasks(ScheduleStatus::kAssigned).size(), 1u);
}

TEST_F(AdminApiTest, ForceTaskStateRefusesBadInputNamingTheField) {
  RegisterAgent("a1", "host1");
  RunJob("web", 1);
  const std::string id = Tasks(ScheduleStatus::kRunning)[0].task_id.str();

  api::Response blank = core_->ForceTaskState("", api::ScheduleStatus::LOST);
  EXPECT_EQ(blank.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(Message(blank), "taskId: must not be blank");

  api::Response unknown = core_->ForceTaskState("no-such-task", api::ScheduleStatus::LOST);
  EXPECT_EQ(unknown.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(Message(unknown), "taskId: no task has the id no-such-task");

  api::Response bad = core_->ForceTaskState(id, static_cast<api::ScheduleStatus::type>(99));
  EXPECT_EQ(bad.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(Message(bad), "status: 99 is not a task state");

  api::Response illegal = core_->ForceTaskState(id, api::ScheduleStatus::PENDING);
  EXPECT_EQ(illegal.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(Message(illegal), "status: the task state machine does not allow RUNNING -> PENDING "
                              "(task " + id + ")");

  api::Response same = core_->ForceTaskState(id, api::ScheduleStatus::RUNNING);
  EXPECT_EQ(same.responseCode, api::ResponseCode::OK);
  EXPECT_EQ(Message(same), "Task " + id + " is already RUNNING");
  Commit();
  EXPECT_EQ(Tasks(ScheduleStatus::kRunning).size(), 1u);  // nothing changed
}

TEST_F(AdminApiTest, PruneTasksRemovesOnlyTerminalTasksTheQueryMatches) {
  RegisterAgent("a1", "host1");
  RunJob("web", 2);
  RunJob("db", 1);
  KillJob("web");
  KillJob("db");
  RunJob("live", 1);
  ASSERT_EQ(Tasks(ScheduleStatus::kKilled).size(), 3u);

  api::TaskQuery only_web;
  only_web.__set_jobName("web");
  api::Response r = core_->PruneTasks(only_web);
  ASSERT_EQ(r.responseCode, api::ResponseCode::OK) << Message(r);
  Commit();
  EXPECT_EQ(Tasks(ScheduleStatus::kKilled, "web").size(), 0u);
  EXPECT_EQ(Tasks(ScheduleStatus::kKilled, "db").size(), 1u);

  // No statuses: every terminal task, never an active one.
  ASSERT_EQ(core_->PruneTasks(api::TaskQuery()).responseCode, api::ResponseCode::OK);
  Commit();
  EXPECT_EQ(Tasks(ScheduleStatus::kKilled).size(), 0u);
  EXPECT_EQ(Tasks(ScheduleStatus::kRunning, "live").size(), 1u);
}

TEST_F(AdminApiTest, PruneTasksRefusesActiveStatesAndHonoursTheLimit) {
  RegisterAgent("a1", "host1");
  RunJob("web", 3);
  KillJob("web");
  api::TaskQuery active;
  active.__set_statuses({api::ScheduleStatus::KILLED, api::ScheduleStatus::RUNNING});
  api::Response refused = core_->PruneTasks(active);
  EXPECT_EQ(refused.responseCode, api::ResponseCode::ERROR);
  EXPECT_EQ(Message(refused), "Tasks in non-terminal state cannot be pruned.");
  Commit();
  EXPECT_EQ(Tasks(ScheduleStatus::kKilled).size(), 3u);

  api::TaskQuery two;
  two.__set_statuses({api::ScheduleStatus::KILLED});
  two.__set_limit(2);
  ASSERT_EQ(core_->PruneTasks(two).responseCode, api::ResponseCode::OK);
  Commit();
  EXPECT_EQ(Tasks(ScheduleStatus::kKilled).size(), 1u);
}

TEST_F(AdminApiTest, ExplicitReconciliationSendsBatchesOfTheGivenSize) {
  RegisterAgent("a1", "host1");
  RunJob("web", 5);
  transport_.sent.clear();
  api::ExplicitReconciliationSettings zero;
  zero.__set_batchSize(0);
  api::Response refused = core_->TriggerExplicitReconciliation(zero);
  EXPECT_EQ(refused.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(Message(refused), "Batch size must be greater than zero.");
  Commit();
  EXPECT_TRUE(transport_.Reconciles().empty());

  api::ExplicitReconciliationSettings two;
  two.__set_batchSize(2);
  ASSERT_EQ(core_->TriggerExplicitReconciliation(two).responseCode, api::ResponseCode::OK);
  Commit();
  auto sent = transport_.Reconciles();
  ASSERT_EQ(sent.size(), 3u);  // 2 + 2 + 1 task ids
  EXPECT_EQ(sent[0].second.taskIds.size(), 2u);
  EXPECT_EQ(sent[2].second.taskIds.size(), 1u);

  // Without a batch size: the scheduler's (1000), one message.
  transport_.sent.clear();
  ASSERT_EQ(core_->TriggerExplicitReconciliation({}).responseCode, api::ResponseCode::OK);
  Commit();
  ASSERT_EQ(transport_.Reconciles().size(), 1u);
  EXPECT_EQ(transport_.Reconciles()[0].second.taskIds.size(), 5u);
}

TEST_F(AdminApiTest, ImplicitReconciliationAsksEachAgentForEverything) {
  RegisterAgent("a1", "host1");
  RegisterAgent("a2", "host2");
  transport_.sent.clear();
  ASSERT_EQ(core_->TriggerImplicitReconciliation().responseCode, api::ResponseCode::OK);
  Commit();
  auto sent = transport_.Reconciles();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_TRUE(sent[0].second.taskIds.empty());
  EXPECT_EQ(sent[0].first, "a1");
  EXPECT_EQ(sent[1].first, "a2");
}

}  // namespace
}  // namespace borealis::scheduler
