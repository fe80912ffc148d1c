// Job updates in the simulator: the startJobUpdate request a scenario's update sends
// (bench/scenarios/README.md, "updates"), and what the run measures of each.
//
// Plain values and pure functions; the simulator (simulator.cc) drives them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "borealis/sim/scenario.h"
#include "gen-cpp/api_types.h"
#include "nlohmann/json.hpp"

namespace borealis::sim {

// What the simulator measured of one update.
struct UpdateResult {
  std::string job;
  std::string outcome;  // "OK" or the refusal's message
  int32_t instances = 0;
  std::string status;  // the final JobUpdateStatus; "" if still active at the end
  int64_t start_sim_ms = -1;
  int64_t end_sim_ms = -1;  // when the simulator saw the terminal status (after a commit)
  int64_t start_wall_ns = 0;
  int64_t end_wall_ns = 0;
  double start_call_seconds = 0;  // inside the startJobUpdate call
  int64_t instance_events = 0;    // the update's JobInstanceUpdateEvents at the end
  // The baseline in the same run: the job's createJob call → every instance RUNNING.
  int64_t create_start_sim_ms = -1;
  int64_t create_end_sim_ms = -1;
  int64_t create_start_wall_ns = 0;
  int64_t create_end_wall_ns = 0;
};

// The update's request: `job` (the job as the scenario created it) with the spec's change,
// every instance, the Batch strategy of spec.batch_size, and the spec's watch time and
// failure limits.
api::JobUpdateRequest MakeUpdateRequest(const api::JobConfiguration& job, const UpdateSpec& spec);

// Adds "updates" (one object per update: instances, outcome, final status, start → end in
// simulated and wall seconds, instance events, and the baseline: the job's create → all
// RUNNING, with the ratio of the wall times), "update_controller_seconds" and
// "update_controller_us_per_transition" (controller time / instance events) to `out`.
void AddUpdatesJson(const std::vector<UpdateResult>& updates, double controller_seconds,
                    int64_t instance_events, nlohmann::ordered_json* out);

}  // namespace borealis::sim
