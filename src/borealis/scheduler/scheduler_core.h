// SchedulerCore: the scheduler's single writer. It owns the cluster state and turns every
// event — an API call, an agent message, a timer tick — into core/ decisions, state
// mutations and messages to agents.
//
// Commit protocol (group commit): handlers apply mutations to memory at once and queue
// their effects (agent messages, replies to callers). A commit appends every queued
// mutation to the store in one durable transaction, then publishes a read view of the state
// as it was when the commit was taken, and only then releases the queued effects. Nobody
// outside learns of a change before it is durable. If the store fails, the commit returns
// the error and the owner must exit: memory is ahead of disk, and a restart recovers what
// was committed.
//
// Commits can be pipelined: StartCommit takes what is queued and a view, and the Committer
// thread encodes and appends it while the owner goes on handling events (which queue the
// next commit); FinishCommit releases it once durable. At most one commit is in flight, and
// commits are released in the order they were taken, so an effect that depends on an
// earlier change is never released before that change is durable. Flush() is the same
// commit done at once.
//
// Thread contract: every method except view() runs on the owner's thread (the daemon's
// event loop). view() may be called from any thread. The store is used by the Committer's
// thread while a commit is in flight, and by the owner otherwise (Recover, Flush).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/base/clock.h"
#include "borealis/base/metrics.h"
#include "borealis/base/mutex.h"
#include "borealis/base/rng.h"
#include "borealis/base/thread_owner.h"
#include "borealis/core/flapping.h"
#include "borealis/core/job_validation.h"
#include "borealis/core/placement.h"
#include "borealis/core/preemption.h"
#include "borealis/core/task_state_machine.h"
#include "borealis/core/tier_config.h"
#include "borealis/model/agent_info.h"
#include "borealis/model/job_configuration.h"
#include "borealis/model/job_key.h"
#include "borealis/model/resources.h"
#include "borealis/model/task.h"
#include "borealis/scheduler/agent_records.h"
#include "borealis/scheduler/agent_registry.h"
#include "borealis/scheduler/committer.h"
#include "borealis/scheduler/component.h"
#include "borealis/scheduler/components/cron_scheduler.h"
#include "borealis/scheduler/components/history_pruner.h"
#include "borealis/scheduler/components/maintenance_controller.h"
#include "borealis/scheduler/components/partitions.h"
#include "borealis/scheduler/components/blocked_set.h"
#include "borealis/scheduler/components/pending_reasons.h"
#include "borealis/scheduler/components/placer.h"
#include "borealis/scheduler/components/preemptor.h"
#include "borealis/scheduler/components/reconciler.h"
#include "borealis/scheduler/components/update_controller.h"
#include "borealis/scheduler/event_sink.h"
#include "borealis/scheduler/outgoing.h"
#include "borealis/scheduler/rules.h"
#include "borealis/state/cluster_state.h"
#include "borealis/state/store.h"
#include "gen-cpp/agent_types.h"
#include "gen-cpp/api_types.h"

