#include <gtest/gtest.h>

#include <filesystem>

#include "borealis/model/task_config.h"
#include "borealis/state/cluster_state.h"
#include "borealis/state/store.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::state {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::testing::HasSubstr;

model::Task MakeTask(const std::string& id, model::ScheduleStatus s) {
  auto config = std::make_shared<model::TaskConfig>();
  config->job = {"www-data", "prod", "web"};
  model::Task t;
  t.task_id = model::TaskId(id);
  t.config = config;
  t.status = s;
  return t;
}

TEST(ClusterStateTest, SaveReplacesAndRemoveDeletes) {
  ClusterState st;
  st.Apply(SaveTasks{{MakeTask("a", model::ScheduleStatus::kPending),
                      MakeTask("b", model::ScheduleStatus::kPending)}});
  st.Apply(SaveTasks{{MakeTask("a", model::ScheduleStatus::kRunning)}});
  st.Apply(RemoveTasks{{"b", "unknown"}});
  ASSERT_EQ(st.task_count(), 1u);
  EXPECT_EQ(st.FindTask("a")->status, model::ScheduleStatus::kRunning);
  EXPECT_EQ(st.FindTask("b"), nullptr);
}

// SaveInto appends to a run what Apply(SaveTasks) would have done: the same state, and the
// run lists each saved task with the version it replaced, after the run's copied tasks.
TEST(ClusterStateTest, SaveIntoExtendsARunLikeSeparateSaves) {
  ClusterState via_run, via_apply;
  SaveTasks created{{MakeTask("a", model::ScheduleStatus::kPending),
                     MakeTask("b", model::ScheduleStatus::kPending)}};
  via_apply.Apply(created);
  via_run.Apply(created, &created.replaced);
  ASSERT_EQ(created.replaced.size(), 2u);
  const model::Task* a_before = via_run.FindTask("a");

  auto a_running = std::make_shared<const model::Task>(MakeTask("a", model::ScheduleStatus::kRunning));
  auto c_pending = std::make_shared<const model::Task>(MakeTask("c", model::ScheduleStatus::kPending));
  via_run.SaveInto(a_running, &created);
  via_run.SaveInto(c_pending, &created);
  SaveTasks second;
  second.shared = {a_running, c_pending};
  via_apply.Apply(second);

  ASSERT_EQ(created.shared.size(), 2u);
  ASSERT_EQ(created.replaced.size(), 4u);
  EXPECT_EQ(created.replaced[2].get(), a_before);
  EXPECT_EQ(created.replaced[3], nullptr);
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_NE(via_run.FindTask(id), nullptr) << id;
    EXPECT_EQ(via_run.FindTask(id)->status, via_apply.FindTask(id)->status) << id;
  }
  EXPECT_EQ(via_run.FindTaskPtr("a"), a_running);
  EXPECT_EQ(via_run.pending().size(), via_apply.pending().size());
  EXPECT_EQ(via_run.version(), via_apply.version() + 1);  // two saves against one Apply
}

// A delta carries status, appended events and the fields that changed; anything else
// (config, instance, ancestor, earlier events) makes DeltaOf refuse.
TEST(ClusterStateTest, DeltaOfAndApplyDeltaRoundTrip) {
  model::Task before = MakeTask("a", model::ScheduleStatus::kPending);
  before.events = {{1, model::ScheduleStatus::kPending, "", "s"}};
  model::Task after = before;
  after.status = model::ScheduleStatus::kAssigned;
  after.agent_id = "agent-1";
  after.agent_host = "host-1";
  after.assigned_ports = {{"http", 31000}};
  after.events.push_back({2, model::ScheduleStatus::kAssigned, "", "s"});
  std::optional<TaskDelta> d = DeltaOf(before, after);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->new_events.size(), 1u);
  EXPECT_TRUE(d->agent_id && d->agent_host && d->assigned_ports);
  EXPECT_FALSE(d->failure_count || d->times_partitioned);
  EXPECT_TRUE(model::SameTask(ApplyDelta(before, *d), after));

  model::Task other_config = after;
  other_config.config = std::make_shared<model::TaskConfig>(*after.config);
  EXPECT_FALSE(DeltaOf(before, other_config).has_value());
  model::Task rewritten = after;
  rewritten.events[0].message = "changed";
  EXPECT_FALSE(DeltaOf(before, rewritten).has_value());
  model::Task other_instance = after;
  other_instance.instance_id = 7;
  EXPECT_FALSE(DeltaOf(before, other_instance).has_value());
}

