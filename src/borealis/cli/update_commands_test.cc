// Tests of the `update` noun's pure pieces: settings from update_config as Aurora's client
// builds them, --status filters, and list/info output against golden files in
// tests/cli/golden/ (Aurora's layout).
#include "borealis/cli/update_commands.h"

#include <gtest/gtest.h>

#include "borealis/cli/cli_run_testing.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::cli {
namespace {

using nlohmann::json;
using S = api::JobUpdateStatus;

// update_config as the loader writes it for `UpdateConfig()` (every default filled in).
json Defaults() {
  return json::parse(R"({"batch_size": 1, "max_per_shard_failures": 0, "max_total_failures": 0,
    "rollback_on_failure": true, "sla_aware": false, "wait_for_batch_completion": false,
    "watch_secs": 45})");
}

TEST(UpdateSettingsTest, DefaultsAreAQueueOfOne) {
  auto s = UpdateSettingsFromConfig(Defaults(), std::nullopt);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->updateGroupSize, 1);
  EXPECT_EQ(s->maxPerInstanceFailures, 0);
  EXPECT_EQ(s->maxFailedInstances, 0);
  EXPECT_EQ(s->minWaitInInstanceRunningMs, 45000);
  EXPECT_TRUE(s->rollbackOnFailure);
  EXPECT_FALSE(s->waitForBatchCompletion);
  EXPECT_FALSE(s->__isset.blockIfNoPulsesAfterMs);
  EXPECT_TRUE(s->__isset.slaAware);
  EXPECT_FALSE(s->slaAware);
  EXPECT_FALSE(s->__isset.updateOnlyTheseInstances);
  ASSERT_TRUE(s->updateStrategy.__isset.queueStrategy);
  EXPECT_EQ(s->updateStrategy.queueStrategy.groupSize, 1);
}

TEST(UpdateSettingsTest, FieldsMapAsAurorasClientMapsThem) {
  json c = Defaults();
  c["batch_size"] = 3;
  c["watch_secs"] = 7;
  c["max_per_shard_failures"] = 2;
  c["max_total_failures"] = 1;
  c["rollback_on_failure"] = false;
  c["wait_for_batch_completion"] = true;
  c["pulse_interval_secs"] = 60;
  c["sla_aware"] = true;
  auto s = UpdateSettingsFromConfig(c, std::set<int32_t>{0, 1, 2, 5, 8, 9});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->updateGroupSize, 3);
  EXPECT_EQ(s->minWaitInInstanceRunningMs, 7000);
  EXPECT_EQ(s->maxPerInstanceFailures, 2);
  EXPECT_EQ(s->maxFailedInstances, 1);
  EXPECT_FALSE(s->rollbackOnFailure);
  EXPECT_TRUE(s->waitForBatchCompletion);
  EXPECT_EQ(s->blockIfNoPulsesAfterMs, 60000);
  EXPECT_TRUE(s->slaAware);
  ASSERT_TRUE(s->updateStrategy.__isset.batchStrategy) << "wait_for_batch_completion: Batch";
  EXPECT_EQ(s->updateStrategy.batchStrategy.groupSize, 3);
  EXPECT_FALSE(s->updateStrategy.batchStrategy.autopauseAfterBatch);
  std::set<api::Range> want;
  for (auto [f, l] : std::vector<std::pair<int, int>>{{0, 2}, {5, 5}, {8, 9}}) {
    api::Range r;
    r.first = f;
    r.last = l;
    want.insert(r);
  }
  EXPECT_EQ(s->updateOnlyTheseInstances, want);
}

