// Component tests of the scheduler's timed rules: preemption with slot holding, partitioned
// tasks, history pruning and reconciliation. Real SchedulerCore, ManualClock, MemoryStore
// and the fake agent transport of core_test_support.h.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "borealis/model/job_key.h"
#include "borealis/model/task.h"
#include "borealis/model/task_config.h"
#include "borealis/scheduler/core_test_support.h"
#include "borealis/scheduler/pending_tasks.h"
#include "borealis/scheduler/scheduler_core.h"
#include "borealis/wire/convert.h"

namespace borealis::scheduler {
namespace {

using model::ScheduleStatus;

struct JobSpec {
  std::string role = "www-data";
  std::string name = "web";
  int instances = 1;
  std::string tier = "preemptible";
  int32_t priority = 0;
  int64_t milli_cpus = 1000;
  std::optional<model::PartitionPolicy> partition_policy;
  bool service = true;

  JobSpec& Name(std::string v) { name = std::move(v); return *this; }
  JobSpec& Instances(int v) { instances = v; return *this; }
  JobSpec& Tier(std::string v) { tier = std::move(v); return *this; }
  JobSpec& Priority(int32_t v) { priority = v; return *this; }
  JobSpec& Partition(model::PartitionPolicy v) { partition_policy = v; return *this; }
  JobSpec& Service(bool v) { service = v; return *this; }
  JobSpec& Cpus(int64_t v) { milli_cpus = v; return *this; }
};

api::JobConfiguration Job(const JobSpec& spec) {
  model::JobConfiguration job;
  job.key = {spec.role, "devel", spec.name};
  job.owner_user = spec.role;
  job.instance_count = spec.instances;
  job.task.job = job.key;
  job.task.owner_user = spec.role;
  job.task.is_service = spec.service;
  job.task.tier = spec.tier;
  job.task.priority = spec.priority;
  job.task.resources = {spec.milli_cpus, 64, 32, 0, {}};
  job.task.executor_data = "{}";
  job.task.partition_policy = spec.partition_policy;
  return wire::ToThrift(job);
}

class RulesTest : public test_support::CoreTest {
 protected:
  RulesTest() {
    options_.executor_overhead = {};
    options_.agent_timeout_ms = 5000;
    options_.rules.preemption_delay_ms = 1000;
    options_.rules.preemption_slot_search_initial_delay_ms = 1000;
    options_.rules.preemption_slot_search_interval_ms = 1000;
    options_.rules.preemption_slot_hold_time_ms = 10'000;
    options_.rules.reconciliation_initial_delay_ms = 100'000;
    options_.rules.reconciliation_schedule_spread_ms = 50'000;
    Restart();
    model::Resources quota;
    quota.milli_cpus = 100'000;
    quota.ram_mb = 100'000;
    quota.disk_mb = 100'000;
    core_->SetQuota("www-data", wire::ToResourceAggregate(quota));
    Commit();
  }

  // A new core over the same store; its first Tick starts the rules' timers.
  void Restart() {
    StartCore(7);
    core_->Tick();
    Commit();
  }

  void RegisterAgent(const std::string& id, int64_t milli_cpus,
                     std::vector<agentproto::AgentTask> tasks = {}) {
    agentproto::RegisterAgent r;
    r.agentId = id;
    r.host = id + ".example";
    r.resources.milliCpus = milli_cpus;
    r.resources.ramMb = 100000;
    r.resources.diskMb = 100000;
    r.tasks = std::move(tasks);
    core_->OnAgentRegister(r);
    Commit();
  }

  void Tick(int64_t advance_ms) {
    clock_.AdvanceMs(advance_ms);
    core_->Tick();
    Commit();
  }

  void Report(const model::AgentId& agent, const model::TaskId& task_id, api::ScheduleStatus::type s,
              const std::string& message = "") {
    SendStatus(agent.str(), task_id.str(), s, message);
    Commit();
  }

