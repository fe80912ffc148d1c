// The event stream through the whole SchedulerCore: a commit's events are published once
// durable, numbered by the record they are in, and recovery rebuilds the same events with
// the same numbers from the log.
#include "borealis/scheduler/event_derivation.h"

#include <gtest/gtest.h>

#include "borealis/base/clock.h"
#include "borealis/scheduler/core_test_support.h"

namespace borealis::scheduler {
namespace {

using test_support::FakeTransport;
using test_support::Job;

class RecordingSink : public EventSink {
 public:
  void StartAt(uint64_t first_seq) override { first_seq_ = first_seq; }
  void Restarted() override { restarted = true; }
  void PublishRecord(uint64_t seq, std::vector<model::SchedulerEvent> events) override {
    uint64_t pos = 0;
    for (auto& e : events) {
      e.index = (seq << model::kEventSeqShift) | pos++;
      all.push_back(std::move(e));
    }
  }
  void PublishUnrecorded(std::vector<model::SchedulerEvent> events) override {
    for (auto& e : events) hosts.push_back(std::move(e));
  }
  uint64_t first_seq_ = 0;
  bool restarted = false;
  std::vector<model::SchedulerEvent> all;
  std::vector<model::SchedulerEvent> hosts;
};

class EventsThroughCoreTest : public ::testing::Test {
 protected:
  EventsThroughCoreTest() { Restart(); }
  void Restart() {
    sink_ = std::make_unique<RecordingSink>();
    core_ = std::make_unique<SchedulerCore>(options_, clock_, store_, transport_, 42);
    core_->SetEventSink(sink_.get());
    ASSERT_TRUE(core_->Recover().ok());
  }
  void Commit() {
    core_->Schedule();
    ASSERT_TRUE(core_->Flush().ok());
  }
  void Report(const std::string& task_id, api::ScheduleStatus::type s) {
    agentproto::StatusUpdate u;
    u.uuid = "u-" + std::to_string(++uuid_);
    u.taskId = task_id;
    u.status = s;
    u.message = "reported";
    core_->OnStatusUpdate("a1", u);
    clock_.AdvanceMs(5);
    Commit();
  }

  SchedulerOptions options_;
  base::ManualClock clock_;
  state::MemoryStore store_;
  FakeTransport transport_;
  std::unique_ptr<RecordingSink> sink_;
  std::unique_ptr<SchedulerCore> core_;
  int uuid_ = 0;
};

TEST_F(EventsThroughCoreTest, CommitsPublishTaskEventsAndRecoveryRebuildsThemAlike) {
  transport_.connected.insert("a1");
  core_->OnAgentRegister(test_support::Registration("a1", "h1.example"));
  Commit();
  ASSERT_EQ(sink_->hosts.size(), 1u);
  EXPECT_EQ(sink_->hosts[0].type, "host_registered");
  EXPECT_EQ(sink_->hosts[0].host, "h1.example");

  ASSERT_EQ(core_->CreateJob(Job("web", 2)).responseCode, api::ResponseCode::OK);
  Commit();  // PENDING and ASSIGNED of both, in one record
  const std::string t0(core_->state().tasks()->begin()->first);
  Report(t0, api::ScheduleStatus::STARTING);
  Report(t0, api::ScheduleStatus::RUNNING);

  std::vector<std::string> of_t0;
  for (const auto& e : sink_->all) {
    EXPECT_EQ(e.job.ToString(), "www-data/devel/web");
    if (e.task_id == t0) of_t0.push_back(e.status);
  }
  EXPECT_EQ(of_t0, (std::vector<std::string>{"PENDING", "ASSIGNED", "STARTING", "RUNNING"}));
  EXPECT_EQ(sink_->all.size(), 6u);
  EXPECT_EQ(sink_->all.back().message, "reported");
  EXPECT_EQ(sink_->all.back().host, "h1.example");
  for (size_t i = 1; i < sink_->all.size(); ++i) {
    EXPECT_LT(sink_->all[i - 1].index, sink_->all[i].index);
  }

  const std::vector<model::SchedulerEvent> live = sink_->all;
  Restart();
  EXPECT_EQ(sink_->first_seq_, 1u);
  EXPECT_TRUE(sink_->restarted);
  ASSERT_EQ(sink_->all.size(), live.size());
  for (size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(sink_->all[i].index, live[i].index) << i;
    EXPECT_EQ(sink_->all[i].task_id, live[i].task_id) << i;
    EXPECT_EQ(sink_->all[i].status, live[i].status) << i;
    EXPECT_EQ(sink_->all[i].time_ms, live[i].time_ms) << i;
    EXPECT_EQ(sink_->all[i].message, live[i].message) << i;
  }
}

TEST_F(EventsThroughCoreTest, NothingIsPublishedBeforeTheAppendSucceeds) {
  transport_.connected.insert("a1");
  core_->OnAgentRegister(test_support::Registration("a1", "h1.example"));
  Commit();
  ASSERT_EQ(core_->CreateJob(Job("web", 1)).responseCode, api::ResponseCode::OK);
  store_.FailNextAppend(absl::UnavailableError("disk full"));
  core_->Schedule();
  EXPECT_FALSE(core_->Flush().ok());
  EXPECT_TRUE(sink_->all.empty());
}

TEST(AppendTaskEventsTest, OnlyNewEventsOfASavedTask) {
  auto config = std::make_shared<model::TaskConfig>();
  config->job = {"r", "e", "j"};
  model::Task before;
  before.task_id = model::TaskId("t");
  before.config = config;
  before.events = {{1, model::ScheduleStatus::kPending, "", {}}};
  model::Task after = before;
  after.agent_host = "h";
  after.events.push_back({2, model::ScheduleStatus::kAssigned, "", {}});
  after.events.push_back({3, model::ScheduleStatus::kStarting, "", {}});
  std::vector<model::SchedulerEvent> out;
  AppendTaskEvents(after, &before, &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].status, "ASSIGNED");
  EXPECT_EQ(out[0].host, "h");
  out.clear();
  AppendTaskEvents(after, nullptr, &out);  // a new task: all of them
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].host, "");  // PENDING names no host
  out.clear();
  AppendTaskEvents(after, &after, &out);  // saved unchanged
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace borealis::scheduler
