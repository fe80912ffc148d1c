// A simulation's result as one JSON line (`--json`) or as text: how borealis-sim prints what
// Simulator::Run measured (bench/scenarios/README.md).
#include <string>

#include "absl/strings/str_cat.h"
#include "borealis/sim/sim_updates.h"
#include "borealis/sim/simulator.h"
#include "nlohmann/json.hpp"

namespace borealis::sim {

std::string ResultJson(const SimResult& r) {
  nlohmann::ordered_json j;
  j["scenario"] = r.scenario;
  j["hosts"] = r.hosts;
  j["store"] = r.store;
  j["commit"] = r.commit;
  j["simulated_seconds"] = static_cast<double>(r.simulated_ms) / 1000.0;
  j["wall_seconds"] = r.wall_seconds;
  j["scheduler_seconds"] = r.scheduler_seconds;
  j["cpu_seconds"] = r.cpu_seconds;
  for (const auto& [name, secs] : r.breakdown_seconds) j["scheduler_breakdown_seconds"][name] = secs;
  j["placements"] = r.placements;
  j["placements_per_sec"] = r.placements_per_sec;
  // On a shared machine wall time includes waiting for a core; this one does not.
  j["placements_per_cpu_sec"] =
      r.cpu_seconds > 0 ? static_cast<double>(r.placements) / r.cpu_seconds : 0;
  j["placement_p50_ms"] = r.placement_p50_ms;
  j["placement_p99_ms"] = r.placement_p99_ms;
  j["placement_max_ms"] = r.placement_max_ms;
  j["tasks_placed"] = r.tasks_placed;
  j["tasks_pending"] = r.tasks_pending;
  j["tasks_total"] = r.tasks_total;
  j["status_updates"] = r.status_updates;
  j["agents_lost"] = r.agents_lost;
  j["commits"] = r.commits;
  j["rss_bytes"] = r.rss_bytes;
  j["hwm_bytes"] = r.hwm_bytes;
  j["rss_bytes_per_task"] =
      r.tasks_total > 0 ? static_cast<double>(r.rss_bytes) / static_cast<double>(r.tasks_total) : 0;
  j["rss_settled_bytes"] = r.rss_settled_bytes;
  j["rss_settled_bytes_per_task"] =
      r.tasks_total > 0
          ? static_cast<double>(r.rss_settled_bytes) / static_cast<double>(r.tasks_total)
          : 0;
  j["heap_bytes"] = r.heap_bytes;
  j["heap_bytes_per_task"] =
      r.tasks_total > 0 ? static_cast<double>(r.heap_bytes) / static_cast<double>(r.tasks_total) : 0;
  if (!r.updates.empty()) {
    AddUpdatesJson(r.updates, r.update_controller_seconds, r.update_instance_events, &j);
  }
  return j.dump();
}

std::string ResultText(const SimResult& r) {
  return absl::StrCat(
      "scenario ", r.scenario, " (", r.hosts, " hosts, store ", r.store, ", ", r.commit,
      " commits)\n",
      "  placements ", r.placements, " in ", r.wall_seconds, " s wall (", r.scheduler_seconds,
      " s in the scheduler): ", static_cast<int64_t>(r.placements_per_sec), "/s\n",
      "  placement latency p50 ", r.placement_p50_ms, " ms, p99 ", r.placement_p99_ms,
      " ms, max ", r.placement_max_ms, " ms\n", "  tasks placed ", r.tasks_placed, ", pending ",
      r.tasks_pending, ", total ", r.tasks_total, "; agents lost ", r.agents_lost, "\n",
      "  rss ", r.rss_bytes / (1024 * 1024), " MiB (peak ", r.hwm_bytes / (1024 * 1024),
      " MiB)\n");
}

}  // namespace borealis::sim