  std::vector<model::Task> Tasks(ScheduleStatus s, const std::string& job = "") const {
    std::vector<model::Task> out;
    for (const auto& [id, t] : *core_->state().tasks()) {
      if (t->status == s && (job.empty() || t->job().name == job)) out.push_back(*t);
    }
    return out;
  }

  int64_t Counter(const std::string& name) const {
    auto c = core_->view()->counters;
    auto it = c.find(name);
    return it == c.end() ? 0 : it->second;
  }

};

TEST_F(RulesTest, ProductionTaskPreemptsBatchTaskAndGetsTheHeldHost) {
  RegisterAgent("a1", 2000);
  ASSERT_EQ(core_->CreateJob(Job(JobSpec().Name("batch").Instances(2))).responseCode,
            api::ResponseCode::OK);
  Commit();
  for (const auto& t : Tasks(ScheduleStatus::kAssigned)) {
    Report("a1", t.task_id, api::ScheduleStatus::RUNNING);
  }
  ASSERT_EQ(core_->CreateJob(Job(JobSpec().Name("prod").Tier("preferred"))).responseCode,
            api::ResponseCode::OK);
  Commit();
  auto pending = Tasks(ScheduleStatus::kPending, "prod");
  ASSERT_EQ(pending.size(), 1u);
  Tick(500);
  EXPECT_TRUE(Tasks(ScheduleStatus::kPreempting).empty()) << "not pending long enough yet";
  Tick(600);
  auto preempting = Tasks(ScheduleStatus::kPreempting);
  ASSERT_EQ(preempting.size(), 1u);
  EXPECT_EQ(preempting[0].events.back().message,
            "Preempting in favor of " + pending[0].task_id.str());
  EXPECT_EQ(transport_.Kills(), std::vector<std::string>{preempting[0].task_id.str()});

  // The victim dies; its replacement must not take the freed room: it is held.
  Report("a1", preempting[0].task_id, api::ScheduleStatus::KILLED);
  Tick(100);
  auto prod = core_->state().FindTask(pending[0].task_id);
  ASSERT_NE(prod, nullptr);
  EXPECT_EQ(prod->status, ScheduleStatus::kAssigned);
  EXPECT_EQ(prod->agent_id, "a1");
  auto replacement = Tasks(ScheduleStatus::kPending, "batch");
  ASSERT_EQ(replacement.size(), 1u) << "the preempted batch task is rescheduled";
  EXPECT_EQ(Counter("preemptor_slots_used"), 1);
}

// The preemptor keeps its search between searches and re-reads only agents whose tasks
// changed: a host untouched since the last search keeps its victims, a host that
// registered since is read, and a host whose tasks changed is read again.
TEST_F(RulesTest, KeptPreemptionSearchSeesWhatChangedBetweenSearches) {
  RegisterAgent("a1", 1000);
  RegisterAgent("a2", 1000);
  core_->CreateJob(Job(JobSpec().Name("batch").Instances(2)));
  Commit();
  for (const auto& t : Tasks(ScheduleStatus::kAssigned)) {
    Report(t.agent_id, t.task_id, api::ScheduleStatus::RUNNING);
  }
  auto victim_agent = [this](const std::string& job) {
    auto preempting = Tasks(ScheduleStatus::kPreempting, job);
    return preempting.size() == 1 ? preempting[0].agent_id.str() : std::string("none");
  };

  // First search: a1 and a2 each need one victim; a1 has the smaller id.
  core_->CreateJob(Job(JobSpec().Name("p1").Tier("preferred")));
  Commit();
  Tick(1100);
  ASSERT_EQ(victim_agent("batch"), "a1");
  Report("a1", Tasks(ScheduleStatus::kPreempting)[0].task_id, api::ScheduleStatus::KILLED);
  Tick(100);
  ASSERT_EQ(core_->state().FindTask(Tasks(ScheduleStatus::kAssigned, "p1")[0].task_id)->agent_id,
            "a1");

  // Second search: a1 now runs p1 (production: no victim); a2 has not changed since the
  // first search, and its batch task is still the victim.
  core_->CreateJob(Job(JobSpec().Name("p2").Tier("preferred")));
  Commit();
  Tick(1100);
  EXPECT_EQ(victim_agent("batch"), "a2");
  const model::TaskId second_victim = Tasks(ScheduleStatus::kPreempting)[0].task_id;
  Report("a2", second_victim, api::ScheduleStatus::KILLED);
  Tick(100);
  ASSERT_EQ(Tasks(ScheduleStatus::kAssigned, "p2").size(), 1u);

  // Third search: a3 registered since, and the only batch task left to preempt is the one
  // placed there.
  RegisterAgent("a3", 1000);
  Tick(100);
  auto placed = Tasks(ScheduleStatus::kAssigned, "batch");
  ASSERT_EQ(placed.size(), 1u) << "one of the two preempted batch tasks goes to a3";
  EXPECT_EQ(placed[0].agent_id, "a3");
  Report("a3", placed[0].task_id, api::ScheduleStatus::RUNNING);
  core_->CreateJob(Job(JobSpec().Name("p3").Tier("preferred")));
  Commit();
  Tick(1100);
  EXPECT_EQ(victim_agent("batch"), "a3");
  EXPECT_EQ(Tasks(ScheduleStatus::kPreempting)[0].task_id, placed[0].task_id);
}

TEST_F(RulesTest, NonProductionNeverPreemptsProduction) {
  RegisterAgent("a1", 1000);
  core_->CreateJob(Job(JobSpec().Name("prod").Tier("preferred")));
  Commit();
  core_->CreateJob(Job(JobSpec().Name("batch").Priority(100)));
  Commit();
  Tick(5000);
  Tick(5000);
  EXPECT_TRUE(Tasks(ScheduleStatus::kPreempting).empty());
  EXPECT_EQ(Tasks(ScheduleStatus::kPending, "batch").size(), 1u);
}

TEST_F(RulesTest, HeldSlotIsReleasedWhenTheHoldExpires) {
  RegisterAgent("a1", 1000);
  core_->CreateJob(Job(JobSpec().Name("batch")));
  Commit();
  core_->CreateJob(Job(JobSpec().Name("prod").Tier("preferred")));
  Commit();
  Tick(1100);
  ASSERT_EQ(Tasks(ScheduleStatus::kPreempting).size(), 1u);
  // The victim never confirms; the kill times out only after 5 min, the hold after 10 s.
  Tick(11'000);
  EXPECT_EQ(Counter("preemptor_slot_reservations_expired"), 1);
}

TEST_F(RulesTest, SilentAgentPartitionsTasksThenLosesThemPerPolicy) {
  RegisterAgent("a1", 4000);
  const model::PartitionPolicy wait_10s{true, 10};
  const model::PartitionPolicy forever{false, std::nullopt};
  core_->CreateJob(Job(JobSpec().Name("default")));
  core_->CreateJob(Job(JobSpec().Name("delayed").Partition(wait_10s)));
  core_->CreateJob(Job(JobSpec().Name("forever").Partition(forever)));
  Commit();
  for (const auto& t : Tasks(ScheduleStatus::kAssigned)) {
    Report("a1", t.task_id, api::ScheduleStatus::RUNNING);
  }
  core_->OnAgentDisconnected("a1");
  Tick(6000);
  // Default policy: PARTITIONED then LOST at once (delay 0), and rescheduled.
  auto lost = Tasks(ScheduleStatus::kLost);
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].job().name, "default");
  EXPECT_EQ(lost[0].events.back().message, "Task partitioned for too long.");
  EXPECT_EQ(lost[0].events[lost[0].events.size() - 2].status, ScheduleStatus::kPartitioned);
  EXPECT_EQ(Tasks(ScheduleStatus::kPartitioned).size(), 2u);
  Tick(9000);
  EXPECT_EQ(Tasks(ScheduleStatus::kPartitioned).size(), 2u);
  Tick(1000);
  EXPECT_EQ(Tasks(ScheduleStatus::kLost, "delayed").size(), 1u);
  Tick(100'000);
  auto waiting = Tasks(ScheduleStatus::kPartitioned);
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].job().name, "forever");
  EXPECT_EQ(waiting[0].times_partitioned, 1);

