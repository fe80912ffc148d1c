// The simulator replays a scenario identically for the same seed, and refuses bad
// scenarios with the field named.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
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

// 12 hosts; one 20-instance service created at once and updated at 5 s in batches of 5.
std::string UpdateScenario(const std::string& update_fields) {
  return R"({
  "name": "update", "seed": 3, "duration_s": 300, "tick_ms": 100, "store": "memory",
  "hosts": {"count": 12, "cpus": 4, "ram_mb": 4096, "disk_mb": 10000, "ports": [31000, 31009],
            "attributes": {"zone": 2}},
  "jobs": [{"name": "web", "instances": 20, "cpus": 0.5, "ram_mb": 256, "ports": 1,
            "constraints": {"zone": "zone-1"}},
           {"name": "bg", "count": 2, "instances": 5, "ports": 1}],
  "updates": [{"job": "web-0", "at_s": 5, "batch_size": 5)" + update_fields + R"(}]
})";
}

TEST(SimTest, AnUpdateRollsForwardDeterministicallyAndIsMeasured) {
  SimResult r;
  const std::string scenario = UpdateScenario(R"(, "change": "command")");
  const std::string trace = RunTrace(scenario, &r);
  EXPECT_EQ(trace, RunTrace(scenario));
  EXPECT_EQ(FirstAt(trace, " update sim/prod/web-0 instances=20 OK"), 5000) << trace;
  EXPECT_GT(FirstAt(trace, " update_end web-0 ROLLED_FORWARD"), 5000) << trace;
  ASSERT_EQ(r.updates.size(), 1u);
  const UpdateResult& u = r.updates[0];
  EXPECT_EQ(u.outcome, "OK");
  EXPECT_EQ(u.status, "ROLLED_FORWARD");
  EXPECT_EQ(u.instances, 20);
  EXPECT_EQ(u.start_sim_ms, 5000);
  EXPECT_GT(u.end_sim_ms, u.start_sim_ms);
  // Every instance was acted on and finished: at least two events each.
  EXPECT_GE(u.instance_events, 40);
  EXPECT_EQ(r.update_instance_events, u.instance_events);
  EXPECT_GT(r.update_controller_seconds, 0);
  // The baseline: created at 0, all RUNNING once running_ms has passed, before the update.
  EXPECT_EQ(u.create_start_sim_ms, 0);
  EXPECT_GE(u.create_end_sim_ms, 500);
  EXPECT_LT(u.create_end_sim_ms, 5000);
  // 30 tasks created; each of the 20 old ones was replaced by a new one.
  EXPECT_EQ(r.placements, 50);
  EXPECT_EQ(r.tasks_placed, 30);
  const std::string j = ResultJson(r);
  for (const char* key : {"\"updates\"", "\"update_controller_us_per_transition\"",
                          "\"update_vs_create_wall\"", "\"create_wall_seconds\""}) {
    EXPECT_NE(j.find(key), std::string::npos) << key;
  }
}

TEST(SimTest, AnUpdateWaitsItsWatchTimePerBatch) {
  SimResult quick, watched;
  RunTrace(UpdateScenario(R"(, "change": "cpus", "cpus": 0.75)"), &quick);
  RunTrace(UpdateScenario(R"(, "change": "cpus", "cpus": 0.75, "watch_ms": 3000)"), &watched);
  ASSERT_EQ(quick.updates.size(), 1u);
  ASSERT_EQ(watched.updates.size(), 1u);
  EXPECT_EQ(quick.updates[0].status, "ROLLED_FORWARD");
  EXPECT_EQ(watched.updates[0].status, "ROLLED_FORWARD");
  // Four batches, each watched for 3 s once RUNNING.
  const int64_t quick_ms = quick.updates[0].end_sim_ms - quick.updates[0].start_sim_ms;
  const int64_t watched_ms = watched.updates[0].end_sim_ms - watched.updates[0].start_sim_ms;
  EXPECT_GE(watched_ms, quick_ms + 4 * 3000);
}

// Two host shapes: each host has its shape's resources; attribute values count over all
// hosts; a job only the large shape can hold is placed there, and one that needs more than
// the large hosts have left waits.
TEST(SimTest, HostShapesMakeOneCluster) {
  const std::string json = R"({
  "name": "shapes", "seed": 2, "duration_s": 20, "store": "memory",
  "host_shapes": [{"count": 3, "cpus": 2, "ram_mb": 2048, "attributes": {"rack": 2}},
                  {"count": 2, "cpus": 8, "ram_mb": 16384, "attributes": {"rack": 2}}],
  "jobs": [{"name": "big", "instances": 2, "cpus": 4, "ram_mb": 8192},
           {"name": "small", "instances": 3, "cpus": 1, "ram_mb": 512},
           {"name": "late", "instances": 3, "cpus": 6, "ram_mb": 512}]
})";
  auto s = ParseScenario(json);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(HostCount(*s), 5);
  EXPECT_EQ(s->hosts.count, 3);
  SimResult r;
  const std::string trace = RunTrace(json, &r);
  EXPECT_EQ(r.hosts, 5);
  EXPECT_EQ(r.tasks_placed, 5);
  EXPECT_EQ(r.tasks_pending, 3);
  // The large shape's hosts are agent-000003 and agent-000004.
  for (const std::string& line : std::vector<std::string>(absl::StrSplit(trace, '\n'))) {
    if (line.find("launch ") == 0 && line.find("big-0") != std::string::npos) {
      EXPECT_TRUE(line.find("agent-000003") != std::string::npos ||
                  line.find("agent-000004") != std::string::npos)
          << line;
    }
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
  expect_error(R"({"hosts": {"count": 1}, "host_shapes": [{"count": 1}]})", "not both");
  expect_error(R"({"host_shapes": []})", "host_shapes: must be a non-empty list");
  expect_error(R"({"host_shapes": [{"count": 1}, {"count": 2, "ram": 1}]})",
               "host_shapes[1].ram: unknown field");
  expect_error(R"({"hosts": {"count": 0}})", "hosts.count: must be at least 1");
  expect_error(R"({"hosts": {"count": 1}, "speed": 3})", "speed: unknown field");
  expect_error(R"({"hosts": {"count": 1}, "jobs": [{"name": "a", "failure_rate": 2}]})",
               "jobs[0].failure_rate: must be in [0, 1]");
  expect_error(R"({"hosts": {"count": 1}, "jobs": [{"count": 1}]})", "jobs[0].name: missing");
  expect_error(R"({"hosts": {"count": 1}, "store": "disk"})", "store: must be");
  expect_error(R"({"hosts": {"count": 1, "ports": [5, 1]}})", "hosts.ports");
  const std::string jobs = R"({"hosts": {"count": 1}, "jobs": [{"name": "a", "count": 2}],)";
  expect_error(jobs + R"("updates": [{"job": "a-2"}]})", "updates[0].job: no job named 'a-2'");
  expect_error(jobs + R"("updates": [{"job": "a-1", "speed": 1}]})",
               "updates[0].speed: unknown field");
  expect_error(jobs + R"("updates": [{"job": "a-1", "change": "ram"}]})",
               "updates[0].change: must be");
  expect_error(jobs + R"("updates": [{"job": "a-1", "change": "cpus"}]})",
               "updates[0].cpus: missing");
  expect_error(jobs + R"("updates": [{"job": "a-0", "batch_size": 0}]})",
               "updates[0].batch_size: must be at least 1");
}

}  // namespace
}  // namespace borealis::sim