namespace borealis::scheduler {

// Where the core's messages to agents go (the WebSocket sessions, or a fake in tests).
class AgentTransport {
 public:
  virtual ~AgentTransport() = default;
  // Sends to the agent's current session. False when the agent has none.
  virtual bool Send(const model::AgentId& agent_id, const OutgoingMessage& message) = 0;
};

struct SchedulerOptions {
  std::string cluster_name = "devcluster";
  std::string scheduler_host = "localhost";
  int32_t heartbeat_interval_ms = 2000;
  // An agent silent (disconnected or without heartbeats) this long is lost, with its tasks.
  int64_t agent_timeout_ms = 30'000;
  int64_t kill_retry_ms = 15'000;  // first kill re-send; doubles after each
  int64_t transient_timeout_ms = 300'000;   // ASSIGNED/KILLING/... longer than this → LOST
  uint64_t snapshot_every_records = 10'000;
  // Events kept per task, oldest dropped first (core::TrimEvents); 0 keeps all.
  size_t max_task_events = 0;
  int32_t max_instances_per_job = 4000;
  std::string environment_pattern = R"(^(prod|devel|test|staging\d*)$)";
  // Added to every task's resources when placing (our executor is small).
  model::Resources executor_overhead{/*milli_cpus=*/10, /*ram_mb=*/16, /*disk_mb=*/0, 0, {}};
  // when a rescheduled task starts THROTTLED and for how long.
  core::FlappingOptions flapping;
  // the tiers createJob accepts and getTierConfigs reports.
  core::TierConfig tiers = core::TierConfig::Default();
  // Preemption, history pruning and reconciliation (rules.h).
  RuleOptions rules;
  // Job updates: history kept (components/update_controller.h) and failure limits.
  UpdateControllerOptions updates;
  core::UpdateLimits update_limits;
  // Cron jobs: the time zone of their schedules and the start backoff (cron_scheduler.h).
  CronOptions cron;
  // The master key of exec grants; each agent gets a key derived from it when it registers
  // (docs/architecture/exec-grants.md). Empty: agents get no key and refuse every grant.
  std::string exec_master_key;
  // Host maintenance and SLA drains (maintenance_controller.h); its cluster_name is
  // replaced by the one above.
  MaintenanceOptions maintenance;
};


// An immutable picture of the state for readers (API reads, UI, /vars). Publishing one
// after each commit must not cost O(tasks) or O(agents): the parts that change rarely are
// shared with the previous view. Agents' last_seen_ms is refreshed at least once a second.
struct SchedulerView {
  std::shared_ptr<const state::TaskMap> tasks;
  std::shared_ptr<const AgentRecords> agents = std::make_shared<const AgentRecords>();
  std::shared_ptr<const PendingReasons> pending_reasons =
      std::make_shared<const PendingReasons>();
  std::map<std::string, int64_t, std::less<>> counters;
  state::QuotaMap quotas;                          // role → quota
  std::shared_ptr<const core::TierConfig> tiers;  // never null once published
  // Job update records by key (shared with the state until its next update change).
  std::shared_ptr<const state::UpdateRecords> updates = std::make_shared<state::UpdateRecords>();
  // The cron templates and their next fire times (shared with the previous view while
  // they do not change).
  std::shared_ptr<const state::CronJobMap> cron_jobs = std::make_shared<const state::CronJobMap>();
  std::shared_ptr<const CronNextRuns> cron_next_runs = std::make_shared<const CronNextRuns>();
  // Hosts' maintenance modes (hosts never in maintenance are absent: NONE).
  std::shared_ptr<const state::HostModeMap> host_modes =
      std::make_shared<const state::HostModeMap>();
};

// Histograms the core updates as it goes (scheduler_metrics.h owns them); null: not kept.
struct CoreHistograms {
  base::Histogram* placement_seconds = nullptr;
  base::Histogram* commit_seconds = nullptr;  // observed on the Committer's thread
  base::Histogram* status_update_delay_seconds = nullptr;
};

class SchedulerCore : private ComponentContext {
 public:
  SchedulerCore(SchedulerOptions options, base::Clock& clock, state::Store& store,
                AgentTransport& transport, uint64_t seed);

  // Loads the snapshot and log from the store. Call once, before anything else.
  absl::Status Recover();
  // Where the event stream's events go (docs/events.md), set before Recover so that the
  // replayed records fill its window; without one no events are derived.
  void SetEventSink(EventSink* sink) { events_ = sink; }
  // A host event for the stream (no record holds it), released with the next commit:
  // `type` is "host_registered", "host_lost" or, for the maintenance component,
  // "host_maintenance" with the host's new mode as `status`.
  void PublishHostEvent(std::string type, const std::string& host, std::string status,
                        std::string message);

  // ---- API calls (effects released at Flush) ----
  api::Response CreateJob(const api::JobConfiguration& description);
  api::Response KillTasks(const model::JobKey& job, const std::set<int32_t>& instances,
                          const std::string& message);
  // Aurora's restartShards: each listed instance's active task goes to RESTARTING (killed,
  // then replaced by a PENDING task of the same config); refused, restarting nothing, when
  // the list is empty or an instance has no active task (core/restart.h).
  api::Response RestartShards(const model::JobKey& job, const std::set<int32_t>& instances);
  // Aurora's addInstances: `count` new PENDING instances of the job, each a copy of the
  // active instance `key.instance_id`'s config, with ids after the highest active one;
  // refused when count < 1, that instance is not active, the job would pass the instance
  // limit, or (production) the role's quota.
  api::Response AddInstances(const model::InstanceKey& key, int32_t count);
  // AuroraAdmin.setQuota: only numCpus/ramMb/diskMb; refused when negative or below the
  // role's current production consumption.
  api::Response SetQuota(const std::string& role, const api::ResourceAggregate& quota);