TEST(UpdateSettingsTest, ExplicitStrategies) {
  json q = Defaults();
  q["update_strategy"] = {{"batch_size", 2}};
  auto s = UpdateSettingsFromConfig(q, std::nullopt);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_TRUE(s->updateStrategy.__isset.queueStrategy);
  EXPECT_EQ(s->updateStrategy.queueStrategy.groupSize, 2);
  EXPECT_EQ(s->updateGroupSize, 2);

  json b = Defaults();
  b["update_strategy"] = {{"batch_size", 4}, {"autopause_after_batch", true}};
  s = UpdateSettingsFromConfig(b, std::nullopt);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_TRUE(s->updateStrategy.__isset.batchStrategy);
  EXPECT_EQ(s->updateStrategy.batchStrategy.groupSize, 4);
  EXPECT_TRUE(s->updateStrategy.batchStrategy.autopauseAfterBatch);
  EXPECT_TRUE(s->waitForBatchCompletion);

  json v = Defaults();
  v["update_strategy"] = {{"batch_sizes", {1, 2, 3}}, {"autopause_after_batch", false}};
  s = UpdateSettingsFromConfig(v, std::nullopt);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_TRUE(s->updateStrategy.__isset.varBatchStrategy);
  EXPECT_EQ(s->updateStrategy.varBatchStrategy.groupSizes, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(s->updateGroupSize, 1);
}

TEST(UpdateSettingsTest, BadSettingsNameTheField) {
  const std::vector<std::pair<json, std::string>> cases = {
      {{{"batch_size", 0}}, "update_config.batch_size: must be positive"},
      {{{"watch_secs", -1}}, "update_config.watch_secs: must not be negative"},
      {{{"pulse_interval_secs", 30}}, "update_config.pulse_interval_secs: must be at least 60"},
      {{{"batch_size", 2}, {"update_strategy", {{"batch_size", 2}}}},
       "update_config.batch_size: may not be combined with update_strategy"},
      {{{"wait_for_batch_completion", true}, {"update_strategy", {{"batch_size", 2}}}},
       "update_config.wait_for_batch_completion"},
      {{{"update_strategy", {{"batch_sizes", {1, 0}}}}},
       "update_config.update_strategy.batch_sizes[1]: must be positive"},
      {{{"update_strategy", {{"batch_sizes", json::array()}}}},
       "update_config.update_strategy.batch_sizes"},
      {{{"batch_size", "two"}}, "update_config.batch_size: expected an integer"},
  };
  for (const auto& [config, message] : cases) {
    auto s = UpdateSettingsFromConfig(config, std::nullopt);
    ASSERT_FALSE(s.ok()) << config.dump();
    EXPECT_EQ(ExitCodeFor(s.status()), kExitInvalidConfig);
    EXPECT_NE(std::string(s.status().message()).find(message), std::string::npos)
        << s.status() << " want " << message;
  }
}

TEST(StatusFilterTest, GroupsAndNames) {
  auto f = ParseStatusFilters({"active"});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, (std::set<S::type>{S::ROLLING_FORWARD, S::ROLLING_BACK, S::ROLL_FORWARD_PAUSED,
                                   S::ROLL_BACK_PAUSED, S::ROLL_FORWARD_AWAITING_PULSE,
                                   S::ROLL_BACK_AWAITING_PULSE}));
  f = ParseStatusFilters({"inactive"});
  EXPECT_EQ(*f, (std::set<S::type>{S::ROLLED_FORWARD, S::ROLLED_BACK, S::ABORTED, S::ERROR,
                                   S::FAILED}));
  EXPECT_EQ(ParseStatusFilters({"all"})->size(), 11u);
  EXPECT_EQ(*ParseStatusFilters({"failed"}), (std::set<S::type>{S::ERROR, S::FAILED, S::ROLLED_BACK}));
  EXPECT_EQ(*ParseStatusFilters({"blocked", "succeeded"}),
            (std::set<S::type>{S::ROLL_FORWARD_AWAITING_PULSE, S::ROLL_BACK_AWAITING_PULSE,
                               S::ROLLED_FORWARD}));
  EXPECT_EQ(*ParseStatusFilters({"paused", "ABORTED", "rolled_back"}),
            (std::set<S::type>{S::ROLL_FORWARD_PAUSED, S::ROLL_BACK_PAUSED, S::ABORTED,
                               S::ROLLED_BACK}));
  EXPECT_TRUE(ParseStatusFilters({})->empty());
  auto bad = ParseStatusFilters({"finished"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(ExitCodeFor(bad.status()), kExitInvalidParameter);
}

TEST(UpdateOutputTest, Timestamps) {
  EXPECT_EQ(FormatUpdateTimestamp(0), "1970-01-01T00:00:00");
  EXPECT_EQ(FormatUpdateTimestamp(1796431834999), "2026-12-05T00:50:34");
}

api::JobUpdateSummary Summary(const std::string& job, const std::string& id, S::type status,
                              const std::string& user, int64_t created, int64_t modified) {
  api::JobUpdateSummary s;
  s.key.job.role = "www-data";
  s.key.job.environment = "prod";
  s.key.job.name = job;
  s.key.id = id;
  s.user = user;
  s.state.status = status;
  s.state.createdTimestampMs = created;
  s.state.lastModifiedTimestampMs = modified;
  return s;
}

std::vector<api::JobUpdateSummary> TwoUpdates() {
  return {Summary("web", "8d4c5b0e-9c38-4a4f-9c1e-7a1f2b3c4d5e", S::ROLLED_FORWARD, "alice",
                  1796431800000, 1796431834000),
          Summary("a-job-name-that-is-long-enough-to-overflow-its-column",
                  "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", S::ROLL_FORWARD_AWAITING_PULSE, "bob",
                  1796431900000, 1796431960000)};
}

std::string Golden(const std::string& name) {
  return testing::ReadWholeFile(std::string(BOREALIS_SOURCE_DIR) + "/tests/cli/golden/" + name);
}

TEST(UpdateOutputTest, ListIsAurorasColumns) {
  EXPECT_EQ(FormatUpdateList("devcluster", TwoUpdates()), Golden("update_list.txt"));
  EXPECT_EQ(FormatUpdateList("devcluster", {}), "") << "no header without updates";
  // Scripts read the second and third columns.
  const std::string row = FormatUpdateList("devcluster", TwoUpdates()).substr(
      FormatUpdateList("devcluster", {}).size());
  EXPECT_NE(row.find("devcluster/www-data/prod/web" + std::string(19, ' ') +
                     " 8d4c5b0e-9c38-4a4f-9c1e-7a1f2b3c4d5e ROLLED_FORWARD  alice"),
            std::string::npos)
      << row;
}

TEST(UpdateOutputTest, ListJson) {
  EXPECT_EQ(UpdateListJson("devcluster", TwoUpdates()) + "\n", Golden("update_list.json"));
  EXPECT_EQ(UpdateListJson("devcluster", {}), "[]");
}

api::JobUpdateDetails Details() {
  api::JobUpdateDetails d;
  d.update.summary = TwoUpdates()[0];
  api::Metadata m1, m2;
  m1.key = "org.apache.aurora.client.update_id";
  m1.value = "c0ffee00-0000-4000-8000-000000000001";
  m2.key = "borealis.canary";
  m2.value = "1";
  d.update.summary.__set_metadata({m1, m2});
  api::JobUpdateEvent e1, e2;
  e1.status = S::ROLLING_FORWARD;
  e1.timestampMs = 1796431800000;
  e2.status = S::ROLLED_FORWARD;
  e2.timestampMs = 1796431834000;
  e2.__set_message("all instances updated");
  d.updateEvents = {e1, e2};
  for (int i = 0; i < 2; ++i) {
    api::JobInstanceUpdateEvent u, done;
    u.instanceId = done.instanceId = i;
    u.timestampMs = 1796431801000 + i * 10000;
    u.action = api::JobUpdateAction::INSTANCE_UPDATING;
    done.timestampMs = u.timestampMs + 5000;
    done.action = api::JobUpdateAction::INSTANCE_UPDATED;
    d.instanceEvents.push_back(u);
    d.instanceEvents.push_back(done);
  }
  return d;
}

TEST(UpdateOutputTest, InfoIsAurorasLayout) {
  const std::string text = FormatUpdateInfo("devcluster/www-data/prod/web", Details());
  EXPECT_EQ(text, Golden("update_info.txt"));
  EXPECT_NE(text.find("\nCurrent status: ROLLED_FORWARD\n"), std::string::npos);
  EXPECT_EQ(UpdateInfoJson("devcluster/www-data/prod/web", Details()) + "\n",
            Golden("update_info.json"));
}

TEST(UpdateOutputTest, UrlAndExitCodes) {
  api::JobUpdateKey key;
  key.job.role = "www-data";
  key.job.environment = "prod";
  key.job.name = "web";
  key.id = "abc";
  EXPECT_EQ(UpdateUrl("http://127.0.0.1:8081", key),
            "http://127.0.0.1:8081/scheduler/www-data/prod/web/update/abc");
  EXPECT_EQ(UpdateWaitExitCode(S::ROLLED_FORWARD, false), 0);
  EXPECT_EQ(UpdateWaitExitCode(S::ROLLED_BACK, false), 4);
  EXPECT_EQ(UpdateWaitExitCode(S::ABORTED, false), 20);
  EXPECT_EQ(UpdateWaitExitCode(S::FAILED, false), 20);
  EXPECT_EQ(UpdateWaitExitCode(S::ROLLED_BACK, true), 0);
  EXPECT_EQ(UpdateWaitExitCode(S::ROLLED_FORWARD, true), 4);
}

api::ConfigGroup Group(std::vector<std::pair<int, int>> ranges, const std::string& user) {
  api::ConfigGroup g;
  api::JobKey job;
  job.role = "www-data";
  job.environment = "prod";
  job.name = "web";
  g.config.__set_job(job);
  g.config.owner.user = user;
  g.config.isService = true;
  for (auto [f, l] : ranges) {
    api::Range r;
    r.first = f;
    r.last = l;
    g.instances.insert(r);
  }
  return g;
}

TEST(UpdateDiffTest, AurorasSummaryLines) {
  api::GetJobUpdateDiffResult diff;
  diff.add = {Group({{5, 6}}, "alice")};
  diff.update = {Group({{3, 3}, {0, 1}}, "bob"), Group({{2, 2}}, "carol")};
  diff.unchanged = {Group({{4, 4}}, "alice")};
  EXPECT_EQ(FormatUpdateDiff(diff, nullptr),
            "This job update will:\n"
            "add instances: [5-6]\n"
            "update instances: [0-1], [2], [3]\n"
            "not change instances: [4]\n");
  model::JobConfiguration local;
  local.key = {"www-data", "prod", "web"};
  local.instance_count = 7;
  local.task.job = local.key;
  local.task.owner_user = "alice";
  local.task.is_service = true;
  const std::string with_diff = FormatUpdateDiff(diff, &local);
  EXPECT_NE(with_diff.find("update instances: [0-1], [3]\nwith diff:\n\n"
                           "  owner.user: \"bob\" -> \"alice\"\n"),
            std::string::npos)
      << with_diff;
  EXPECT_NE(with_diff.find("update instances: [2]\nwith diff:\n\n"
                           "  owner.user: \"carol\" -> \"alice\"\n"),
            std::string::npos)
      << with_diff;
  EXPECT_EQ(FormatUpdateDiff(api::GetJobUpdateDiffResult(), nullptr), "This job update will:\n");
}

TEST(PromoteTest, OnlyAPausedCanary) {
  api::JobUpdateSummary s = TwoUpdates()[0];
  s.state.status = S::ROLL_FORWARD_PAUSED;
  auto status = CheckPromotable(s);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(std::string(status.message()).find("is not a canary update"), std::string::npos);
  api::Metadata m;
  m.key = kCanaryKey;
  m.value = "2";
  s.__set_metadata({m});
  EXPECT_TRUE(CheckPromotable(s).ok());
  api::Metadata state;
  state.key = kCanaryStateKey;
  state.value = "awaiting_promotion";
  s.__set_metadata({m, state});
  EXPECT_TRUE(CheckPromotable(s).ok());
  state.value = "promoted";
  s.__set_metadata({m, state});
  status = CheckPromotable(s);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(std::string(status.message()).find("borealis.canary.state=promoted"),
            std::string::npos)
      << status;
  s.__set_metadata({m});
  s.state.status = S::ROLLING_FORWARD;
  status = CheckPromotable(s);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(std::string(status.message()).find("is ROLLING_FORWARD, not a canary waiting for "
                                               "promotion"),
            std::string::npos)
      << status;
}

TEST(UpdateCliTest, BadArgumentsAreRefusedBeforeAnyCall) {
  CliRun r = RunCliInProcess({"update", "list", "devcluster/a/b/c/d"});
  EXPECT_EQ(r.code, kExitInvalidParameter) << r.err;
  r = RunCliInProcess({"update", "list", "devcluster", "--status", "bogus"});
  EXPECT_EQ(r.code, kExitInvalidParameter) << r.err;
  r = RunCliInProcess({"update", "start", "devcluster/www-data/prod/web", "x.aurora",
                       "--auto-promote-after", "30"});
  EXPECT_EQ(r.code, kExitInvalidParameter) << r.err;
  EXPECT_NE(r.err.find("--auto-promote-after applies only with --canary"), std::string::npos);
  r = RunCliInProcess({"update", "wait", "devcluster/www-data/prod/web"});
  EXPECT_EQ(r.code, kExitInvalidCommand) << "the update id is required";
}

}  // namespace
}  // namespace borealis::cli
