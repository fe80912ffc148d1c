// Job updates through the whole SchedulerCore (ManualClock, MemoryStore, fake agent
// transport): the API's answers and codes, the task-change hook driving the controller,
// the reads from the published view, and an update that goes on after a restart over the
// same store.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "borealis/scheduler/core_test_support.h"
#include "borealis/scheduler/scheduler_core.h"
#include "borealis/scheduler/update_read_api.h"
#include "borealis/wire/convert.h"
#include "borealis/wire/convert_update.h"

namespace borealis::scheduler {
namespace {

using model::ScheduleStatus;
using test_support::Job;
using test_support::Registration;

class UpdateApiTest : public test_support::CoreTest {
 protected:
  void SetUp() override {
    options_.executor_overhead = {};
    Restart();
    core_->OnAgentRegister(Registration("agent-1", "host-1", 100000));
    Commit();
    ASSERT_EQ(core_->CreateJob(Job("web", 3)).responseCode, api::ResponseCode::OK);
    Commit();
    RunEverything();
  }

  void Restart() {
    StartCore(7);
    transport_.connected.insert("agent-1");
  }
  // The agent: every ASSIGNED task runs, every KILLING task ends KILLED.
  void RunEverything() {
    for (int round = 0; round < 20; ++round) {
      std::vector<std::pair<std::string, api::ScheduleStatus::type>> reports;
      for (const auto& [id, t] : *core_->state().tasks()) {
        if (t->status == ScheduleStatus::kAssigned) {
          reports.emplace_back(t->task_id.str(), api::ScheduleStatus::RUNNING);
        } else if (t->status == ScheduleStatus::kKilling) {
          reports.emplace_back(t->task_id.str(), api::ScheduleStatus::KILLED);
        }
      }
      if (reports.empty()) return;
      for (const auto& [id, status] : reports) SendStatus("agent-1", id, status);
      Commit();
    }
  }
  void Advance(int64_t ms) {
    clock_.AdvanceMs(ms);
    core_->Tick();
    Commit();
    RunEverything();
  }
  api::JobUpdateRequest Request(const std::string& data, int instances, int32_t watch_ms = 1000) {
    api::JobUpdateRequest r;
    api::JobConfiguration job = Job("web", instances);
    job.taskConfig.executorConfig.__set_data(data);
    r.__set_taskConfig(job.taskConfig);
    r.__set_instanceCount(instances);
    api::JobUpdateSettings s;
    s.__set_updateGroupSize(1);
    s.__set_minWaitInInstanceRunningMs(watch_ms);
    r.__set_settings(s);
    return r;
  }
  api::JobUpdateStatus::type Status(const api::JobUpdateKey& key) {
    api::Response r = GetJobUpdateDetails(*core_->view(), key, {});
    EXPECT_EQ(r.responseCode, api::ResponseCode::OK);
    return r.result.getJobUpdateDetailsResult.details.update.summary.state.status;
  }
  int WithData(const std::string& data) {
    int n = 0;
    for (const auto& [id, t] : *core_->state().tasks()) {
      n += t->status == ScheduleStatus::kRunning && t->config->executor_data == data;
    }
    return n;
  }

};

TEST_F(UpdateApiTest, RollsForwardAndRefusesOtherCallsMeanwhile) {
  api::Response started = core_->StartJobUpdate(Request("v2", 3), "deploy", "alice");
  ASSERT_EQ(started.responseCode, api::ResponseCode::OK) << started.details[0].message;
  const api::JobUpdateKey key = started.result.startJobUpdateResult.key;
  EXPECT_EQ(key.id.size(), 36u);  // a UUID
  Commit();
  RunEverything();
  EXPECT_EQ(WithData("v2"), 1);  // Queue(1): one at a time

  // Refused while the update is active.
  api::Response second = core_->StartJobUpdate(Request("v3", 3), "", "bob");
  EXPECT_EQ(second.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(second.result.startJobUpdateResult.key.id, key.id);
  EXPECT_NE(second.details[0].message.find(key.id), std::string::npos);
  EXPECT_EQ(core_->KillTasks({"www-data", "devel", "web"}, {}, "").responseCode,
            api::ResponseCode::JOB_UPDATING_ERROR);
  EXPECT_EQ(core_->AddInstances({{"www-data", "devel", "web"}, 0}, 1).responseCode,
            api::ResponseCode::JOB_UPDATING_ERROR);
  EXPECT_EQ(core_->CreateJob(Job("web", 3)).responseCode, api::ResponseCode::JOB_UPDATING_ERROR);

  for (int i = 0; i < 4; ++i) Advance(1000);
  EXPECT_EQ(Status(key), api::JobUpdateStatus::ROLLED_FORWARD);
  EXPECT_EQ(WithData("v2"), 3);

  api::JobUpdateQuery q;
  q.__set_role("www-data");
  api::Response summaries = GetJobUpdateSummaries(*core_->view(), q);
  ASSERT_EQ(summaries.result.getJobUpdateSummariesResult.updateSummaries.size(), 1u);
  EXPECT_EQ(summaries.result.getJobUpdateSummariesResult.updateSummaries[0].user, "alice");
  api::Response same = core_->StartJobUpdate(Request("v2", 3), "", "alice");
  EXPECT_EQ(same.responseCode, api::ResponseCode::OK);
  EXPECT_EQ(same.details[0].message, "Job is unchanged by proposed update.");
}

TEST_F(UpdateApiTest, AnUpdateOfAJobWithoutTasksCreatesItAsAuroraDoes) {
  api::JobUpdateRequest request = Request("v1", 2);
  request.taskConfig.job.name = "fresh";
  api::Response started = core_->StartJobUpdate(request, "", "alice");
  ASSERT_EQ(started.responseCode, api::ResponseCode::OK) << started.details[0].message;
  const api::JobUpdateKey key = started.result.startJobUpdateResult.key;
  Commit();
  RunEverything();
  for (int i = 0; i < 4; ++i) Advance(1000);
  EXPECT_EQ(Status(key), api::JobUpdateStatus::ROLLED_FORWARD);
  EXPECT_EQ(core_->state().ActiveTaskCount({"www-data", "devel", "fresh"}), 2);
}

TEST_F(UpdateApiTest, BadRequestsNameTheField) {
  api::JobUpdateRequest r = Request("v2", 3);
  r.settings.__set_updateGroupSize(0);
  api::Response bad = core_->StartJobUpdate(r, "", "alice");
  EXPECT_EQ(bad.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_NE(bad.details[0].message.find("settings.updateGroupSize"), std::string::npos);
  r = Request("v2", 3);
  r.settings.__set_slaAware(true);
  bad = core_->StartJobUpdate(r, "", "alice");
  EXPECT_NE(bad.details[0].message.find("settings.slaAware"), std::string::npos);
  r = Request("v2", 3);
  r.taskConfig.__set_isService(false);
  EXPECT_EQ(core_->StartJobUpdate(r, "", "alice").responseCode,
            api::ResponseCode::INVALID_REQUEST);
  r = Request("v2", 3);
  r.settings.__set_updateOnlyTheseInstances({[] {
    api::Range range;
    range.__set_first(7);
    range.__set_last(7);
    return range;
  }()});
  bad = core_->StartJobUpdate(r, "", "alice");
  EXPECT_NE(bad.details[0].message.find("settings.updateOnlyTheseInstances"), std::string::npos);
  api::JobUpdateKey unknown;
  unknown.__set_job(wire::ToThrift(model::JobKey{"www-data", "devel", "web"}));
  unknown.__set_id("nope");
  EXPECT_EQ(core_->PauseJobUpdate(wire::FromThrift(unknown), "", "alice").responseCode,
            api::ResponseCode::INVALID_REQUEST);
}

TEST_F(UpdateApiTest, AnUpdateGoesOnAfterARestart) {
  api::Response started = core_->StartJobUpdate(Request("v2", 4), "", "alice");
  ASSERT_EQ(started.responseCode, api::ResponseCode::OK) << started.details[0].message;
  const api::JobUpdateKey key = started.result.startJobUpdateResult.key;
  Commit();
  RunEverything();
  Advance(1000);
  EXPECT_EQ(WithData("v2"), 2);  // instance 3 was added first, then instance 0
  Restart();
  // The agent comes back with what it runs.
  std::vector<agentproto::AgentTask> running;
  for (const auto& [id, t] : *core_->state().tasks()) {
    if (t->status != ScheduleStatus::kRunning) continue;
    agentproto::AgentTask a;
    a.taskId = t->task_id.str();
    a.status = api::ScheduleStatus::RUNNING;
    running.push_back(a);
  }
  core_->OnAgentRegister(Registration("agent-1", "host-1", 100000, running));
  Commit();
  for (int i = 0; i < 4; ++i) Advance(1000);
  EXPECT_EQ(Status(key), api::JobUpdateStatus::ROLLED_FORWARD);
  EXPECT_EQ(WithData("v2"), 4);
}

}  // namespace
}  // namespace borealis::scheduler