  // ---- AuroraAdmin's task operations (admin_api.cc; docs/admin.md) ----
  // forceTaskState: moves the task through the task state machine as if an agent had
  // reported `status`; refused (INVALID_REQUEST naming the field) for a blank or unknown
  // task id, a status that is not a task state, or a transition the machine does not allow.
  api::Response ForceTaskState(const std::string& task_id, api::ScheduleStatus::type status);
  // pruneTasks: deletes the terminal tasks the query matches (statuses default to the
  // terminal ones; an active status is refused), at most query.limit when it is > 0.
  api::Response PruneTasks(const api::TaskQuery& query);
  // triggerExplicitTaskReconciliation / triggerImplicitTaskReconciliation: one round now
  // (components/reconciler.h); a batch size, when set, must be > 0.
  api::Response TriggerExplicitReconciliation(const api::ExplicitReconciliationSettings& s);
  api::Response TriggerImplicitReconciliation();

  // ---- job updates (update_api.cc; the work is the update controller's) ----
  // startJobUpdate: validates the request, computes the diff, checks the role's quota and
  // that no other update is active, and starts the update. `user` is the caller's name.
  api::Response StartJobUpdate(const api::JobUpdateRequest& request, const std::string& message,
                               const std::string& user);
  api::Response PauseJobUpdate(const model::JobUpdateKey& key, const std::string& message,
                               const std::string& user) {
    return ChangeJobUpdate(key, core::UpdateOp::kPause, message, user);
  }
  api::Response ResumeJobUpdate(const model::JobUpdateKey& key, const std::string& message,
                                const std::string& user) {
    return ChangeJobUpdate(key, core::UpdateOp::kResume, message, user);
  }
  api::Response AbortJobUpdate(const model::JobUpdateKey& key, const std::string& message,
                               const std::string& user) {
    return ChangeJobUpdate(key, core::UpdateOp::kAbort, message, user);
  }
  api::Response RollbackJobUpdate(const model::JobUpdateKey& key, const std::string& message,
                                  const std::string& user) {
    return ChangeJobUpdate(key, core::UpdateOp::kRollback, message, user);
  }
  api::Response PulseJobUpdate(const model::JobUpdateKey& key);
  // ---- cron jobs (cron_api.cc) ----
  // scheduleCronJob: stores (creates or replaces) the job's cron template. Refused when it
  // has no or a bad cronSchedule, is a service, uses RUN_OVERLAP, or (production) the
  // role's quota cannot hold max(template x instances, what runs).
  api::Response ScheduleCronJob(const api::JobConfiguration& description);
  // replaceCronTemplate: as ScheduleCronJob, for a job that has a template already.
  api::Response ReplaceCronTemplate(const api::JobConfiguration& config);
  // descheduleCronJob: removes the template; tasks of earlier runs go on.
  api::Response DescheduleCronJob(const model::JobKey& job);
  // startCronJob: runs the template now, with its collision policy.
  api::Response StartCronJob(const model::JobKey& job);

  // ---- host maintenance (maintenance_api.cc; the work is the maintenance controller's) ----
  api::Response StartMaintenance(const std::set<std::string>& hosts);
  api::Response DrainHosts(const std::set<std::string>& hosts);
  api::Response SlaDrainHosts(const std::set<std::string>& hosts, const api::SlaPolicy& policy,
                              int64_t timeout_secs);
  api::Response EndMaintenance(const std::set<std::string>& hosts);
  api::Response MaintenanceStatus(const std::set<std::string>& hosts);
  // The SLA coordinator questions to ask (the daemon asks them off this thread and hands
  // each answer back to OnCoordinatorAnswer).
  std::vector<CoordinatorQuery> TakeCoordinatorQueries() {
    owner_.Check();
    return maintenance_.TakeQueries();
  }
  void OnCoordinatorAnswer(const CoordinatorAnswer& answer);

  // ---- agent channel ----
  void OnAgentRegister(const agentproto::RegisterAgent& registration);
  void OnStatusUpdate(const model::AgentId& agent_id, const agentproto::StatusUpdate& update);
  void OnHeartbeat(const model::AgentId& agent_id);
  void OnAgentDisconnected(const model::AgentId& agent_id);

  // ---- timers and passes ----
  // Agent silence, kill retries, transient timeouts, THROTTLED → PENDING once the
  // flapping penalty has passed.
  void Tick();
  void Schedule();  // places pending tasks on agents

  // Commits what is queued, publishes the view, releases the queued effects; finishes the
  // commit in flight first.
  absl::Status Flush();
  // Pipelined commit. Finishes the commit in flight (waiting for it), then takes what is
  // queued. With mutations to write, hands them to the Committer's thread and returns true:
  // `on_durable` (may be empty) runs on that thread once the append returned, and the
  // owner then calls FinishCommit. With none, publishes and releases at once and returns
  // false (`on_durable` is not called).
  absl::StatusOr<bool> StartCommit(std::function<void()> on_durable = {});
  // Waits for the commit in flight, if any, then publishes its view and releases its
  // effects. An error is the store's: that commit's effects are dropped and the owner must
  // stop.
  absl::Status FinishCommit();
  bool commit_in_flight() const { return in_flight_ != nullptr; }
  // Runs `fn` when what is queued now is committed (or with the next commit that has
  // nothing to write).
  void AfterCommit(std::function<void()> fn) {
    owner_.Check();
    after_commit_.push_back(std::move(fn));
  }