  // The agent comes back with it: the task is RUNNING again, no replacement made.
  agentproto::AgentTask known;
  known.taskId = waiting[0].task_id.str();
  known.status = api::ScheduleStatus::RUNNING;
  RegisterAgent("a1", 4000, {known});
  EXPECT_EQ(core_->state().FindTask(waiting[0].task_id)->status, ScheduleStatus::kRunning);
  EXPECT_TRUE(Tasks(ScheduleStatus::kPending, "forever").empty());
}

TEST_F(RulesTest, PartitionedTaskUnknownToTheReturningAgentIsLost) {
  RegisterAgent("a1", 4000);
  core_->CreateJob(Job(JobSpec().Name("forever").Partition(model::PartitionPolicy{false, {}})));
  Commit();
  auto t = Tasks(ScheduleStatus::kAssigned);
  ASSERT_EQ(t.size(), 1u);
  Report("a1", t[0].task_id, api::ScheduleStatus::RUNNING);
  core_->OnAgentDisconnected("a1");
  Tick(6000);
  ASSERT_EQ(Tasks(ScheduleStatus::kPartitioned).size(), 1u);
  RegisterAgent("a1", 4000, {});
  EXPECT_EQ(core_->state().FindTask(t[0].task_id)->status, ScheduleStatus::kLost);
}

