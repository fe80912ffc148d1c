// The simulator replays a scenario identically for the same seed, and refuses bad
// scenarios with the field named.
#include <gtest/gtest.h>

#include <sstream>

#include "borealis/sim/scenario.h"
#include "borealis/sim/simulator.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::sim {
namespace {

// 24 hosts in 4 racks; services, batch jobs with failures, a rack limit, a value
// constraint, an agent lost mid-way (its tasks LOST after the 30 s agent timeout).
constexpr const char* kSmall = R"({
  "name": "small", "seed": 7, "duration_s": 120, "tick_ms": 200, "stop_when_idle": false,
  "store": "memory",
  "hosts": {"count": 24, "cpus": 4, "ram_mb": 4096, "disk_mb": 10000, "ports": [31000, 31009],
            "attributes": {"rack": 4, "zone": 2}},
  "jobs": [
    {"name": "web", "count": 2, "instances": 10, "cpus": 0.5, "ram_mb": 256, "ports": 2},
    {"name": "batch", "count": 3, "instances": 8, "service": false, "run_s": 20,
     "failure_rate": 0.3, "max_task_failures": 3, "arrive_at_s": 1, "arrive_every_s": 5},
    {"name": "spread", "count": 1, "instances": 6, "constraints": {"rack": "limit:1"}},
    {"name": "zoned", "count": 1, "instances": 5, "constraints": {"zone": "zone-1"}}
  ],
  "agent_losses": [{"at_s": 10, "count": 2}]
})";

std::string RunTrace(const std::string& json, SimResult* result = nullptr,
                     const std::string& store = "", bool pipelined = true) {
  auto scenario = ParseScenario(json);
  EXPECT_TRUE(scenario.ok()) << scenario.status();
  std::ostringstream trace;
  SimOptions options;
  options.trace = &trace;
  options.store_override = store;
  options.pipelined_commit = pipelined;
  Simulator sim(*scenario, options);
  auto r = sim.Run();
  EXPECT_TRUE(r.ok()) << r.status();
  if (result != nullptr && r.ok()) *result = *r;
  return trace.str();
}

TEST(SimTest, SameSeedGivesTheSameTraceByteForByte) {
  SimResult first;
  const std::string a = RunTrace(kSmall, &first);
  const std::string b = RunTrace(kSmall);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find(" launch "), std::string::npos);
  EXPECT_NE(a.find(" agent_lost agent-"), std::string::npos);
  EXPECT_NE(a.find(" status "), std::string::npos);
  EXPECT_NE(a.find(" FAILED"), std::string::npos);
  // 55 tasks submitted; failed batch tasks and the lost agents' tasks are placed again.
  EXPECT_GT(first.placements, 55);
  // The rack limit leaves 2 of its 6 tasks pending.
  EXPECT_EQ(first.tasks_pending, 2);
  EXPECT_EQ(first.agents_lost, 2);
  EXPECT_GT(first.rss_bytes, 0);
  EXPECT_GE(first.hwm_bytes, first.rss_bytes);
}

// Simulated time of the first line containing `what`.
int64_t FirstAt(const std::string& trace, const std::string& what) {
  const size_t at = trace.find(what);
  if (at == std::string::npos) return -1;
  const size_t line = trace.rfind('\n', at);
  return std::stoll(trace.substr(line == std::string::npos ? 0 : line + 1));
}

TEST(SimTest, SyncCommitsAreDeterministicTooAndReleaseATickSooner) {
  SimResult sync, pipelined;
  const std::string a = RunTrace(kSmall, &sync, "sqlite", /*pipelined=*/false);
  EXPECT_EQ(a, RunTrace(kSmall, nullptr, "sqlite", /*pipelined=*/false));
  const std::string b = RunTrace(kSmall, &pipelined, "sqlite", /*pipelined=*/true);
  EXPECT_EQ(sync.commit, "sync");
  EXPECT_EQ(pipelined.commit, "pipelined");
  // Pipelined, a tick's launches reach the agents at the end of the next tick (200 ms).
  EXPECT_EQ(FirstAt(a, " launch "), 0);
  EXPECT_EQ(FirstAt(b, " launch "), 200);
  // The same decisions in the end: the rack limit leaves 2 pending, 2 agents lost.
  EXPECT_EQ(sync.tasks_pending, 2);
  EXPECT_EQ(pipelined.tasks_pending, 2);
  EXPECT_EQ(sync.agents_lost, pipelined.agents_lost);
  EXPECT_EQ(sync.tasks_placed, pipelined.tasks_placed);
}

TEST(SimTest, AnotherSeedGivesAnotherTrace) {
  std::string other = kSmall;
  other.replace(other.find("\"seed\": 7"), 9, "\"seed\": 8");
  EXPECT_NE(RunTrace(kSmall), RunTrace(other));
}

TEST(SimTest, SqliteStoreCommitsDurably) {
  testing::TempDir dir;
  auto scenario = ParseScenario(kSmall);
  ASSERT_TRUE(scenario.ok());
  scenario->duration_ms = 5000;
  SimOptions options;
  options.store_override = "sqlite";
  options.data_dir = dir.path();
  auto r = Simulator(*scenario, options).Run();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->store, "sqlite");
  EXPECT_GT(r->placements, 0);
}

TEST(SimTest, ResultJsonHasTheFigures) {
  SimResult r;
  r.placements_per_sec = 12.5;
  const std::string j = ResultJson(r);
  for (const char* key : {"placements_per_sec", "placement_p99_ms", "tasks_placed",
                          "tasks_pending", "wall_seconds", "rss_bytes", "hwm_bytes"}) {
    EXPECT_NE(j.find(std::string("\"") + key + "\""), std::string::npos) << key;
  }
}

TEST(SimTest, BadScenariosNameTheField) {
  auto expect_error = [](const std::string& json, const std::string& what) {
    auto s = ParseScenario(json);
    ASSERT_FALSE(s.ok()) << json;
    EXPECT_NE(std::string(s.status().message()).find(what), std::string::npos)
        << s.status().message();
  };
  expect_error("{", "not valid JSON");
  expect_error(R"({"jobs": []})", "hosts: missing");
  expect_error(R"({"hosts": {"count": 0}})", "hosts.count: must be at least 1");
  expect_error(R"({"hosts": {"count": 1}, "speed": 3})", "speed: unknown field");
  expect_error(R"({"hosts": {"count": 1}, "jobs": [{"name": "a", "failure_rate": 2}]})",
               "jobs[0].failure_rate: must be in [0, 1]");
  expect_error(R"({"hosts": {"count": 1}, "jobs": [{"count": 1}]})", "jobs[0].name: missing");
  expect_error(R"({"hosts": {"count": 1}, "store": "disk"})", "store: must be");
  expect_error(R"({"hosts": {"count": 1, "ports": [5, 1]}})", "hosts.ports");
}

}  // namespace
}  // namespace borealis::sim
