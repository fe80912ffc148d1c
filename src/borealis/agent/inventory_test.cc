// Tests of --resources / --attributes parsing and of the files the agent reads and writes
// (task_files.h, update_store.h, paths.h).
#include "borealis/agent/inventory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "borealis/agent/paths.h"
#include "borealis/agent/task_files.h"
#include "borealis/agent/update_store.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::agent {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseResourcesTest, ReadsEveryKindInIntegerUnits) {
  absl::StatusOr<ResourceSpec> spec =
      ParseResources("cpus:2.5;mem:8192;disk:20000;gpus:1;ports:[33000-33100,31000-31999]");
  ASSERT_THAT(spec, IsOk());
  EXPECT_EQ(spec->scalars.milli_cpus, 2500);
  EXPECT_EQ(spec->scalars.ram_mb, 8192);
  EXPECT_EQ(spec->scalars.disk_mb, 20000);
  EXPECT_EQ(spec->scalars.gpus, 1);
  EXPECT_THAT(spec->ports,
              ElementsAre(model::PortRange{31000, 31999}, model::PortRange{33000, 33100}));
}

TEST(ParseResourcesTest, AcceptsASinglePortAndSpaces) {
  absl::StatusOr<ResourceSpec> spec = ParseResources(" cpus: 4 ; ports:[8080] ");
  ASSERT_THAT(spec, IsOk());
  EXPECT_EQ(spec->scalars.milli_cpus, 4000);
  EXPECT_THAT(spec->ports, ElementsAre(model::PortRange{8080, 8080}));
}