TEST_F(RulesTest, HistoryIsPrunedByCountAndAge) {
  options_.rules.pruning.max_per_job = 2;
  options_.rules.pruning.min_retention_ms = 1000;
  options_.rules.pruning.prune_threshold_ms = 100'000;
  options_.rules.history_prune_interval_ms = 1000;
  Restart();
  RegisterAgent("a1", 8000);
  core_->CreateJob(Job(JobSpec().Name("web").Service(false)));
  Commit();
  // Four runs of instance 0 that fail; non-service tasks are not rescheduled, so create
  // the job again after each run.
  for (int i = 0; i < 4; ++i) {
    auto t = Tasks(ScheduleStatus::kAssigned);
    ASSERT_EQ(t.size(), 1u);
    Report("a1", t[0].task_id, api::ScheduleStatus::FAILED);
    Tick(10);
    if (i < 3) {
      core_->CreateJob(Job(JobSpec().Name("web").Service(false)));
      Commit();
    }
  }
  EXPECT_EQ(Tasks(ScheduleStatus::kFailed).size(), 4u) << "all within min retention";
  Tick(2000);
  EXPECT_EQ(Tasks(ScheduleStatus::kFailed).size(), 2u);
  EXPECT_EQ(Counter("tasks_pruned"), 2);
  Tick(100'000);
  EXPECT_TRUE(Tasks(ScheduleStatus::kFailed).empty());
  Restart();  // removal was durable
  EXPECT_TRUE(Tasks(ScheduleStatus::kFailed).empty());
}

TEST_F(RulesTest, ExplicitReconciliationAsksForKnownTasksAndLosesMissingOnes) {
  options_.agent_timeout_ms = 10'000'000;  // the agent stays connected throughout
  Restart();
  RegisterAgent("a1", 4000);
  core_->CreateJob(Job(JobSpec().Name("web").Instances(2)));
  Commit();
  auto tasks = Tasks(ScheduleStatus::kAssigned);
  ASSERT_EQ(tasks.size(), 2u);
  for (const auto& t : tasks) Report("a1", t.task_id, api::ScheduleStatus::RUNNING);
  transport_.sent.clear();
  Tick(100'000);
  auto reconciles = transport_.Reconciles();
  ASSERT_EQ(reconciles.size(), 1u);
  EXPECT_EQ(reconciles[0].first, "a1");
  EXPECT_EQ(reconciles[0].second.taskIds,
            (std::vector<std::string>{tasks[0].task_id.str(), tasks[1].task_id.str()}));
  // The agent answers: one runs, the other it does not know.
  Report("a1", tasks[0].task_id, api::ScheduleStatus::RUNNING);
  Report("a1", tasks[1].task_id, api::ScheduleStatus::LOST, "unknown task");
  EXPECT_EQ(core_->state().FindTask(tasks[0].task_id)->status, ScheduleStatus::kRunning);
  EXPECT_EQ(core_->state().FindTask(tasks[1].task_id)->status, ScheduleStatus::kLost);

  // Implicit: an empty Reconcile; a task the scheduler does not have there is killed.
  transport_.sent.clear();
  Tick(50'000);
  reconciles = transport_.Reconciles();
  ASSERT_EQ(reconciles.size(), 1u);
  EXPECT_TRUE(reconciles[0].second.taskIds.empty());
  Report("a1", "stray-task", api::ScheduleStatus::RUNNING);
  EXPECT_EQ(transport_.Kills(), std::vector<std::string>{"stray-task"});
}

TEST_F(RulesTest, KillRetriesBackOffUntilTheTransientTimeout) {
  options_.kill_retry_ms = 1000;
  options_.transient_timeout_ms = 20'000;
  options_.agent_timeout_ms = 10'000'000;
  Restart();
  RegisterAgent("a1", 4000);
  core_->CreateJob(Job(JobSpec().Name("web")));
  Commit();
  const model::TaskId id = Tasks(ScheduleStatus::kAssigned).at(0).task_id;
  Report("a1", id, api::ScheduleStatus::RUNNING);
  core_->KillTasks(model::JobKey{"www-data", "devel", "web"}, {}, "");
  Commit();
  std::vector<int64_t> retried_at;
  for (int64_t t = 100; t <= 16'000; t += 100) {
    const size_t before = transport_.Kills().size();
    Tick(100);
    if (transport_.Kills().size() > before) retried_at.push_back(t);
  }
  // Kill at 0, then retries 1 s, 2 s and 4 s and 8 s apart.
  EXPECT_EQ(retried_at, (std::vector<int64_t>{1000, 3000, 7000, 15'000}));
  Tick(5000);  // 21 s in KILLING: past the transient timeout
  EXPECT_EQ(core_->state().FindTask(id)->status, ScheduleStatus::kLost);
}

TEST_F(RulesTest, SubmissionRefusesServiceCronAndJobsNoHostCouldHold) {
  api::JobConfiguration cron = Job(JobSpec().Name("cron"));
  cron.__set_cronSchedule("* * * * *");
  api::Response r = core_->CreateJob(cron);
  EXPECT_EQ(r.responseCode, api::ResponseCode::INVALID_REQUEST);
  ASSERT_FALSE(r.details.empty());
  EXPECT_TRUE(absl::StrContains(r.details[0].message, "both a service and a cron job"))
      << r.details[0].message;

  RegisterAgent("a1", 1000);
  RegisterAgent("a2", 1000);
  r = core_->CreateJob(Job(JobSpec().Name("big").Cpus(2000)));
  EXPECT_EQ(r.responseCode, api::ResponseCode::INVALID_REQUEST);
  ASSERT_FALSE(r.details.empty());
  EXPECT_TRUE(absl::StrContains(r.details[0].message,
                                "no host in the cluster could ever hold this task: 2 hosts: "
                                "insufficient cpu"))
      << r.details[0].message;
  Commit();
  EXPECT_EQ(core_->state().task_count(), 0u);
}

TEST_F(RulesTest, PendingTasksPageGroupsByJobAndReason) {
  RegisterAgent("a1", 1000);
  core_->CreateJob(Job(JobSpec().Name("web").Instances(2)));
  Commit();
  nlohmann::json page = nlohmann::json::parse(RenderPendingTasks(*core_->view()));
  ASSERT_EQ(page.size(), 1u) << page.dump();
  EXPECT_EQ(page[0]["name"], "www-data/devel/web");
  EXPECT_EQ(page[0]["reason"], "1 host: insufficient cpu");
  EXPECT_EQ(page[0]["taskIds"].size(), 1u);
  EXPECT_EQ(page[0]["penaltyMs"], 0);
}

}  // namespace
}  // namespace borealis::scheduler
