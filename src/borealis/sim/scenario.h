// A simulator scenario: the cluster's shape, the jobs that arrive, how their tasks behave,
// which agents are lost and when. Read from a JSON file (bench/scenarios/*.json); every
// field is described in bench/scenarios/README.md.
//
// Invariant: a parsed Scenario is valid (counts >= 0, rates in [0, 1], names set); the
// parser names the field that was wrong. Plain value, no behaviour.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace borealis::sim {

struct HostShape {
  int64_t count = 0;
  int64_t milli_cpus = 32'000;
  int64_t ram_mb = 128 * 1024;
  int64_t disk_mb = 1024 * 1024;
  int32_t port_first = 31000;
  int32_t port_last = 31999;
  // attribute name → number of distinct values; host i gets "<name>-<i mod n>".
  std::map<std::string, int64_t> attributes;
};

// All hosts of the scenario.
int64_t HostCount(const struct Scenario& s);

struct JobSpec {
  std::string name;      // jobs are "<name>-<k>" for k in [0, count)
  std::string role = "sim";
  std::string environment = "prod";
  int64_t count = 1;
  int32_t instances = 1;
  int64_t milli_cpus = 250;
  int64_t ram_mb = 128;
  int64_t disk_mb = 128;
  int32_t ports = 0;  // named ports "p0", "p1", ...
  bool service = true;
  int32_t priority = 0;
  int32_t max_task_failures = 1;
  std::string tier;  // empty: the default tier
  // Aurora's constraint syntax: "v1,v2", "!v1", "limit:N".
  std::map<std::string, std::string> constraints;
  int64_t arrive_at_ms = 0;
  int64_t arrive_every_ms = 0;  // job k arrives at arrive_at_ms + k * arrive_every_ms
  int64_t run_ms = 0;           // 0: tasks run until killed or lost
  double failure_rate = 0.0;    // chance that a task ends FAILED instead of FINISHED
};

struct AgentLoss {
  int64_t at_ms = 0;
  int64_t count = 0;  // agents chosen with the scenario's seed among those alive
};

// A job update started with startJobUpdate (Batch strategy) at `at_ms`: the job's
// TaskConfig with one change, every instance in scope.
struct UpdateSpec {
  std::string job;                 // a job the scenario creates, e.g. "svc-0"
  uint32_t job_spec = 0;           // index in Scenario::jobs of the spec that makes `job`
  int64_t job_k = 0;               // its number within that spec
  int64_t at_ms = 0;
  int32_t batch_size = 1;          // BatchJobUpdateStrategy.groupSize
  int64_t watch_ms = 0;            // settings.minWaitInInstanceRunningMs
  std::string change = "command";  // "command": new executor data; "cpus": new cpus
  int64_t milli_cpus = 0;          // the new cpus with change "cpus"
  int32_t max_per_instance_failures = 0;
  int32_t max_failed_instances = 0;
};

struct Scenario {
  std::string name;
  uint64_t seed = 1;
  int64_t duration_ms = 600'000;  // simulated time limit
  int64_t tick_ms = 100;          // one scheduling pass and commit per tick
  bool stop_when_idle = true;     // stop once every job arrived and nothing is in flight
  // Simulated time follows the wall clock: each tick starts no earlier than its simulated
  // time after the start, so arrivals come at their real rate. A scheduler that falls
  // behind runs without waiting (its latency then shows the backlog). Decisions and the
  // trace are the same as without it; only wall-clock figures change.
  // Placement latency is then measured from each job's scheduled arrival time (the tick
  // that submits it may start late), so that a backlog shows.
  bool realtime = false;
  std::string store = "sqlite";   // "sqlite" (durable, in a temp dir) or "memory"
  int64_t starting_ms = 200;      // LaunchTask → STARTING
  int64_t running_ms = 500;       // LaunchTask → RUNNING
  int64_t kill_ms = 100;          // KillTask → KILLED
  // The hosts: "hosts" (one shape) or "host_shapes" (several, in order: host i of the
  // cluster is the i-th over all shapes; attribute values "<name>-<i mod n>" use that i).
  // Parsing fills host_shapes in both cases; `hosts` is the first shape.
  HostShape hosts;
  std::vector<HostShape> host_shapes;
  std::vector<JobSpec> jobs;
  std::vector<AgentLoss> agent_losses;
  std::vector<UpdateSpec> updates;
};

// Parses the scenario JSON. Errors name the field, e.g. "jobs[2].failure_rate: must be in
// [0, 1]". Unknown fields are refused so that typos do not pass silently.
absl::StatusOr<Scenario> ParseScenario(const std::string& json_text);
absl::StatusOr<Scenario> LoadScenario(const std::string& path);

}  // namespace borealis::sim
