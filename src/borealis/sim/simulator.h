// The simulator: the real SchedulerCore (the daemon's control loop without its sockets)
// driven by a simulated clock and N simulated agents. Agents answer LaunchTask with
// STARTING and RUNNING after the scenario's delays, end tasks after their run time
// (FAILED at the scenario's failure rate, else FINISHED), answer KillTask with KILLED, and
// go silent when the scenario loses them. Every tick_ms of simulated time the loop does
// what the daemon does after a batch of events: Schedule(), then the durable commit
// (SqliteStore in a temporary directory unless the scenario says "memory"); every second it
// calls Tick() and sends the agents' heartbeats.
//
// Commits are pipelined like the daemon's unless SimOptions says otherwise: a tick's
// commit is written on the core's Committer thread while the next tick's events and pass
// run, and released (LaunchTasks reach the simulated agents) at the end of that next tick.
// So agents see a tick's decisions one tick later than with synchronous commits, and the
// trace differs between the two modes (each is deterministic). Scenarios in real time
// commit synchronously: there the loop has nothing to overlap, and releasing at the next
// tick would add a tick of latency that the daemon, which releases as soon as the commit
// is durable, does not have.
//
// Determinism: everything the core and the agents decide depends only on the scenario
// (seed included); wall time is only measured, never consulted. The same scenario gives
// the same trace, byte for byte.
//
// Thread contract: one Run() per Simulator; besides the caller's thread, only the core's
// Committer thread runs (it touches nothing of the simulator's).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "borealis/sim/scenario.h"
#include "borealis/sim/sim_updates.h"

namespace borealis::sim {

struct SimOptions {
  std::ostream* trace = nullptr;  // one line per decision or event; null: no trace
  std::string store_override;     // "sqlite" / "memory" replaces the scenario's choice
  std::string data_dir;           // where SqliteStore lives; empty: a fresh temp dir
  bool pipelined_commit = true;   // false: every commit is written and released at once
  bool blocked_set = true;        // false: every pass evaluates every PENDING task
};

struct SimResult {
  std::string scenario;
  int64_t hosts = 0;
  std::string store;
  std::string commit;  // "pipelined" or "sync"
  int64_t simulated_ms = 0;
  double wall_seconds = 0;       // the whole run, agents' registration included
  double scheduler_seconds = 0;  // inside SchedulerCore calls (decisions and commits)
  double cpu_seconds = 0;        // user + system CPU of the process (the machine is shared)
  // scheduler_seconds by kind of call: create_job, status_updates, schedule, flush, tick.
  std::vector<std::pair<std::string, double>> breakdown_seconds;
  int64_t placements = 0;        // LaunchTasks released (first placements and reschedules)
  int64_t tasks_placed = 0;      // tasks ASSIGNED/STARTING/RUNNING at the end
  int64_t tasks_pending = 0;     // PENDING or THROTTLED at the end
  int64_t tasks_total = 0;       // every task the scheduler keeps at the end
  double placements_per_sec = 0;  // placements / wall_seconds of the scheduling phase
  double placement_p50_ms = 0;   // wall time from submit to LaunchTask released (committed)
  double placement_p99_ms = 0;
  double placement_max_ms = 0;
  int64_t status_updates = 0;
  int64_t agents_lost = 0;
  int64_t commits = 0;
  int64_t rss_bytes = 0;  // VmRSS at the end
  int64_t hwm_bytes = 0;  // VmHWM (peak)
  // Bytes the program holds on the heap at the end (jemalloc's stats.allocated; 0 when the
  // binary does not use jemalloc, e.g. under the sanitizers). RSS also counts freed pages
  // the allocator has not returned yet.
  int64_t heap_bytes = 0;
  // VmRSS once jemalloc has returned the pages of freed objects (what it does by itself
  // within its decay time when the scheduler idles); 0 without jemalloc.
  int64_t rss_settled_bytes = 0;
  // Job updates (scenarios with "updates"): one result per update, the steady-clock time
  // spent inside the update controller's calls (SchedulerCore's "update_controller_ns"
  // counter) and the instance events all updates recorded.
  std::vector<UpdateResult> updates;
  double update_controller_seconds = 0;
  int64_t update_instance_events = 0;
};

class Simulator {
 public:
  Simulator(Scenario scenario, SimOptions options);
  absl::StatusOr<SimResult> Run();

 private:
  Scenario scenario_;
  SimOptions options_;
};

// The result as one JSON object (the --json output).
std::string ResultJson(const SimResult& r);
// A few human-readable lines.
std::string ResultText(const SimResult& r);

}  // namespace borealis::sim
