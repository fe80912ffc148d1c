// FakeContext: a ComponentContext for the components' own tests, without SchedulerCore.
// It owns a ClusterState and the agents, moves tasks through the real task state machine
// (core::ChangeState, no flapping penalty), and records what a component hands back:
// kills, messages, launches, counters, mutations. Test-only.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "borealis/base/rng.h"
#include "borealis/core/task_state_machine.h"
#include "borealis/scheduler/component.h"

namespace borealis::scheduler::component_testing {

class FakeContext : public ComponentContext {
 public:
  // ---- set-up ----
  // A registered, connected agent with `milli_cpus` and 4 GB of ram, 10 GB of disk.
  void AddAgent(const model::AgentId& id, int64_t milli_cpus = 4000) {
    auto info = std::make_shared<model::AgentInfo>();
    info->agent_id = id;
    info->host = id.str() + ".example";
    info->resources = {milli_cpus, 4096, 10000, 0, {}};
    info->port_ranges = {{31000, 31010}};
    AgentRecord& rec = agents_[id];
    rec.info = info;
    rec.statics = core::MakeHostStatic(*info);
    rec.registered = true;
    rec.connected = true;
  }
  // Stores `task` as it is (any status); returns it.
  const model::Task& Put(model::Task task) {
    const model::TaskId id = task.task_id;
    state_.Apply(state::SaveTasks({std::move(task)}));
    return *state_.FindTask(id);
  }

  // ---- ComponentContext ----
  const state::ClusterState& state() const override { return state_; }
  const AgentRecords& agents() const override { return agents_; }
  core::ClusterView BuildClusterView(const std::set<model::JobKey>& jobs) const override {
    core::ClusterView view;
    for (const auto& [id, rec] : agents_) {
      if (!rec.live()) continue;
      core::HostView& hv = view.hosts.emplace_back();
      hv.agent = rec.info.get();
      hv.statics = rec.statics;
      hv.schedulable = held.count(id) == 0;
      if (const state::AgentLoad* load = state_.LoadOf(id)) {
        hv.used = load->used;
        hv.used_ports_ref = &load->ports;
        hv.tasks_stamp = load->stamp;
      }
    }
    for (const model::JobKey& job : jobs) {
      if (const state::TaskTable::JobTasks* tasks = state_.table().Job(job)) {
        for (const auto& [id, t] : *tasks) {
          if (model::IsSlaveAssigned(t->status)) view.placed_tasks.push_back(t.get());
        }
      }
    }
    return view;
  }
  void ChangeTaskState(const model::Task& task, model::ScheduleStatus to,
                       const std::string& message) override {
    const model::Task before = task;  // `task` may be the stored object
    changes.emplace_back(before.task_id, to, message);
    Apply(before, core::ChangeState(before, to, message, Transition()));
  }
  void AssignAndLaunch(const core::Assignment& a) override {
    const model::Task before = *state_.FindTask(a.task_id);
    Apply(before, core::AssignTask(before, a.agent_id, a.host, a.ports, "", Transition()));
    launched.push_back(a);
  }
  void InsertPendingTasks(std::shared_ptr<const model::TaskConfig> config,
                          const std::vector<int32_t>& instances,
                          std::string_view message) override {
    state::SaveTasks save;
    for (int32_t instance : instances) {
      save.tasks.push_back(core::NewPendingTask(config, instance, message, Transition()));
    }
    Mutate(std::move(save));
    ++placement_changes;
  }
  void SendKill(const model::AgentId& agent_id, const model::TaskId& task_id,
                const std::string& message) override {
    kills.emplace_back(agent_id, task_id, message);
  }
  void Mutate(state::Mutation m) override {
    state_.Apply(m);
    mutations.push_back(std::move(m));
  }
  void QueueSend(const model::AgentId& agent_id, OutgoingMessage message) override {
    sent.emplace_back(agent_id, std::move(message));
  }
  void Count(std::string_view name, int64_t delta = 1) override {
    counters[std::string(name)] += delta;
  }
  uint64_t NextSeed() override { return rng.Next(); }
  std::vector<model::AgentId> TakeChangedLoads() override { return state_.TakeChangedLoads(); }
  std::vector<std::pair<model::AgentId, model::JobKey>> TakeFreedLoads() override {
    return state_.TakeFreedLoads();
  }
  void SetParked(const std::shared_ptr<const model::TaskConfig>& config, bool parked) override {
    state_.SetParked(config, parked);
  }
  void PlacementChanged() override { ++placement_changes; }

  // ---- what the component handed back ----
  std::vector<std::tuple<model::TaskId, model::ScheduleStatus, std::string>> changes;
  std::vector<std::tuple<model::AgentId, model::TaskId, std::string>> kills;  // and why
  std::vector<std::pair<model::AgentId, OutgoingMessage>> sent;
  std::vector<core::Assignment> launched;
  std::vector<state::Mutation> mutations;
  std::map<std::string, int64_t> counters;
  int placement_changes = 0;

  int64_t now_ms = 0;               // the time of state changes
  std::set<model::AgentId> held;    // agents BuildClusterView marks unschedulable
  base::Rng rng{42};
  state::ClusterState state_;
  AgentRecords agents_;

 private:
  core::TransitionContext Transition() {
    core::TransitionContext ctx;
    ctx.now_ms = now_ms;
    ctx.rng = &rng;
    return ctx;
  }
  void Apply(const model::Task& before, core::TaskChange change) {
    if (!change.legal) return;
    state::SaveTasks save;
    if (change.updated) save.tasks.push_back(std::move(*change.updated));
    if (change.replacement) save.tasks.push_back(std::move(*change.replacement));
    if (!save.tasks.empty()) state_.Apply(save);
    if (change.deleted) state_.Apply(state::RemoveTasks{{before.task_id}});
    if (change.send_kill) kills.emplace_back(before.agent_id, before.task_id, "state machine");
  }
};

// A task of `job` (role/devel/job), instance `instance`, with `milli_cpus` and 64 MB, in
// `status`; on `agent_id` when not empty. Events: one, at `event_ms`.
inline model::Task MakeTask(const model::TaskId& id, const std::string& role,
                            const std::string& job, int32_t instance, model::ScheduleStatus status,
                            const model::AgentId& agent_id = {}, int64_t milli_cpus = 1000,
                            int64_t event_ms = 0, bool production = false,
                            int32_t priority = 0) {
  auto config = std::make_shared<model::TaskConfig>();
  config->job = {role, "devel", job};
  config->owner_user = role;
  config->is_service = true;
  config->production = production;
  config->priority = priority;
  config->resources = {milli_cpus, 64, 32, 0, {}};
  model::Task t;
  t.task_id = id;
  t.config = std::move(config);
  t.instance_id = instance;
  t.status = status;
  if (!agent_id.empty()) {
    t.agent_id = agent_id;
    t.agent_host = agent_id.str() + ".example";
  }
  t.events.push_back({event_ms, status, "", {}});
  return t;
}

}  // namespace borealis::scheduler::component_testing
