// Component tests of SchedulerCore: real core, ManualClock, MemoryStore, a fake agent
// transport that records what the core sends (core_test_support.h). The pipelined commit
// is tested in commit_test.cc.
#include "borealis/scheduler/scheduler_core.h"

#include <gtest/gtest.h>

#include "borealis/model/task_config.h"
#include "borealis/scheduler/core_test_support.h"
#include "borealis/scheduler/read_api.h"
#include "borealis/scheduler/storage_codec.h"
#include "borealis/wire/convert.h"

namespace borealis::scheduler {
namespace {

using model::ScheduleStatus;
using test_support::FakeTransport;
using test_support::Job;
using test_support::ProdJob;
using test_support::Quota;

class SchedulerCoreTest : public ::testing::Test {
 protected:
  SchedulerCoreTest() { Restart(); }

  void Restart() {
    core_ = std::make_unique<SchedulerCore>(options_, clock_, store_, transport_, 42);
    ASSERT_TRUE(core_->Recover().ok());
  }

  void RegisterAgent(const std::string& id, const std::string& host, int64_t ram_mb = 1024,
                     std::vector<agentproto::AgentTask> tasks = {}) {
    transport_.connected.insert(id);
    core_->OnAgentRegister(test_support::Registration(id, host, ram_mb, std::move(tasks)));
    Commit();
  }

  void Commit() {
    core_->Schedule();
    ASSERT_TRUE(core_->Flush().ok());
  }

  void Report(const model::AgentId& agent, const model::TaskId& task_id, api::ScheduleStatus::type s) {
    agentproto::StatusUpdate u;
    u.uuid = "u-" + std::to_string(++uuid_);
    u.taskId = task_id.str();
    u.status = s;
    core_->OnStatusUpdate(agent, u);
    Commit();
  }

  std::vector<model::Task> Tasks(ScheduleStatus s) const {
    std::vector<model::Task> out;
    for (const auto& [id, t] : *core_->state().tasks()) {
      if (t->status == s) out.push_back(*t);
    }
    return out;
  }

