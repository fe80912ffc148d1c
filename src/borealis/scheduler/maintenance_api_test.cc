// The maintenance calls through the whole SchedulerCore (real core, ManualClock,
// MemoryStore): placement avoids SCHEDULED hosts and skips DRAINING ones, a drain's tasks
// are replaced elsewhere, the host ends DRAINED, and the modes survive a restart.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "borealis/base/clock.h"
#include "borealis/base/metrics.h"
#include "borealis/scheduler/core_test_support.h"
#include "borealis/scheduler/event_sink.h"
#include "borealis/scheduler/scheduler_core.h"
#include "borealis/scheduler/scheduler_metrics.h"
#include "borealis/state/store.h"

namespace borealis::scheduler {
namespace {

using model::ScheduleStatus;
using test_support::FakeTransport;
using test_support::Job;

class MaintenanceApiTest : public ::testing::Test {
 protected:
  MaintenanceApiTest() { Restart(); }

  void Restart() {
    core_ = std::make_unique<SchedulerCore>(SchedulerOptions{}, clock_, store_, transport_, 42);
    ASSERT_TRUE(core_->Recover().ok());
  }
  void Register(const std::string& id, const std::string& host) {
    transport_.connected.insert(id);
    core_->OnAgentRegister(test_support::Registration(id, host));
    Commit();
  }
  void Commit() {
    core_->Schedule();
    ASSERT_TRUE(core_->Flush().ok());
  }
  // host → active tasks of job "web" on it.
  std::map<std::string, int> WebTasksByHost() const {
    std::map<std::string, int> out;
    for (const auto& [id, t] : *core_->state().tasks()) {
      if (model::IsActive(t->status)) ++out[t->agent_host];
    }
    return out;
  }
  std::string Mode(const std::string& host) {
    api::Response r = core_->MaintenanceStatus({host});
    if (r.responseCode != api::ResponseCode::OK) return "error";
    const auto& statuses = r.result.maintenanceStatusResult.statuses;
    if (statuses.size() != 1) return "?";
    return api::_MaintenanceMode_VALUES_TO_NAMES.at(statuses.begin()->mode);
  }

  base::ManualClock clock_{1'000'000};
  state::MemoryStore store_;
  FakeTransport transport_;
  std::unique_ptr<SchedulerCore> core_;
};

TEST_F(MaintenanceApiTest, ScheduledIsAvoidedDrainingIsSkippedAndModesSurviveARestart) {
  Register("a1", "h1");
  Register("a2", "h2");
  api::Response started = core_->StartMaintenance({"h1"});
  ASSERT_EQ(started.responseCode, api::ResponseCode::OK);
  Commit();
  ASSERT_EQ(core_->CreateJob(Job("web", 2)).responseCode, api::ResponseCode::OK);
  Commit();
  EXPECT_EQ(WebTasksByHost(), (std::map<std::string, int>{{"h2", 2}})) << "h1 is avoided";

  // Draining h2: both tasks go; their replacements can only go to the SCHEDULED h1.
  api::Response drained = core_->DrainHosts({"h2"});
  ASSERT_EQ(drained.responseCode, api::ResponseCode::OK);
  Commit();
  EXPECT_EQ(Mode("h2"), "DRAINING");
  std::vector<std::string> draining;
  for (const auto& [id, t] : *core_->state().tasks()) {
    if (t->status == ScheduleStatus::kDraining) draining.push_back(std::string(id));
  }
  ASSERT_EQ(draining.size(), 2u);
  for (const std::string& id : draining) {
    agentproto::StatusUpdate u;
    u.uuid = "u-" + id;
    u.taskId = id;
    u.status = api::ScheduleStatus::KILLED;
    core_->OnStatusUpdate("a2", u);
  }
  Commit();
  core_->Tick();
  Commit();
  EXPECT_EQ(Mode("h2"), "DRAINED");
  EXPECT_EQ(WebTasksByHost(), (std::map<std::string, int>{{"h1", 2}}));

  Restart();
  EXPECT_EQ(Mode("h1"), "SCHEDULED");
  EXPECT_EQ(Mode("h2"), "DRAINED");
  ASSERT_EQ(core_->EndMaintenance({"h2"}).responseCode, api::ResponseCode::OK);
  EXPECT_EQ(Mode("h2"), "NONE");
}

TEST_F(MaintenanceApiTest, BadInputIsRefusedNamingTheField) {
  Register("a1", "h1");
  api::Response unknown = core_->DrainHosts({"h1", "nope"});
  EXPECT_EQ(unknown.responseCode, api::ResponseCode::INVALID_REQUEST);
  ASSERT_FALSE(unknown.details.empty());
  EXPECT_EQ(unknown.details[0].message,
            "hosts: unknown host 'nope' (no agent of this cluster has that name)");
  EXPECT_EQ(Mode("h1"), "NONE") << "nothing half-done";
  api::Response no_policy = core_->SlaDrainHosts({"h1"}, api::SlaPolicy(), 60);
  EXPECT_EQ(no_policy.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(no_policy.details[0].message, "defaultSlaPolicy: no policy is set");
  api::SlaPolicy count;
  count.countSlaPolicy.count = 1;
  count.__isset.countSlaPolicy = true;
  api::Response negative = core_->SlaDrainHosts({"h1"}, count, -1);
  EXPECT_EQ(negative.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(negative.details[0].message, "timeoutSecs: must not be negative, got -1");
  EXPECT_EQ(core_->StartMaintenance({}).responseCode, api::ResponseCode::INVALID_REQUEST);
}


// Records what the core publishes to the event stream.
class RecordingSink : public EventSink {
 public:
  void StartAt(uint64_t) override {}
  void Restarted() override {}
  void PublishRecord(uint64_t, std::vector<model::SchedulerEvent>) override {}
  void PublishUnrecorded(std::vector<model::SchedulerEvent> events) override {
    for (auto& e : events) host_events.push_back(std::move(e));
  }
  std::vector<model::SchedulerEvent> host_events;
};

TEST_F(MaintenanceApiTest, ModeChangesReachTheEventStreamAndTheAgentsByModeGauge) {
  RecordingSink sink;
  core_->SetEventSink(&sink);
  Register("a1", "h1");
  Register("a2", "h2");
  ASSERT_EQ(core_->StartMaintenance({"h1"}).responseCode, api::ResponseCode::OK);
  Commit();
  std::vector<std::string> seen;
  for (const auto& e : sink.host_events) {
    if (e.type == "host_maintenance") seen.push_back(e.host + " " + e.status);
  }
  EXPECT_EQ(seen, std::vector<std::string>{"h1 SCHEDULED"});

  base::MetricsRegistry registry;
  std::map<std::string, double> by_mode;
  for (const base::MetricFamily& f : CollectForPrometheus(*core_->view(), registry, {})) {
    if (f.name != "agents_by_mode") continue;
    for (const base::MetricSample& s : f.samples) by_mode[s.label_values.at(0)] = s.value;
  }
  EXPECT_EQ(by_mode, (std::map<std::string, double>{
                         {"DRAINED", 0}, {"DRAINING", 0}, {"NONE", 1}, {"SCHEDULED", 1}}));
}

}  // namespace
}  // namespace borealis::scheduler
