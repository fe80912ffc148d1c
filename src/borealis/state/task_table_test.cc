// TaskTable's copy-on-write snapshots and ClusterState's derived indexes (pending order,
// transient states, per-agent load), checked against a brute-force recomputation.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "borealis/base/rng.h"
#include "borealis/model/job_key.h"
#include "borealis/model/task.h"
#include "borealis/model/task_config.h"
#include "borealis/state/cluster_state.h"

namespace borealis::state {
namespace {

using model::ScheduleStatus;

std::shared_ptr<const model::TaskConfig> Config(const std::string& job, int32_t priority,
                                                int64_t cpus = 100) {
  auto c = std::make_shared<model::TaskConfig>();
  c->job = {"www-data", "prod", job};
  c->priority = priority;
  c->resources.milli_cpus = cpus;
  c->resources.ram_mb = 10;
  return c;
}

model::Task Make(const model::TaskId& id, std::shared_ptr<const model::TaskConfig> config,
                 int32_t instance, ScheduleStatus s, const model::AgentId& agent = {}) {
  model::Task t;
  t.task_id = id;
  t.config = std::move(config);
  t.instance_id = instance;
  t.status = s;
  t.agent_id = agent;
  if (!agent.empty()) t.assigned_ports = {{"http", 31000 + instance}};
  return t;
}

std::vector<std::string> Ids(const TaskTable& table) {
  std::vector<std::string> ids;
  for (const auto& [id, t] : table) ids.emplace_back(id);
  return ids;
}

TEST(TaskTableTest, IteratesByJobThenIdAndSnapshotsStayFrozen) {
  ClusterState st;
  st.Apply(SaveTasks{{Make("b2", Config("b", 0), 0, ScheduleStatus::kPending),
                      Make("a2", Config("a", 0), 1, ScheduleStatus::kPending),
                      Make("a1", Config("a", 0), 0, ScheduleStatus::kPending)}});
  auto snapshot = st.tasks();
  st.Apply(SaveTasks{{Make("a1", Config("a", 0), 0, ScheduleStatus::kRunning, "agent-1")}});
  st.Apply(RemoveTasks{{"b2"}});
  st.Apply(SaveTasks{{Make("c1", Config("c", 0), 0, ScheduleStatus::kPending)}});

  EXPECT_EQ(Ids(*snapshot), (std::vector<std::string>{"a1", "a2", "b2"}));
  EXPECT_EQ(snapshot->at("a1")->status, ScheduleStatus::kPending);
  EXPECT_EQ(snapshot->size(), 3u);
  EXPECT_EQ(Ids(st.table()), (std::vector<std::string>{"a1", "a2", "c1"}));
  EXPECT_EQ(st.table().at("a1")->status, ScheduleStatus::kRunning);
  EXPECT_EQ(st.FindTask("b2"), nullptr);
  EXPECT_EQ(st.table().Job({"www-data", "prod", "b"}), nullptr);  // emptied jobs go away
  EXPECT_THROW(st.table().at("b2"), std::out_of_range);
}

// Keys view the stored task's own id: replacing a task re-keys its entry, so the entry stays
// valid once the old task object is gone (ASan checks the reads), and Put returns the old one.
TEST(TaskTableTest, ReplacingATaskRekeysItsEntry) {
  TaskTable table;
  auto cfg = Config("web", 0);
  EXPECT_EQ(table.Put(std::make_shared<const model::Task>(Make("b", cfg, 1, ScheduleStatus::kPending))),
            nullptr);
  TaskPtr first = std::make_shared<const model::Task>(Make("a", cfg, 0, ScheduleStatus::kPending));
  const model::Task* first_raw = first.get();
  table.Put(std::move(first));
  TaskPtr replaced =
      table.Put(std::make_shared<const model::Task>(Make("a", cfg, 0, ScheduleStatus::kRunning)));
  ASSERT_EQ(replaced.get(), first_raw);
  replaced.reset();  // the old task and its id string are freed here
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.at("a")->status, ScheduleStatus::kRunning);
  EXPECT_EQ(Ids(table), (std::vector<std::string>{"a", "b"}));
  const TaskTable::JobTasks* job = table.Job(cfg->job);
  ASSERT_NE(job, nullptr);
  for (const auto& [id, t] : *job) EXPECT_EQ(id.data(), t->task_id.str().data());
}

TEST(TaskTableTest, EmptyTableIterates) {
  TaskTable t;
  EXPECT_EQ(t.begin(), t.end());
  EXPECT_TRUE(t.empty());
}

// Random puts, replacements and erasures over enough jobs that chunks split and empty
// out, with snapshots taken along the way: every snapshot must still read as the reference
// did when it was taken, and the table as the reference does at the end.
TEST(TaskTableTest, ChunkedTableMatchesAReferenceAndSnapshotsStayFrozen) {
  using Reference = std::map<model::JobKey, std::map<std::string, int32_t>>;  // → instance
  auto flatten = [](const Reference& ref) {
    std::vector<std::pair<std::string, int32_t>> out;
    for (const auto& [job, tasks] : ref) {
      for (const auto& [id, instance] : tasks) out.emplace_back(id, instance);
    }
    return out;
  };
  auto read = [](const TaskTable& table) {
    std::vector<std::pair<std::string, int32_t>> out;
    for (const auto& [id, t] : table) out.emplace_back(std::string(id), t->instance_id);
    return out;
  };
  const size_t kJobs = TaskTable::kMaxChunk * 5;
  std::vector<std::shared_ptr<const model::TaskConfig>> configs;
  for (size_t j = 0; j < kJobs; ++j) configs.push_back(Config("job" + std::to_string(j), 0));
  base::Rng rng(11);
  TaskTable table;
  Reference ref;
  std::vector<std::pair<TaskTable, Reference>> snapshots;
  for (int step = 0; step < 20000; ++step) {
    const auto& cfg = configs[rng.Uniform(step < 10000 ? kJobs : kJobs / 3)];
    const std::string id = cfg->job.name + "-" + std::to_string(rng.Uniform(4));
    if (rng.Uniform(3) == 0) {  // erase (the later steps empty most of the jobs)
      const bool had = ref.count(cfg->job) > 0 && ref[cfg->job].erase(id) > 0;
      if (ref.count(cfg->job) > 0 && ref[cfg->job].empty()) ref.erase(cfg->job);
      EXPECT_EQ(table.Erase(cfg->job, model::TaskId(id)), had) << id;
    } else {
      const auto instance = static_cast<int32_t>(rng.Uniform(1000));
      table.Put(std::make_shared<const model::Task>(
          Make(model::TaskId(id), cfg, instance, ScheduleStatus::kPending)));
      ref[cfg->job][id] = instance;
    }
    if (step >= 10000 && rng.Uniform(3) == 0) {  // later, erase far more than we put
      const auto& gone = configs[rng.Uniform(kJobs)];
      for (int k = 0; k < 4; ++k) {
        const std::string gid = gone->job.name + "-" + std::to_string(k);
        const bool had = ref.count(gone->job) > 0 && ref[gone->job].erase(gid) > 0;
        if (ref.count(gone->job) > 0 && ref[gone->job].empty()) ref.erase(gone->job);
        EXPECT_EQ(table.Erase(gone->job, model::TaskId(gid)), had) << gid;
      }
    }
    if (rng.Uniform(500) == 0) snapshots.emplace_back(table, ref);
  }
  ASSERT_GT(snapshots.size(), 10u);
  size_t ref_size = 0;
  for (const auto& [job, tasks] : ref) ref_size += tasks.size();
  EXPECT_EQ(table.size(), ref_size);
  EXPECT_EQ(read(table), flatten(ref));
  for (const auto& cfg : configs) {
    const TaskTable::JobTasks* tasks = table.Job(cfg->job);
    auto it = ref.find(cfg->job);
    ASSERT_EQ(tasks == nullptr, it == ref.end()) << cfg->job.name;
    if (tasks != nullptr) {
      EXPECT_EQ(tasks->size(), it->second.size());
    }
  }
  for (const auto& [snapshot, then] : snapshots) EXPECT_EQ(read(snapshot), flatten(then));
}

TEST(ClusterStateIndexTest, PendingOrderIsPriorityJobInstanceId) {
  ClusterState st;
  st.Apply(SaveTasks{{Make("x", Config("b", 0), 1, ScheduleStatus::kPending),
                      Make("y", Config("b", 0), 0, ScheduleStatus::kPending),
                      Make("z", Config("a", 0), 5, ScheduleStatus::kPending),
                      Make("w", Config("c", 7), 9, ScheduleStatus::kPending),
                      Make("v", Config("a", 0), 2, ScheduleStatus::kRunning, "agent")}});
  std::vector<model::TaskId> order;
  for (const model::Task* t : st.pending()) order.push_back(t->task_id);
  EXPECT_EQ(order, (std::vector<model::TaskId>{"w", "z", "y", "x"}));
  EXPECT_THROW(st.InStatus(ScheduleStatus::kRunning), std::invalid_argument);
}

// Random saves and removes; after each, every index equals a recomputation from the table.
TEST(ClusterStateIndexTest, IndexesMatchAFullRecomputation) {
  const ScheduleStatus statuses[] = {
      ScheduleStatus::kPending,  ScheduleStatus::kThrottled, ScheduleStatus::kAssigned,
      ScheduleStatus::kStarting, ScheduleStatus::kRunning,   ScheduleStatus::kKilling,
      ScheduleStatus::kFinished, ScheduleStatus::kLost,      ScheduleStatus::kPartitioned};
  base::Rng rng(7);
  ClusterState st;
  std::vector<std::shared_ptr<const TaskMap>> snapshots;
  std::vector<std::vector<std::pair<std::string, ScheduleStatus>>> frozen;  // as taken
  // Shared configs, as the scheduler's tasks of a job share theirs (and fresh ones).
  std::vector<std::shared_ptr<const model::TaskConfig>> shared_configs;
  for (int j = 0; j < 5; ++j) shared_configs.push_back(Config("job" + std::to_string(j), j % 3));
  for (int step = 0; step < 4000; ++step) {
    const model::TaskId id("t" + std::to_string(rng.Uniform(60)));
    if (rng.Uniform(10) == 0) {
      st.Apply(RemoveTasks{{id}});
      ASSERT_EQ(st.FindTask(id), nullptr);
    } else {
      const ScheduleStatus s = statuses[rng.Uniform(std::size(statuses))];
      const model::AgentId agent(model::IsSlaveAssigned(s) ? "agent-" + std::to_string(rng.Uniform(4)) : "");
      const auto job = "job" + std::to_string(rng.Uniform(5));
      auto config = rng.Uniform(2) == 0
                        ? shared_configs[rng.Uniform(shared_configs.size())]
                        : Config(job, static_cast<int32_t>(rng.Uniform(3)),
                                 static_cast<int64_t>(rng.Uniform(500)));
      st.Apply(SaveTasks{{Make(id, std::move(config), static_cast<int32_t>(rng.Uniform(9)), s,
                               agent)}});
    }
    if (step % 100 == 0) {
      snapshots.push_back(st.tasks());
      auto& f = frozen.emplace_back();
      for (const auto& [tid, t] : *snapshots.back()) f.emplace_back(std::string(tid), t->status);
    }

    size_t pending = 0;
    std::map<ScheduleStatus, size_t> in_status;
    std::map<model::JobKey, int64_t> active;
    std::map<model::AgentId, AgentLoad> loads;
    for (const auto& [tid, t] : st.table()) {
      ASSERT_EQ(st.FindTask(model::TaskId(tid)), t.get());
      if (t->status == ScheduleStatus::kPending) ++pending;
      if (model::IsActive(t->status)) ++active[t->config->job];
      if (ClusterState::IsIndexedStatus(t->status)) {
        ++in_status[t->status];
        ASSERT_TRUE(st.InStatus(t->status).contains(t.get()));
      }
      if (model::IsSlaveAssigned(t->status)) {
        AgentLoad& l = loads[t->agent_id];
        l.used.milli_cpus += t->config->resources.milli_cpus;
        ++l.task_count;
        for (const auto& [name, port] : t->assigned_ports) {
          if (!l.ports.insert(port).second) ++l.extra_holders[port];
        }
      }
    }
    ASSERT_EQ(st.pending().size(), pending);
    for (int j = 0; j < 5; ++j) {
      const model::JobKey key{"www-data", "prod", "job" + std::to_string(j)};
      ASSERT_EQ(st.ActiveTaskCount(key), active[key]) << key.ToString();
    }
    for (ScheduleStatus s : statuses) {
      if (ClusterState::IsIndexedStatus(s)) {
        ASSERT_EQ(st.InStatus(s).size(), in_status[s]);
      }
    }
    ASSERT_EQ(st.loads().size(), loads.size());
    for (const auto& [agent, want] : loads) {
      const AgentLoad* got = st.LoadOf(agent);
      ASSERT_NE(got, nullptr);
      ASSERT_EQ(got->used.milli_cpus, want.used.milli_cpus);
      ASSERT_EQ(got->task_count, want.task_count);
      ASSERT_EQ(got->ports, want.ports);
      ASSERT_EQ(got->extra_holders, want.extra_holders);
      ASSERT_EQ(got->tasks.size(), static_cast<size_t>(want.task_count));
    }
  }
  // Every snapshot still holds what it held when taken.
  for (size_t i = 0; i < snapshots.size(); ++i) {
    std::vector<std::pair<std::string, ScheduleStatus>> now;
    for (const auto& [tid, t] : *snapshots[i]) now.emplace_back(std::string(tid), t->status);
    EXPECT_EQ(now, frozen[i]) << "snapshot " << i;
    EXPECT_EQ(now.size(), snapshots[i]->size());
  }
}

}  // namespace
}  // namespace borealis::state