  SchedulerOptions options_;
  base::ManualClock clock_;
  state::MemoryStore store_;
  FakeTransport transport_;
  std::unique_ptr<SchedulerCore> core_;
  int uuid_ = 0;
};

TEST_F(SchedulerCoreTest, CreateJobMakesPendingTasksAndPlacesThem) {
  api::Response r = core_->CreateJob(Job("web", 3));
  ASSERT_EQ(r.responseCode, api::ResponseCode::OK);
  Commit();
  EXPECT_EQ(Tasks(ScheduleStatus::kPending).size(), 3u);

  RegisterAgent("a1", "host1");
  RegisterAgent("a2", "host2");
  EXPECT_EQ(Tasks(ScheduleStatus::kAssigned).size(), 3u);
  auto launches = transport_.Launches();
  ASSERT_EQ(launches.size(), 3u);
  std::set<int32_t> instances;
  for (const auto& l : launches) {
    instances.insert(l.task.instanceId);
    EXPECT_EQ(l.task.assignedPorts.count("http"), 1u);
  }
  EXPECT_EQ(instances, (std::set<int32_t>{0, 1, 2}));
}

TEST_F(SchedulerCoreTest, RegistrationIsAnsweredToThatAgentAndKeepsItsInfo) {
  RegisterAgent("a1", "host1");
  ASSERT_FALSE(transport_.sent.empty());
  EXPECT_EQ(transport_.sent[0].first, "a1");
  EXPECT_TRUE(transport_.sent[0].second.__isset.registered);
  EXPECT_EQ(transport_.sent[0].second.registered.agentId, "a1");
  const AgentRecord& rec = core_->view()->agents->at("a1");
  EXPECT_EQ(rec.info->agent_id, "a1");
  EXPECT_EQ(rec.info->host, "host1");
  EXPECT_TRUE(rec.registered && rec.connected);
}

TEST_F(SchedulerCoreTest, DuplicateCreateIsRefusedAndStoresNothing) {
  ASSERT_EQ(core_->CreateJob(Job("web", 1)).responseCode, api::ResponseCode::OK);
  Commit();
  api::Response r = core_->CreateJob(Job("web", 5));
  EXPECT_EQ(r.responseCode, api::ResponseCode::INVALID_REQUEST);
  ASSERT_FALSE(r.details.empty());
  EXPECT_NE(r.details[0].message.find("already exists"), std::string::npos);
  Commit();
  EXPECT_EQ(core_->state().task_count(), 1u);
}

TEST_F(SchedulerCoreTest, JobLargerThanAnyAgentIsRefusedWithReason) {
  RegisterAgent("a1", "host1", /*ram_mb=*/512);
  api::Response r = core_->CreateJob(Job("big", 1, true, /*ram_mb=*/64000));
  EXPECT_EQ(r.responseCode, api::ResponseCode::INVALID_REQUEST);
  ASSERT_FALSE(r.details.empty());
  EXPECT_NE(r.details[0].message.find("ram"), std::string::npos) << r.details[0].message;
  Commit();
  EXPECT_EQ(core_->state().task_count(), 0u);
}

TEST_F(SchedulerCoreTest, BadJobsAreRefusedNamingTheField) {
  api::JobConfiguration bad_env = Job("web", 1);
  bad_env.key.environment = "nope";
  bad_env.taskConfig.job.environment = "nope";
  api::Response r = core_->CreateJob(bad_env);
  EXPECT_EQ(r.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_NE(r.details.at(0).message.find("environment"), std::string::npos);

  api::Response zero = core_->CreateJob(Job("web", 0));
  EXPECT_EQ(zero.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_NE(zero.details.at(0).message.find("instanceCount"), std::string::npos);

  api::JobConfiguration cron = Job("c", 1, false);
  cron.__set_cronSchedule("* * * * *");
  api::Response c = core_->CreateJob(cron);
  EXPECT_NE(c.responseCode, api::ResponseCode::OK);
  EXPECT_EQ(c.details.at(0).message,
            "Cron jobs may only be created/updated by calling scheduleCronJob.");

  api::JobConfiguration docker = Job("d", 1);
  api::DockerContainer image;
  image.__set_image("nginx:1.25");
  api::Container container;
  container.__set_docker(image);
  docker.taskConfig.__set_container(container);
  api::Response d = core_->CreateJob(docker);
  EXPECT_EQ(d.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_NE(d.details.at(0).message.find("container type DOCKER is not allowed"),
            std::string::npos);

  api::JobConfiguration volumes = Job("v", 1);
  api::Volume volume;
  volume.__set_containerPath("/data");
  volume.__set_hostPath("/srv/data");
  volume.__set_mode(api::Mode::RO);
  api::MesosContainer mesos;
  mesos.__set_volumes({volume});
  api::Container with_volume;
  with_volume.__set_mesos(mesos);
  volumes.taskConfig.__set_container(with_volume);
  api::Response v = core_->CreateJob(volumes);
  EXPECT_EQ(v.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_NE(v.details.at(0).message.find("may not mount volumes"), std::string::npos);
  Commit();
  EXPECT_EQ(core_->state().task_count(), 0u);
}

TEST_F(SchedulerCoreTest, ServiceTaskThatEndsIsRescheduled) {
  RegisterAgent("a1", "host1");
  core_->CreateJob(Job("web", 1));
  Commit();
  auto assigned = Tasks(ScheduleStatus::kAssigned);
  ASSERT_EQ(assigned.size(), 1u);
  const model::TaskId id = assigned[0].task_id;
  Report("a1", id, api::ScheduleStatus::STARTING);
  Report("a1", id, api::ScheduleStatus::RUNNING);
  EXPECT_EQ(core_->state().FindTask(id)->status, ScheduleStatus::kRunning);
  Report("a1", id, api::ScheduleStatus::FAILED);
  EXPECT_EQ(core_->state().FindTask(id)->status, ScheduleStatus::kFailed);
  // The replacement was placed at once, on the only agent.
  auto replacement = Tasks(ScheduleStatus::kAssigned);
  ASSERT_EQ(replacement.size(), 1u);
  EXPECT_EQ(replacement[0].ancestor_id, id);
  EXPECT_EQ(replacement[0].instance_id, 0);
}

TEST_F(SchedulerCoreTest, StatusUpdatesAreAcknowledgedAfterCommit) {
  RegisterAgent("a1", "host1");
  core_->CreateJob(Job("web", 1));
  Commit();
  const model::TaskId id = Tasks(ScheduleStatus::kAssigned).at(0).task_id;
  transport_.sent.clear();
  agentproto::StatusUpdate u;
  u.uuid = "the-uuid";
  u.taskId = id.str();
  u.status = api::ScheduleStatus::RUNNING;
  core_->OnStatusUpdate("a1", u);
  EXPECT_TRUE(transport_.sent.empty()) << "nothing leaves before the commit";
  store_.FailNextAppend(absl::UnavailableError("disk full"));
  EXPECT_FALSE(core_->Flush().ok());
  EXPECT_TRUE(transport_.sent.empty()) << "a failed commit acknowledges nothing";
}

TEST_F(SchedulerCoreTest, KillMovesToKillingAndSendsKill) {
  RegisterAgent("a1", "host1");
  core_->CreateJob(Job("web", 2));
  Commit();
  for (const auto& t : Tasks(ScheduleStatus::kAssigned)) {
    Report("a1", t.task_id, api::ScheduleStatus::RUNNING);
  }
  api::Response r = core_->KillTasks(model::JobKey{"www-data", "devel", "web"}, {1}, "");
  ASSERT_EQ(r.responseCode, api::ResponseCode::OK);
  Commit();
  auto killing = Tasks(ScheduleStatus::kKilling);
  ASSERT_EQ(killing.size(), 1u);
  EXPECT_EQ(killing[0].instance_id, 1);
  EXPECT_EQ(transport_.Kills(), std::vector<std::string>{killing[0].task_id.str()});
  Report("a1", killing[0].task_id, api::ScheduleStatus::KILLED);
  EXPECT_EQ(Tasks(ScheduleStatus::kKilled).size(), 1u);
  EXPECT_TRUE(Tasks(ScheduleStatus::kPending).empty()) << "a user kill never reschedules";
  EXPECT_TRUE(Tasks(ScheduleStatus::kAssigned).empty());
}

TEST_F(SchedulerCoreTest, RestartShardsMovesTheTaskToRestartingAndKillsIt) {
  RegisterAgent("a1", "host1");
  core_->CreateJob(Job("web", 2));
  Commit();
  for (const auto& t : Tasks(ScheduleStatus::kAssigned)) {
    Report("a1", t.task_id, api::ScheduleStatus::RUNNING);
  }
  const model::JobKey job{"www-data", "devel", "web"};
  ASSERT_EQ(core_->RestartShards(job, {1}).responseCode, api::ResponseCode::OK);
  Commit();
  auto restarting = Tasks(ScheduleStatus::kRestarting);
  ASSERT_EQ(restarting.size(), 1u);
  const model::Task old = restarting[0];
  EXPECT_EQ(old.instance_id, 1);
  EXPECT_EQ(old.events.back().message, "Restarted by request");
  EXPECT_EQ(transport_.Kills(), std::vector<std::string>{old.task_id.str()});
  Restart();  // RESTARTING is durable
  auto recovered = Tasks(ScheduleStatus::kRestarting);
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered[0].task_id, old.task_id);
  EXPECT_EQ(recovered[0].events.back().message, "Restarted by request");
}

TEST_F(SchedulerCoreTest, RestartShardsEndsWithKilledAndAReplacement) {
  RegisterAgent("a1", "host1");
  core_->CreateJob(Job("web", 1));
  Commit();
  const model::Task first = Tasks(ScheduleStatus::kAssigned).at(0);
  Report("a1", first.task_id, api::ScheduleStatus::RUNNING);
  ASSERT_EQ(core_->RestartShards(model::JobKey{"www-data", "devel", "web"}, {0}).responseCode,
            api::ResponseCode::OK);
  Commit();
  Report("a1", first.task_id, api::ScheduleStatus::KILLED);
  EXPECT_EQ(Tasks(ScheduleStatus::kKilled).size(), 1u);
  auto assigned = Tasks(ScheduleStatus::kAssigned);
  ASSERT_EQ(assigned.size(), 1u) << "the replacement is placed again";
  EXPECT_EQ(assigned[0].instance_id, 0);
  EXPECT_EQ(assigned[0].ancestor_id, first.task_id);
  EXPECT_EQ(assigned[0].failure_count, 0);
  EXPECT_EQ(*assigned[0].config, *first.config) << "the same configuration";
  EXPECT_NE(assigned[0].task_id, first.task_id);
}

TEST_F(SchedulerCoreTest, RestartShardsRefusesInactiveInstancesAndRestartsNothing) {
  RegisterAgent("a1", "host1");
  core_->CreateJob(Job("web", 2));
  Commit();
  const model::JobKey job{"www-data", "devel", "web"};
  api::Response r = core_->RestartShards(job, {1, 5, 7});
  ASSERT_EQ(r.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(r.details.at(0).message,
            "Not all requested shards are active. Instance(s) 5, 7 of www-data/devel/web have "
            "no active task.");
  EXPECT_EQ(core_->RestartShards(job, {}).responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(core_->RestartShards(model::JobKey{"www-data", "devel", "nope"}, {0}).responseCode,
            api::ResponseCode::INVALID_REQUEST);
  Commit();
  EXPECT_TRUE(Tasks(ScheduleStatus::kRestarting).empty());
  EXPECT_TRUE(transport_.Kills().empty());
}

TEST_F(SchedulerCoreTest, RestartShardsIsRefusedWhileTheJobIsUpdating) {
  RegisterAgent("a1", "host1");
  api::JobConfiguration job = Job("web", 2);
  ASSERT_EQ(core_->CreateJob(job).responseCode, api::ResponseCode::OK);
  Commit();
  api::JobUpdateRequest request;
  request.taskConfig = job.taskConfig;
  api::JobKey key;
  key.role = "www-data";
  key.environment = "devel";
  key.name = "web";
  request.taskConfig.__set_job(key);
  request.taskConfig.priority += 1;
  request.instanceCount = 2;
  request.settings.updateGroupSize = 1;
  api::QueueJobUpdateStrategy queue;
  queue.groupSize = 1;
  request.settings.updateStrategy.__set_queueStrategy(queue);
  request.settings.__isset.updateStrategy = true;
  api::Response started = core_->StartJobUpdate(request, "", "alice");
  ASSERT_EQ(started.responseCode, api::ResponseCode::OK) << started.details.at(0).message;
  Commit();
  api::Response r = core_->RestartShards(model::JobKey{"www-data", "devel", "web"}, {0});
  EXPECT_EQ(r.responseCode, api::ResponseCode::JOB_UPDATING_ERROR);
}

TEST_F(SchedulerCoreTest, KillOfPendingTasksDeletesThem) {
  core_->CreateJob(Job("web", 2));
  Commit();
  core_->KillTasks(model::JobKey{"www-data", "devel", "web"}, {}, "");
  Commit();
  EXPECT_EQ(core_->state().task_count(), 0u);
  api::Response again =
      core_->KillTasks(model::JobKey{"www-data", "devel", "web"}, {}, "");
  EXPECT_EQ(again.responseCode, api::ResponseCode::OK);
  EXPECT_EQ(again.details.at(0).message, "No tasks to kill.");
}

TEST_F(SchedulerCoreTest, KillIsRetriedUntilConfirmed) {
  options_.kill_retry_ms = 1000;
  Restart();
  RegisterAgent("a1", "host1");
  core_->CreateJob(Job("web", 1));
  Commit();
  const model::TaskId id = Tasks(ScheduleStatus::kAssigned).at(0).task_id;
  Report("a1", id, api::ScheduleStatus::RUNNING);
  core_->KillTasks(model::JobKey{"www-data", "devel", "web"}, {}, "");
  Commit();
  EXPECT_EQ(transport_.Kills().size(), 1u);
  clock_.AdvanceMs(500);
  core_->Tick();
  Commit();
  EXPECT_EQ(transport_.Kills().size(), 1u);
  clock_.AdvanceMs(600);
  core_->Tick();
  Commit();
  EXPECT_EQ(transport_.Kills().size(), 2u);
}

TEST_F(SchedulerCoreTest, SilentAgentLosesItsTasksWhichRunElsewhere) {
  options_.agent_timeout_ms = 5000;
  Restart();
  RegisterAgent("a1", "host1");
  core_->CreateJob(Job("web", 2));
  Commit();
  for (const auto& t : Tasks(ScheduleStatus::kAssigned)) Report("a1", t.task_id, api::ScheduleStatus::RUNNING);
  RegisterAgent("a2", "host2");
  core_->OnAgentDisconnected("a1");
  transport_.connected.erase("a1");
  Commit();
  clock_.AdvanceMs(3000);
  core_->OnHeartbeat("a2");
  core_->Tick();
  Commit();
  EXPECT_EQ(Tasks(ScheduleStatus::kRunning).size(), 2u) << "not silent long enough yet";
  clock_.AdvanceMs(3000);
  core_->OnHeartbeat("a2");
  core_->Tick();
  Commit();
  EXPECT_EQ(Tasks(ScheduleStatus::kLost).size(), 2u);
  auto moved = Tasks(ScheduleStatus::kAssigned);
  ASSERT_EQ(moved.size(), 2u);
  for (const auto& t : moved) EXPECT_EQ(t.agent_id, "a2");
}

TEST_F(SchedulerCoreTest, RestartRecoversTheSameStateFromTheStore) {
  options_.snapshot_every_records = 3;  // exercise snapshot + tail
  Restart();
  RegisterAgent("a1", "host1");
  core_->CreateJob(Job("web", 3));
  Commit();
  for (const auto& t : Tasks(ScheduleStatus::kAssigned)) Report("a1", t.task_id, api::ScheduleStatus::RUNNING);
  core_->CreateJob(Job("other", 1));
  Commit();
  auto before = core_->state().AllTasks();
  Restart();
  auto after = core_->state().AllTasks();
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_TRUE(model::SameTask(before[i], after[i])) << before[i].task_id;
  }
}

// Without a snapshot, every status update is replayed from the log, where it is stored as a
// change to the task (storage_codec): the recovered tasks are the same, events included.
TEST_F(SchedulerCoreTest, RestartReplaysStatusChangesFromTheLog) {
  options_.snapshot_every_records = 1'000'000;
  Restart();
  RegisterAgent("a1", "host1");
  core_->CreateJob(Job("web", 2));
  Commit();
  for (const auto& t : Tasks(ScheduleStatus::kAssigned)) {
    Report("a1", t.task_id, api::ScheduleStatus::STARTING);
    Report("a1", t.task_id, api::ScheduleStatus::RUNNING);
  }
  const auto running = Tasks(ScheduleStatus::kRunning);
  ASSERT_EQ(running.size(), 2u);
  Report("a1", running[0].task_id, api::ScheduleStatus::FAILED);  // rescheduled
  auto before = core_->state().AllTasks();
  Restart();
  auto after = core_->state().AllTasks();
  ASSERT_EQ(before.size(), 3u);
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_TRUE(model::SameTask(before[i], after[i])) << before[i].task_id;
  }
}

// A log whose change names a task it never stored is refused, naming the task.
TEST_F(SchedulerCoreTest, AChangeToAnUnknownTaskIsDataLoss) {
  state::TaskDelta delta;
  delta.task_id = "ghost";
  delta.status = ScheduleStatus::kRunning;
  ASSERT_TRUE(store_.Append({EncodeTransaction({state::ChangeTasks{{delta}}})}).ok());
  core_ = std::make_unique<SchedulerCore>(options_, clock_, store_, transport_, 42);
  absl::Status s = core_->Recover();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("ghost"), std::string::npos) << s;
}

TEST_F(SchedulerCoreTest, ReRegistrationReconcilesTasks) {
  RegisterAgent("a1", "host1");
  core_->CreateJob(Job("web", 2));
  Commit();
  auto tasks = Tasks(ScheduleStatus::kAssigned);
  ASSERT_EQ(tasks.size(), 2u);
  for (const auto& t : tasks) Report("a1", t.task_id, api::ScheduleStatus::RUNNING);
  // The agent comes back knowing one of the two tasks, plus one we never placed.
  agentproto::AgentTask known;
  known.taskId = tasks[0].task_id.str();
  known.status = api::ScheduleStatus::RUNNING;
  agentproto::AgentTask stray;
  stray.taskId = "stray-task";
  stray.status = api::ScheduleStatus::RUNNING;
  transport_.sent.clear();
  RegisterAgent("a1", "host1", 1024, {known, stray});
  EXPECT_EQ(core_->state().FindTask(tasks[0].task_id)->status, ScheduleStatus::kRunning);
  EXPECT_EQ(core_->state().FindTask(tasks[1].task_id)->status, ScheduleStatus::kLost);
  EXPECT_EQ(transport_.Kills(), std::vector<std::string>{"stray-task"});
}

TEST_F(SchedulerCoreTest, ReadApiAnswersFromThePublishedView) {
  RegisterAgent("a1", "host1");
  core_->CreateJob(Job("web", 2));
  Commit();
  auto view = core_->view();
  api::TaskQuery q;
  q.__set_role("www-data");
  api::Response r = GetTasks(*view, q, true);
  ASSERT_EQ(r.result.scheduleStatusResult.tasks.size(), 2u);
  EXPECT_TRUE(r.result.scheduleStatusResult.tasks[0].assignedTask.task.executorConfig.data.empty());
  api::Response jobs = GetJobs(*view, "www-data");
  ASSERT_EQ(jobs.result.getJobsResult.configs.size(), 1u);
  EXPECT_EQ(jobs.result.getJobsResult.configs.begin()->instanceCount, 2);
  api::Response summary = GetRoleSummary(*view);
  ASSERT_EQ(summary.result.roleSummaryResult.summaries.size(), 1u);
  EXPECT_EQ(summary.result.roleSummaryResult.summaries.begin()->jobCount, 1);
}

TEST_F(SchedulerCoreTest, UnplaceableTasksCarryAReason) {
  RegisterAgent("a1", "host1", /*ram_mb=*/100);
  core_->CreateJob(Job("web", 2, true, /*ram_mb=*/60));
  Commit();
  EXPECT_EQ(Tasks(ScheduleStatus::kAssigned).size(), 1u);
  auto pending = Tasks(ScheduleStatus::kPending);
  ASSERT_EQ(pending.size(), 1u);
  api::TaskQuery q;
  q.__set_jobName("web");
  api::Response r = GetPendingReason(*core_->view(), q);
  ASSERT_EQ(r.result.getPendingReasonResult.reasons.size(), 1u);
  EXPECT_NE(r.result.getPendingReasonResult.reasons.begin()->reason.find("ram"), std::string::npos)
      << r.result.getPendingReasonResult.reasons.begin()->reason;
}

// ---- flapping, tiers, quota

TEST_F(SchedulerCoreTest, FlappingTaskIsThrottledThenPendingAfterThePenalty) {
  RegisterAgent("a1", "host1");
  core_->CreateJob(Job("web", 1));
  Commit();
  // Two quick failures: the second replacement's parent's parent flapped → THROTTLED.
  model::TaskId id;
  for (int run = 0; run < 2; ++run) {
    auto assigned = Tasks(ScheduleStatus::kAssigned);
    ASSERT_EQ(assigned.size(), 1u) << "run " << run;
    id = assigned[0].task_id;
    Report("a1", id, api::ScheduleStatus::RUNNING);
    clock_.AdvanceMs(1000);
    Report("a1", id, api::ScheduleStatus::FAILED);
  }
  auto throttled = Tasks(ScheduleStatus::kThrottled);
  ASSERT_EQ(throttled.size(), 1u);
  EXPECT_EQ(throttled[0].ancestor_id, id);
  EXPECT_EQ(throttled[0].events.back().message,
            "Rescheduled, penalized for 30000 ms for flapping");
  // The release delay is recomputed from its two flapped ancestors: in [30 s, 60 s).
  clock_.AdvanceMs(29'000);
  core_->OnHeartbeat("a1");
  core_->Tick();
  Commit();
  EXPECT_EQ(Tasks(ScheduleStatus::kThrottled).size(), 1u);
  clock_.AdvanceMs(31'000);
  core_->OnHeartbeat("a1");
  core_->Tick();
  Commit();
  EXPECT_TRUE(Tasks(ScheduleStatus::kThrottled).empty());
  const model::Task* released = core_->state().FindTask(throttled[0].task_id);
  ASSERT_NE(released, nullptr);
  EXPECT_EQ(released->status, ScheduleStatus::kAssigned);  // PENDING, then placed
  ASSERT_GE(released->events.size(), 3u);
  EXPECT_EQ(released->events[1].status, ScheduleStatus::kPending);
  EXPECT_EQ(released->events[1].message, "");
}

TEST_F(SchedulerCoreTest, LongRunsAreNotThrottled) {
  RegisterAgent("a1", "host1");
  core_->CreateJob(Job("web", 1));
  Commit();
  for (int run = 0; run < 3; ++run) {
    auto assigned = Tasks(ScheduleStatus::kAssigned);
    ASSERT_EQ(assigned.size(), 1u) << "run " << run;
    Report("a1", assigned[0].task_id, api::ScheduleStatus::RUNNING);
    clock_.AdvanceMs(10 * 60'000);
    core_->OnHeartbeat("a1");
    Report("a1", assigned[0].task_id, api::ScheduleStatus::FAILED);
  }
  EXPECT_TRUE(Tasks(ScheduleStatus::kThrottled).empty());
}

TEST_F(SchedulerCoreTest, UnknownTierIsRefusedAndTierIsBackfilled) {
  api::JobConfiguration gold = Job("web", 1);
  gold.taskConfig.__set_tier("gold");
  api::Response r = core_->CreateJob(gold);
  EXPECT_EQ(r.responseCode, api::ResponseCode::INVALID_REQUEST);
  ASSERT_FALSE(r.details.empty());
  EXPECT_NE(r.details[0].message.find("unknown tier 'gold'"), std::string::npos)
      << r.details[0].message;

  ASSERT_EQ(core_->CreateJob(Job("plain", 1)).responseCode, api::ResponseCode::OK);
  Commit();
  auto pending = Tasks(ScheduleStatus::kPending);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].config->tier, "preemptible");
  EXPECT_FALSE(pending[0].config->production);
}

TEST_F(SchedulerCoreTest, CustomTierConfigIsUsedAndReported) {
  options_.tiers.default_tier = "batch";
  options_.tiers.tiers = {{"batch", {true, false}}, {"gold", {false, false}}};
  Restart();
  api::JobConfiguration gold = Job("web", 1);
  gold.taskConfig.__set_tier("gold");
  gold.taskConfig.__set_production(false);
  // Production quota is needed for a non-preemptible tier.
  ASSERT_EQ(core_->SetQuota("www-data", Quota(1, 1024, 1024)).responseCode,
            api::ResponseCode::OK);
  ASSERT_EQ(core_->CreateJob(gold).responseCode, api::ResponseCode::OK);
  Commit();
  auto pending = Tasks(ScheduleStatus::kPending);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_TRUE(pending[0].config->production);
  api::Response tiers = GetTierConfigs(*core_->view()->tiers);
  EXPECT_EQ(tiers.result.getTierConfigResult.defaultTierName, "batch");
  EXPECT_EQ(tiers.result.getTierConfigResult.tiers.size(), 2u);
}

TEST_F(SchedulerCoreTest, ProductionJobOverQuotaIsRefusedWithReason) {
  // No quota at all: a production job is refused, a non-production one is not.
  api::Response none = core_->CreateJob(ProdJob("web", 1));
  EXPECT_EQ(none.responseCode, api::ResponseCode::INVALID_REQUEST);
  ASSERT_FALSE(none.details.empty());
  EXPECT_NE(none.details[0].message.find("Insufficient resource quota"), std::string::npos);
  EXPECT_EQ(core_->CreateJob(Job("batch", 1)).responseCode, api::ResponseCode::OK);

  // 0.25 cpu allows two 0.1 cpu tasks, not three.
  ASSERT_EQ(core_->SetQuota("www-data", Quota(0.25, 1024, 1024)).responseCode,
            api::ResponseCode::OK);
  Commit();
  api::Response three = core_->CreateJob(ProdJob("web", 3));
  ASSERT_FALSE(three.details.empty());
  EXPECT_EQ(three.details[0].message,
            "Insufficient resource quota for role 'www-data': numCpus: requested 0.300 + "
            "consumed 0.000 > quota 0.250");
  ASSERT_EQ(core_->CreateJob(ProdJob("web", 2)).responseCode, api::ResponseCode::OK);
  Commit();

  api::Response q = GetQuota(*core_->view(), "www-data");
  ASSERT_EQ(q.responseCode, api::ResponseCode::OK);
  const api::GetQuotaResult& result = q.result.getQuotaResult;
  auto prod = wire::FromThrift(result.prodSharedConsumption);
  auto nonprod = wire::FromThrift(result.nonProdSharedConsumption);
  ASSERT_TRUE(prod.ok() && nonprod.ok());
  EXPECT_EQ(prod->milli_cpus, 200);
  EXPECT_EQ(prod->ram_mb, 128);
  EXPECT_EQ(nonprod->milli_cpus, 100);

  // setQuota refuses going below what production already uses, and negative values.
  api::Response below = core_->SetQuota("www-data", Quota(0.1, 1024, 1024));
  EXPECT_EQ(below.responseCode, api::ResponseCode::INVALID_REQUEST);
  api::Response negative = core_->SetQuota("www-data", Quota(1, -1, 1024));
  EXPECT_EQ(negative.responseCode, api::ResponseCode::INVALID_REQUEST);
}

model::InstanceKey Instance(const std::string& job, int32_t instance) {
  return {wire::FromThrift(Job(job, 1).key), instance};
}

std::string FirstMessage(const api::Response& r) {
  return r.details.empty() ? "" : r.details[0].message;
}

TEST_F(SchedulerCoreTest, AddInstancesClonesAnActiveInstanceAfterTheHighestId) {
  RegisterAgent("a1", "host1");
  ASSERT_EQ(core_->CreateJob(Job("web", 3)).responseCode, api::ResponseCode::OK);
  Commit();
  ASSERT_EQ(core_->AddInstances(Instance("web", 1), 2).responseCode, api::ResponseCode::OK);
  Commit();
  std::map<int32_t, const model::TaskConfig*> configs;
  for (const auto& [id, t] : *core_->state().tasks()) configs[t->instance_id] = t->config.get();
  ASSERT_EQ(configs.size(), 5u);
  EXPECT_EQ(configs.rbegin()->first, 4);
  EXPECT_EQ(configs[3], configs[1]);  // the same TaskConfig object, shared
  EXPECT_EQ(configs[4], configs[1]);
  EXPECT_EQ(transport_.Launches().size(), 5u);  // the new ones are placed like any other
  Restart();  // and they are in the log
  EXPECT_EQ(core_->state().task_count(), 5u);
}

TEST_F(SchedulerCoreTest, AddInstancesRefusalsNameWhatWasWrong) {
  options_.max_instances_per_job = 4;
  Restart();
  ASSERT_EQ(core_->CreateJob(Job("web", 3)).responseCode, api::ResponseCode::OK);
  Commit();
  api::Response zero = core_->AddInstances(Instance("web", 0), 0);
  EXPECT_EQ(zero.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(FirstMessage(zero), "count: must be at least 1, got 0");
  api::Response missing = core_->AddInstances(Instance("web", 7), 1);
  EXPECT_EQ(missing.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_NE(FirstMessage(missing).find("instanceId: no active task"), std::string::npos);
  api::Response other = core_->AddInstances(Instance("nope", 0), 1);
  EXPECT_EQ(other.responseCode, api::ResponseCode::INVALID_REQUEST);
  api::Response over = core_->AddInstances(Instance("web", 0), 2);
  EXPECT_EQ(over.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_NE(FirstMessage(over).find("exceeds the limit of 4"), std::string::npos);
  Commit();
  EXPECT_EQ(core_->state().task_count(), 3u);  // nothing was added by any of them
}

TEST_F(SchedulerCoreTest, AddInstancesToAProductionJobIsCheckedAgainstQuota) {
  // 0.25 cpu: two 0.1 cpu production tasks fit, a third does not.
  ASSERT_EQ(core_->SetQuota("www-data", Quota(0.25, 1024, 1024)).responseCode,
            api::ResponseCode::OK);
  ASSERT_EQ(core_->CreateJob(ProdJob("web", 1)).responseCode, api::ResponseCode::OK);
  Commit();
  api::Response two = core_->AddInstances(Instance("web", 0), 2);
  EXPECT_EQ(two.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(FirstMessage(two),
            "Insufficient resource quota for role 'www-data': numCpus: requested 0.200 + "
            "consumed 0.100 > quota 0.250");
  EXPECT_EQ(core_->AddInstances(Instance("web", 0), 1).responseCode, api::ResponseCode::OK);
  Commit();
  EXPECT_EQ(core_->state().task_count(), 2u);
}

TEST_F(SchedulerCoreTest, QuotaSurvivesRestart) {
  options_.snapshot_every_records = 2;  // exercise snapshot + log tail
  Restart();
  ASSERT_EQ(core_->SetQuota("www-data", Quota(2, 4096, 8192)).responseCode,
            api::ResponseCode::OK);
  Commit();
  ASSERT_EQ(core_->SetQuota("other", Quota(1, 1, 1)).responseCode, api::ResponseCode::OK);
  Commit();
  ASSERT_EQ(core_->SetQuota("third", Quota(3, 3, 3)).responseCode, api::ResponseCode::OK);
  Commit();
  Restart();
  const model::Resources* q = core_->state().FindQuota("www-data");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->milli_cpus, 2000);
  EXPECT_EQ(q->ram_mb, 4096);
  EXPECT_EQ(q->disk_mb, 8192);
  EXPECT_EQ(core_->state().quotas().size(), 3u);
  api::Response r = GetQuota(*core_->view(), "www-data");
  auto quota = wire::FromThrift(r.result.getQuotaResult.quota);
  ASSERT_TRUE(quota.ok());
  EXPECT_EQ(quota->ram_mb, 4096);
}

}  // namespace
}  // namespace borealis::scheduler