  // Before the first event; the histograms must outlive the core.
  void set_histograms(CoreHistograms histograms) { histograms_ = histograms; }

  std::shared_ptr<const SchedulerView> view() const ABSL_LOCKS_EXCLUDED(view_mu_);
  const state::ClusterState& state() const override { return state_; }
  const SchedulerOptions& options() const { return options_; }

 private:
  // ---- ComponentContext: what components ask of the core (component.h) ----
  const AgentRecords& agents() const override { return agents_.records(); }
  core::ClusterView BuildClusterView(const std::set<model::JobKey>& jobs) const override;
  void ChangeTaskState(const model::Task& task, model::ScheduleStatus to,
                       const std::string& message) override;
  void AssignAndLaunch(const core::Assignment& assignment) override;
  void InsertPendingTasks(std::shared_ptr<const model::TaskConfig> config,
                          const std::vector<int32_t>& instances,
                          std::string_view message) override;
  void SendKill(const model::AgentId& agent_id, const model::TaskId& task_id,
                const std::string& message) override;
  void Mutate(state::Mutation m) override;
  void QueueSend(const model::AgentId& agent_id, OutgoingMessage message) override;
  void Count(std::string_view name, int64_t delta = 1) override {
    auto it = counters_.find(name);
    if (it == counters_.end()) it = counters_.emplace(std::string(name), 0).first;
    it->second += delta;
  }
  uint64_t NextSeed() override { return rng_.Next(); }
  // Runs `f`, a call into updates_, and adds its steady-clock ns to the counter
  // "update_controller_ns" when an update is or was active (a measurement only: the
  // simulator reports it per instance transition). Nested calls are counted once.
  template <typename F>
  auto TimeUpdates(F&& f) {
    if (timing_updates_) return f();
    timing_updates_ = true;
    const int64_t t0 = base::RealClock::Get().MonoNowNs();
    const bool was_active = updates_.active() > 0;
    struct Done {
      SchedulerCore* core;
      int64_t t0;
      bool was_active;
      ~Done() {
        core->timing_updates_ = false;
        if (was_active || core->updates_.active() > 0) {
          core->Count("update_controller_ns", base::RealClock::Get().MonoNowNs() - t0);
        }
      }
    } done{this, t0, was_active};
    return f();
  }
  std::vector<model::AgentId> TakeChangedLoads() override { return state_.TakeChangedLoads(); }
  std::vector<std::pair<model::AgentId, model::JobKey>> TakeFreedLoads() override {
    return state_.TakeFreedLoads();
  }
  void SetParked(const std::shared_ptr<const model::TaskConfig>& config, bool parked) override {
    state_.SetParked(config, parked);
  }
  void PlacementChanged() override { placement_dirty_ = true; }
  ComponentContext& context() { return *this; }

  // ---- task changes ----
  void SaveTask(std::shared_ptr<const model::Task> task);  // a Mutate of one shared save
  // `kill_message` goes to the agent when the change asks for a kill.
  // Returns the task as stored after the change (null when it was not saved).
  std::shared_ptr<const model::Task> ApplyChange(
      const model::Task& before, core::TaskChange change,
      const std::string& kill_message = "Killed by the scheduler");
  void SendKill(const model::Task& task, const std::string& message);
  core::TransitionContext Context();
  // The counter of transitions to `to` (nullopt: deletions).
  static std::string_view TransitionCounter(std::optional<model::ScheduleStatus> to);
  int64_t FlappingPenaltyMs(const model::Task& task);
  void ReleaseThrottled(int64_t now);
  // Kills of tasks in transient states re-sent with a doubling delay (Tick).
  int64_t KillRetryDelayMs(const model::TaskId& task_id) const;
  void ForgetKillRetriesOfEndedTasks();

