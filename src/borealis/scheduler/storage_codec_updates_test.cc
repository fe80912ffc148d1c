// Job update records survive the log and the snapshot exactly: the update, its status and
// instance events, the active update per job, and removals.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "borealis/scheduler/storage_codec.h"
#include "borealis/testing/status_matchers.h"

namespace borealis::scheduler {
namespace {

using ::borealis::testing::IsOk;
using S = model::UpdateStatus;

model::JobUpdate SampleUpdate(const std::string& id) {
  auto old_c = std::make_shared<model::TaskConfig>();
  old_c->job = {"www-data", "prod", "web"};
  old_c->is_service = true;
  old_c->executor_data = "old";
  auto new_c = std::make_shared<model::TaskConfig>(*old_c);
  new_c->executor_data = "new";
  model::JobUpdate u;
  u.summary.key = {{"www-data", "prod", "web"}, id};
  u.summary.user = "alice";
  u.summary.metadata = {{"org.apache.aurora.client.update_id", id}};
  u.instructions.initial_state = {{old_c, {{0, 2}}}};
  u.instructions.desired_state = model::InstanceTaskConfig{new_c, {{0, 3}}};
  u.instructions.settings.max_failed_instances = 1;
  u.instructions.settings.min_wait_in_instance_running_ms = 5000;
  u.instructions.settings.rollback_on_failure = true;
  u.instructions.settings.block_if_no_pulses_after_ms = 60000;
  u.instructions.settings.update_only_these_instances = {{0, 3}};
  u.instructions.settings.strategy =
      model::UpdateStrategy{model::UpdateStrategy::Kind::kVariableBatch, {1, 2, 3}, true};
  return u;
}

std::vector<state::Mutation> SampleMutations() {
  std::vector<state::Mutation> ms;
  model::JobUpdate u = SampleUpdate("u-1");
  ms.push_back(state::SaveJobUpdate{u});
  ms.push_back(state::SaveJobUpdateEvent{u.summary.key, {S::kRollingForward, 1000, "alice", "go"}});
  ms.push_back(state::SaveJobInstanceUpdateEvent{
      u.summary.key, {2, 1500, model::UpdateAction::kInstanceUpdating, std::nullopt}});
  ms.push_back(state::SaveJobUpdateEvent{u.summary.key, {S::kRollForwardPaused, 2000, {}, "wait"}});
  model::JobUpdate done = SampleUpdate("u-0");
  done.summary.key.job.name = "api";
  ms.push_back(state::SaveJobUpdate{done});
  ms.push_back(state::SaveJobUpdateEvent{done.summary.key, {S::kRolledForward, 900, {}, {}}});
  return ms;
}

void ExpectSameUpdates(const state::ClusterState& a, const state::ClusterState& b) {
  ASSERT_EQ(a.updates().size(), b.updates().size());
  for (const auto& [key, d] : *a.updates().records()) {
    const model::JobUpdateDetails* other = b.updates().Find(key);
    ASSERT_NE(other, nullptr) << key.ToString();
    EXPECT_EQ(*d, *other) << key.ToString();
  }
  EXPECT_EQ(a.updates().active(), b.updates().active());
}

TEST(StorageCodecUpdatesTest, UpdateRecordsSurviveATransaction) {
  const std::vector<state::Mutation> ms = SampleMutations();
  auto decoded = DecodeTransaction(EncodeTransaction(ms));
  ASSERT_THAT(decoded.status(), IsOk());
  ASSERT_EQ(decoded->size(), ms.size());
  state::ClusterState original, replayed;
  original.ApplyAll(ms);
  replayed.ApplyAll(*decoded);
  ExpectSameUpdates(original, replayed);
  const model::JobUpdateDetails* d = replayed.updates().Find({{"www-data", "prod", "web"}, "u-1"});
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->update.summary.status, S::kRollForwardPaused);
  EXPECT_EQ(d->update.summary.created_ms, 1000);
  EXPECT_EQ(d->update.summary.last_modified_ms, 2000);
  EXPECT_EQ(replayed.updates().ActiveUpdate({"www-data", "prod", "web"})->id, "u-1");
  EXPECT_FALSE(replayed.updates().ActiveUpdate({"www-data", "prod", "api"}));
}

TEST(StorageCodecUpdatesTest, UpdateRecordsSurviveASnapshotAndRemovals) {
  state::ClusterState original;
  original.ApplyAll(SampleMutations());
  state::ClusterState recovered;
  ASSERT_THAT(DecodeSnapshot(EncodeSnapshot(original, 5000), &recovered), IsOk());
  ExpectSameUpdates(original, recovered);

  const state::Mutation remove = state::RemoveJobUpdates{{{{"www-data", "prod", "web"}, "u-1"}}};
  auto decoded = DecodeTransaction(EncodeTransaction({remove}));
  ASSERT_THAT(decoded.status(), IsOk());
  recovered.ApplyAll(*decoded);
  EXPECT_EQ(recovered.updates().size(), 1u);
  EXPECT_FALSE(recovered.updates().ActiveUpdate({"www-data", "prod", "web"}));
}

}  // namespace
}  // namespace borealis::scheduler
