// Host modes and drain requests survive the log (saveHostAttributes,
// saveHostMaintenanceRequest, removeHostMaintenanceRequest) and snapshots.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "borealis/scheduler/storage_codec.h"
#include "borealis/state/cluster_state.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/wire/codec.h"
#include "gen-cpp/storage_types.h"

namespace borealis::scheduler {
namespace {

using ::borealis::testing::IsOk;
using model::MaintenanceMode;

const model::MaintenanceRequest kForced{"h1", model::PercentageSlaPolicy{0, 0}, 0, 1000};
const model::MaintenanceRequest kCoordinated{
    "h2", model::CoordinatorSlaPolicy{"http://c:8080/sla", "ok"}, 600, 2000};

TEST(StorageCodecMaintenanceTest, ModesAndRequestsSurviveATransaction) {
  const std::string bytes = EncodeTransaction(
      {state::SaveHostMode{"h1", MaintenanceMode::kDraining},
       state::SaveHostMode{"h2", MaintenanceMode::kScheduled},
       state::SaveMaintenanceRequest{kForced}, state::SaveMaintenanceRequest{kCoordinated},
       state::RemoveMaintenanceRequest{"h2"}});
  auto decoded = DecodeTransaction(bytes);
  ASSERT_THAT(decoded.status(), IsOk());
  state::ClusterState st;
  st.ApplyAll(*decoded);
  EXPECT_EQ(st.maintenance().ModeOf("h1"), MaintenanceMode::kDraining);
  EXPECT_EQ(st.maintenance().ModeOf("h2"), MaintenanceMode::kScheduled);
  EXPECT_EQ(st.maintenance().ModeOf("h3"), MaintenanceMode::kNone);
  ASSERT_NE(st.maintenance().RequestOf("h1"), nullptr);
  EXPECT_EQ(*st.maintenance().RequestOf("h1"), kForced);  // the 0 % policy decodes
  EXPECT_EQ(st.maintenance().RequestOf("h2"), nullptr);

  // The ops are Aurora's.
  storage::Transaction txn;
  ASSERT_THAT(wire::DeserializeCompact(bytes, &txn), IsOk());
  ASSERT_EQ(txn.ops.size(), 5u);
  EXPECT_TRUE(txn.ops[0].__isset.saveHostAttributes);
  EXPECT_EQ(txn.ops[0].saveHostAttributes.hostAttributes.mode, api::MaintenanceMode::DRAINING);
  EXPECT_TRUE(txn.ops[2].__isset.saveHostMaintenanceRequest);
  EXPECT_EQ(txn.ops[3].saveHostMaintenanceRequest.hostMaintenanceRequest.timeoutSecs, 600);
  EXPECT_TRUE(txn.ops[4].__isset.removeHostMaintenanceRequest);
}

TEST(StorageCodecMaintenanceTest, ModesAndRequestsSurviveASnapshot) {
  state::ClusterState st;
  st.Apply(state::SaveHostMode{"h1", MaintenanceMode::kDrained});
  st.Apply(state::SaveHostMode{"h2", MaintenanceMode::kDraining});
  st.Apply(state::SaveMaintenanceRequest{kCoordinated});
  state::ClusterState back;
  ASSERT_THAT(DecodeSnapshot(EncodeSnapshot(st, 1000), &back), IsOk());
  EXPECT_EQ(*back.maintenance().modes(), *st.maintenance().modes());
  ASSERT_NE(back.maintenance().RequestOf("h2"), nullptr);
  EXPECT_EQ(*back.maintenance().RequestOf("h2"), kCoordinated);
}

TEST(StorageCodecMaintenanceTest, AnUnknownModeIsDataLoss) {
  storage::Transaction txn;
  txn.schemaVersion = 1;
  storage::Op& op = txn.ops.emplace_back();
  api::HostAttributes a;
  a.__set_host("h1");
  a.__set_mode(static_cast<api::MaintenanceMode::type>(9));
  storage::SaveHostAttributes s;
  s.__set_hostAttributes(a);
  op.__set_saveHostAttributes(s);
  auto decoded = DecodeTransaction(wire::SerializeCompact(txn));
  EXPECT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("unknown maintenance mode 9"), std::string::npos)
      << decoded.status();
}

}  // namespace
}  // namespace borealis::scheduler