TEST(ClusterStateTest, ChangeTasksAppliesToStoredTasksAndNamesUnknownOnes) {
  ClusterState st;
  st.Apply(SaveTasks{{MakeTask("a", model::ScheduleStatus::kPending)}});
  TaskDelta to_running{"a", model::ScheduleStatus::kRunning, {}, {}, {}, {}, {}, {}};
  TaskDelta ghost{"ghost", model::ScheduleStatus::kRunning, {}, {}, {}, {}, {}, {}};
  EXPECT_EQ(st.Unknown(ChangeTasks{{to_running}}), nullptr);
  const ChangeTasks both{{to_running, ghost}};
  const model::TaskId* unknown = st.Unknown(both);  // points into `both`
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(*unknown, "ghost");
  st.Apply(both);  // the unknown one is skipped
  EXPECT_EQ(st.task_count(), 1u);
  EXPECT_EQ(st.FindTask("a")->status, model::ScheduleStatus::kRunning);
  EXPECT_TRUE(st.pending().empty());
}

TEST(ClusterStateTest, ActiveTaskCountFollowsSavesAndRemoves) {
  ClusterState st;
  const model::JobKey web{"www-data", "prod", "web"};
  EXPECT_EQ(st.ActiveTaskCount(web), 0);
  st.Apply(SaveTasks{{MakeTask("a", model::ScheduleStatus::kPending),
                      MakeTask("b", model::ScheduleStatus::kRunning),
                      MakeTask("c", model::ScheduleStatus::kFinished)}});
  EXPECT_EQ(st.ActiveTaskCount(web), 2);
  st.Apply(SaveTasks{{MakeTask("b", model::ScheduleStatus::kFailed)}});  // active → terminal
  EXPECT_EQ(st.ActiveTaskCount(web), 1);
  st.Apply(SaveTasks{{MakeTask("c", model::ScheduleStatus::kPending)}});  // terminal → active
  EXPECT_EQ(st.ActiveTaskCount(web), 2);
  st.Apply(RemoveTasks{{"a", "c", "unknown"}});
  EXPECT_EQ(st.ActiveTaskCount(web), 0);
  EXPECT_EQ(st.ActiveTaskCount({"www-data", "prod", "other"}), 0);
}

TEST(ClusterStateTest, QuotaSaveReplaceRemove) {
  ClusterState st;
  model::Resources q;
  q.milli_cpus = 2000;
  q.ram_mb = 1024;
  q.disk_mb = 4096;
  st.Apply(SaveQuota{"www-data", q});
  ASSERT_NE(st.FindQuota("www-data"), nullptr);
  EXPECT_EQ(*st.FindQuota("www-data"), q);
  q.ram_mb = 2048;
  st.Apply(SaveQuota{"www-data", q});
  EXPECT_EQ(st.FindQuota("www-data")->ram_mb, 2048);
  st.Apply(RemoveQuota{"www-data"});
  st.Apply(RemoveQuota{"unknown"});
  EXPECT_EQ(st.FindQuota("www-data"), nullptr);
  EXPECT_TRUE(st.quotas().empty());
}

TEST(ClusterStateTest, ReadersKeepTheirView) {
  ClusterState st;
  st.Apply(SaveTasks{{MakeTask("a", model::ScheduleStatus::kPending)}});
  auto view = st.tasks();
  st.Apply(SaveTasks{{MakeTask("a", model::ScheduleStatus::kRunning)}});
  st.Apply(RemoveTasks{{"a"}});
  ASSERT_EQ(view->size(), 1u);
  EXPECT_EQ(view->at("a")->status, model::ScheduleStatus::kPending);
  EXPECT_EQ(st.task_count(), 0u);
}

void ExerciseStore(Store& store) {
  ASSERT_THAT(store.Append({"one", "two"}), IsOk());
  ASSERT_THAT(store.Append({std::string("th\0ree", 6)}), IsOk());
  auto rec = store.Load();
  ASSERT_THAT(rec, IsOk());
  EXPECT_FALSE(rec->snapshot.has_value());
  EXPECT_EQ(rec->records, (std::vector<std::string>{"one", "two", std::string("th\0ree", 6)}));
  EXPECT_EQ(store.records_since_snapshot(), 3u);

  ASSERT_THAT(store.WriteSnapshot("SNAP"), IsOk());
  ASSERT_THAT(store.Append({"four"}), IsOk());
  rec = store.Load();
  ASSERT_THAT(rec, IsOk());
  EXPECT_EQ(rec->snapshot, "SNAP");
  EXPECT_EQ(rec->records, (std::vector<std::string>{"four"}));
  EXPECT_EQ(store.records_since_snapshot(), 1u);
}