  // ---- submissions ----
  absl::Status CheckJobQuota(const model::JobConfiguration& job) const;
  // JOB_UPDATING_ERROR when `job` has an active update (createJob, killTasks, addInstances).
  std::optional<api::Response> RefuseWhileUpdating(const model::JobKey& job) const;
  api::Response ChangeJobUpdate(const model::JobUpdateKey& key, core::UpdateOp op,
                                const std::string& message, const std::string& user);
  // What the update adds to the role's production consumption (zero when nothing).
  absl::Status CheckUpdateQuota(const model::JobKey& job, const core::JobDiff& diff,
                                const model::TaskConfig& proposed) const;
  // A cron template's quota check (cron_api.cc).
  absl::Status CheckCronQuota(const model::JobConfiguration& job) const;
  api::Response SaveCronTemplate(const api::JobConfiguration& description, bool must_exist);

  // ---- agents ----
  void LoseAgent(const model::AgentId& agent_id, const std::string& why);

  // ---- the timed components, in the order Tick runs them ----
  void RunComponents(int64_t now);

  // ---- commits (commit.cc) ----
  // One commit, from the moment it is taken until its effects are released.
  struct CommitBatch {
    std::vector<state::Mutation> mutations;  // cleared by WriteBatch once encoded
    std::optional<std::string> snapshot;     // written after the mutations when due
    bool snapshot_taken = false;
    std::shared_ptr<const SchedulerView> view;
    std::vector<std::pair<model::AgentId, OutgoingMessage>> outbox;
    std::vector<std::function<void()>> callbacks;
    std::vector<model::SchedulerEvent> events;       // of the mutations, canonical order
    std::vector<model::SchedulerEvent> host_events;  // in no record
    uint64_t seq = 0;              // the appended record's sequence number
    absl::Status status;           // the append's
    absl::Status snapshot_status;  // the snapshot's (a failure is counted, not fatal)
  };
  // Moves what is queued into a batch, with a view of the state as of now and, when due,
  // a snapshot of it.
  std::unique_ptr<CommitBatch> TakeBatch();
  // Encodes and appends the batch's mutations, then its snapshot. Touches only the batch
  // and the store, so it may run on the Committer's thread.
  void WriteBatch(CommitBatch& batch);
  // Publishes the batch's view and releases its effects (owner's thread, once durable).
  void ReleaseBatch(CommitBatch& batch);
  std::shared_ptr<const SchedulerView> BuildView();

  SchedulerOptions options_;
  base::Clock& clock_;
  state::Store& store_;
  AgentTransport& transport_;
  base::Rng rng_;
  base::InternedString scheduler_host_;  // options_.scheduler_host, for task events
  core::JobValidator job_validator_;  // from the options

  state::ClusterState state_;
  AgentRegistry agents_;
  void AgentsChanged() {
    agents_.MarkChanged();
    placer_.HostsChanged();
  }
  std::map<model::TaskId, int64_t> last_kill_sent_ms_;  // when
  // THROTTLED task id → when it may become PENDING (computed once per task, jitter included).
  std::map<model::TaskId, int64_t> throttle_release_ms_;
  std::map<model::TaskId, int32_t> kill_retries_;  // kills re-sent so far
  std::shared_ptr<const core::TierConfig> tiers_;
  std::map<std::string, int64_t, std::less<>> counters_;
  bool placement_dirty_ = true;
  CoreHistograms histograms_;

  // The components (components/): each keeps its own state and hands its effects back
  // through ComponentContext.
  Placer placer_;
  BlockedSet blocked_;
  PendingReasonTracker pending_reasons_;
  PartitionHandler partitions_;
  Preemptor preemptor_;
  HistoryPruner pruner_;
  Reconciler reconciler_;
  UpdateController updates_;
  bool timing_updates_ = false;  // inside TimeUpdates
  CronScheduler cron_;
  MaintenanceController maintenance_;

  std::vector<state::Mutation> pending_mutations_;
  std::vector<std::pair<model::AgentId, OutgoingMessage>> outbox_;
  std::vector<std::function<void()>> after_commit_;
  // The event stream: the sink, and the events of the queued mutations and host events.
  EventSink* events_ = nullptr;
  std::vector<model::SchedulerEvent> record_events_;
  std::vector<model::SchedulerEvent> host_events_;
  // Records in the store since its last snapshot, kept here because the store is the
  // Committer's while a commit is in flight.
  uint64_t records_since_snapshot_ = 0;
  std::unique_ptr<CommitBatch> in_flight_;  // taken, handed to committer_, not released
  std::unique_ptr<Committer> committer_;    // created by the first StartCommit

  // The thread contract above, checked: the public methods but view() abort when called
  // from another thread than the first that called one (Recover runs as set-up and leaves
  // the core unbound).
  base::ThreadOwner owner_{"SchedulerCore"};
  mutable base::Mutex view_mu_;
  std::shared_ptr<const SchedulerView> view_ ABSL_GUARDED_BY(view_mu_);
};

}  // namespace borealis::scheduler