TEST(ParseResourcesTest, ErrorsNameTheResource) {
  EXPECT_THAT(ParseResources("cpus:x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("resource 'cpus'")));
  EXPECT_THAT(ParseResources("mem:-1"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'mem'")));
  EXPECT_THAT(ParseResources("bananas:3"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown")));
  EXPECT_THAT(ParseResources("cpus:1;cpus:2"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("twice")));
  EXPECT_THAT(ParseResources("ports:31000-32000"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("brackets")));
  EXPECT_THAT(ParseResources("ports:[32000-31000]"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ends before")));
  EXPECT_THAT(ParseResources("ports:[1-10,5-20]"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("overlap")));
  EXPECT_THAT(ParseResources("ports:[0-10]"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1..65535")));
  EXPECT_THAT(ParseResources("cpus"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name:value")));
}

TEST(ParseAttributesTest, ReadsPairsAndValueLists) {
  absl::StatusOr<Attributes> attrs = ParseAttributes("rack:r1;zone=z1;dedicated:b,a");
  ASSERT_THAT(attrs, IsOk());
  EXPECT_THAT((*attrs)["rack"], ElementsAre("r1"));
  EXPECT_THAT((*attrs)["zone"], ElementsAre("z1"));
  EXPECT_THAT((*attrs)["dedicated"], ElementsAre("a", "b"));
  EXPECT_THAT(ParseAttributes(""), IsOk());
}

TEST(ParseAttributesTest, RejectsHostAndMalformedItems) {
  EXPECT_THAT(ParseAttributes("host:x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'host'")));
  EXPECT_THAT(ParseAttributes("rack"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'rack'")));
  EXPECT_THAT(ParseAttributes("rack:a;rack:b"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("twice")));
}

TEST(BuildAgentInfoTest, AlwaysAddsHost) {
  ResourceSpec spec = *ParseResources("cpus:1;mem:10;ports:[100-200]");
  model::AgentInfo info = BuildAgentInfo("a1", "box7", spec, {{"rack", {"r1"}}});
  EXPECT_EQ(info.agent_id, "a1");
  EXPECT_EQ(info.resources.milli_cpus, 1000);
  EXPECT_THAT(info.port_ranges, ElementsAre(model::PortRange{100, 200}));
  EXPECT_THAT(info.attributes["host"], ElementsAre("box7"));
  EXPECT_THAT(info.attributes["rack"], ElementsAre("r1"));
}

TEST(PathsTest, ValidatesTaskIds) {
  EXPECT_THAT(ValidateTaskId("www-data-prod-hello-0-6a1f0c2e"), IsOk());
  EXPECT_THAT(ValidateTaskId(""), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_FALSE(ValidateTaskId("..").ok());
  EXPECT_FALSE(ValidateTaskId("a/b").ok());
  EXPECT_FALSE(ValidateTaskId(std::string("a\0b", 3)).ok());
}

TEST(TaskFilesTest, DecodesExecutorStatus) {
  absl::StatusOr<ExecutorStatus> status = DecodeExecutorStatus(R"({
    "task_id": "t1", "executor_pid": 42, "executor_start_ticks": 99,
    "updates": [{"seq": 1, "state": "STARTING", "message": "", "timestamp_ms": 5},
                {"seq": 2, "state": "RUNNING", "message": "up", "timestamp_ms": 6}],
    "processes": {"web": {"state": "RUNNING", "runs": 1, "pid": 50, "exit_code": -1}},
    "pgids": [50, 51]})");
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->executor_pid, 42);
  EXPECT_EQ(status->executor_start_ticks, 99);
  ASSERT_EQ(status->updates.size(), 2u);
  EXPECT_EQ(status->updates[1].state, "RUNNING");
  EXPECT_EQ(status->updates[1].message, "up");
  EXPECT_THAT(status->pgids, ElementsAre(50, 51));
  EXPECT_THAT(DecodeExecutorStatus("{\"updates\": 3}"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'updates'")));
  EXPECT_THAT(DecodeExecutorStatus("not json"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("status.json")));
}

TEST(TaskFilesTest, AgentRecordRoundTrips) {
  AgentTaskRecord record;
  record.task_id = "t1";
  record.executor_pid = 7;
  record.executor_start_ticks = 8;
  record.forwarded_seq = 3;
  record.state = model::ScheduleStatus::kRunning;
  record.kill_requested = true;
  record.launched_ms = 10;
  absl::StatusOr<AgentTaskRecord> back = DecodeAgentTaskRecord(EncodeAgentTaskRecord(record));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, record);
}

PendingUpdate MakeUpdate(const std::string& uuid, const std::string& task,
                         model::ScheduleStatus status) {
  PendingUpdate u;
  u.uuid = uuid;
  u.task_id = task;
  u.status = status;
  u.message = "m-" + uuid;
  u.timestamp_ms = 123;
  return u;
}

TEST(UpdateStoreTest, KeepsOrderPerTaskAcrossReopen) {
  borealis::testing::TempDir dir;
  std::string updates = dir.Sub("updates");
  {
    absl::StatusOr<UpdateStore> store = UpdateStore::Open(updates);
    ASSERT_THAT(store, IsOk());
    ASSERT_THAT(store->Add(MakeUpdate("u1", "a", model::ScheduleStatus::kStarting)), IsOk());
    ASSERT_THAT(store->Add(MakeUpdate("u2", "b", model::ScheduleStatus::kStarting)), IsOk());
    ASSERT_THAT(store->Add(MakeUpdate("u3", "a", model::ScheduleStatus::kRunning)), IsOk());
    EXPECT_THAT(store->Add(MakeUpdate("u3", "a", model::ScheduleStatus::kRunning)),
                StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("u3")));
  }
  // A temp file left by a crash mid-write is cleaned up.
  ASSERT_THAT(base::WriteFileAtomically(updates + "/00000000000000000009.json.tmp.1", "x"), IsOk());
  absl::StatusOr<UpdateStore> store = UpdateStore::Open(updates);
  ASSERT_THAT(store, IsOk());
  EXPECT_EQ(store->size(), 3u);
  std::vector<std::string> heads;
  for (const PendingUpdate* u : store->Heads()) heads.push_back(u->uuid);
  EXPECT_THAT(heads, ElementsAre("u1", "u2"));
  EXPECT_EQ(store->Head("a")->message, "m-u1");
  EXPECT_EQ(store->Head("a")->status, model::ScheduleStatus::kStarting);

  absl::StatusOr<std::optional<std::string>> acked = store->Acknowledge("u1");
  ASSERT_THAT(acked, IsOk());
  EXPECT_EQ(acked->value_or(""), "a");
  EXPECT_EQ(store->Head("a")->uuid, "u3");
  acked = store->Acknowledge("u1");  // duplicate
  ASSERT_THAT(acked, IsOk());
  EXPECT_FALSE(acked->has_value());

  // New updates sort after the ones already on disk.
  ASSERT_THAT(store->Add(MakeUpdate("u4", "a", model::ScheduleStatus::kFinished)), IsOk());
  absl::StatusOr<std::vector<std::string>> files = ListDir(updates);
  ASSERT_THAT(files, IsOk());
  EXPECT_EQ(files->size(), 3u);
  absl::StatusOr<UpdateStore> again = UpdateStore::Open(updates);
  ASSERT_THAT(again, IsOk());
  std::vector<std::string> all;
  for (const PendingUpdate* u : again->All()) all.push_back(u->uuid);
  EXPECT_THAT(all, ElementsAre("u2", "u3", "u4"));
}

TEST(UpdateStoreTest, CorruptFileIsAnErrorNamingIt) {
  borealis::testing::TempDir dir;
  std::string updates = dir.Sub("updates");
  ASSERT_THAT(MakeDirs(updates), IsOk());
  ASSERT_THAT(base::WriteFileAtomically(updates + "/00000000000000000001.json", "{"), IsOk());
  EXPECT_THAT(UpdateStore::Open(updates),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("00000000000000000001.json")));
}

}  // namespace
}  // namespace borealis::agent