// A kept preemption search re-reads an agent only when its load's stamp changed: every
// change to the tasks on an agent must change it (a status change that keeps the task's
// resources too), to a value the agent never had, and a change elsewhere must not.
TEST(ClusterStateTest, AgentLoadStampChangesWithTheAgentsTasks) {
  auto on = [](const std::string& id, const std::string& agent, model::ScheduleStatus s) {
    model::Task t = MakeTask(id, s);
    t.agent_id = model::AgentId(agent);
    return t;
  };
  using S = model::ScheduleStatus;
  ClusterState st;
  st.Apply(SaveTasks{{on("a", "agent-1", S::kStarting), on("b", "agent-2", S::kRunning)}});
  ASSERT_NE(st.LoadOf("agent-1"), nullptr);
  const uint64_t s1 = st.LoadOf("agent-1")->stamp;
  const uint64_t b1 = st.LoadOf("agent-2")->stamp;
  EXPECT_NE(s1, 0u);
  EXPECT_NE(s1, b1);

  st.Apply(SaveTasks{{on("a", "agent-1", S::kRunning)}});  // same resources: pointer swap
  const uint64_t s2 = st.LoadOf("agent-1")->stamp;
  EXPECT_NE(s2, s1);
  EXPECT_EQ(st.LoadOf("agent-2")->stamp, b1);

  st.Apply(SaveTasks{{MakeTask("p", S::kPending)}});  // on no agent
  EXPECT_EQ(st.LoadOf("agent-1")->stamp, s2);

  st.Apply(RemoveTasks{{"a"}});
  EXPECT_EQ(st.LoadOf("agent-1"), nullptr);
  st.Apply(SaveTasks{{on("c", "agent-1", S::kRunning)}});
  const uint64_t s3 = st.LoadOf("agent-1")->stamp;
  EXPECT_NE(s3, s1);
  EXPECT_NE(s3, s2);
  EXPECT_EQ(st.LoadOf("agent-2")->stamp, b1);

  st.Apply(SaveTasks{{on("c", "agent-2", S::kRunning)}});  // moves: both agents change
  EXPECT_EQ(st.LoadOf("agent-1"), nullptr);
  EXPECT_NE(st.LoadOf("agent-2")->stamp, b1);
}

TEST(StoreTest, MemoryStoreRoundTrip) {
  MemoryStore store;
  ExerciseStore(store);
}

TEST(StoreTest, MemoryStoreCanFail) {
  MemoryStore store;
  store.FailNextAppend(absl::UnavailableError("disk gone"));
  EXPECT_THAT(store.Append({"x"}), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("disk")));
  EXPECT_THAT(store.Append({"y"}), IsOk());
  EXPECT_EQ(store.Load()->records, std::vector<std::string>{"y"});
}

TEST(StoreTest, SqliteStoreRoundTripAndReopen) {
  borealis::testing::TempDir dir;
  {
    auto store = SqliteStore::Open(dir.Sub("state.db"));
    ASSERT_THAT(store, IsOk());
    ExerciseStore(**store);
  }
  auto store = SqliteStore::Open(dir.Sub("state.db"));
  ASSERT_THAT(store, IsOk());
  EXPECT_EQ((*store)->records_since_snapshot(), 1u);
  auto rec = (*store)->Load();
  ASSERT_THAT(rec, IsOk());
  EXPECT_EQ(rec->snapshot, "SNAP");
  EXPECT_EQ(rec->records, std::vector<std::string>{"four"});
}

// Appends far more than the checkpoint threshold: the background checkpoints keep the WAL
// file bounded (without any checkpoint it would hold every byte appended) and every record
// is still there after a reopen.
TEST(StoreTest, SqliteStoreCheckpointsInTheBackgroundAndKeepsTheWalBounded) {
  borealis::testing::TempDir dir;
  const std::string path = dir.Sub("state.db");
  const std::string record(200 * 1024, 'x');
  const int kRecords = 300;  // 60 MB, about 15 times the threshold's 1,000 pages
  {
    auto store = SqliteStore::Open(path);
    ASSERT_THAT(store, IsOk());
    for (int i = 0; i < kRecords; ++i) {
      ASSERT_THAT((*store)->Append({record + std::to_string(i)}), IsOk());
    }
    EXPECT_GT((*store)->background_checkpoints(), 0u);
    std::error_code ec;
    const auto wal_bytes = std::filesystem::file_size(path + "-wal", ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_LT(wal_bytes, 24u * 1024 * 1024);  // 4,000 pages of 4 KiB and one record
  }
  auto store = SqliteStore::Open(path);
  ASSERT_THAT(store, IsOk());
  auto rec = (*store)->Load();
  ASSERT_THAT(rec, IsOk());
  ASSERT_EQ(rec->records.size(), static_cast<size_t>(kRecords));
  EXPECT_EQ(rec->records.back(), record + std::to_string(kRecords - 1));
}

TEST(StoreTest, SqliteStoreRefusesAnUnwritablePath) {
  EXPECT_THAT(SqliteStore::Open("/nonexistent-dir/x/state.db"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("cannot open store")));
}

}  // namespace
}  // namespace borealis::state
