// borealis-sim: runs a scenario through the real scheduler core with simulated agents and a
// simulated clock, and prints the figures (see src/borealis/sim/simulator.h).
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "borealis/sim/scenario.h"
#include "borealis/sim/simulator.h"

int main(int argc, char** argv) {
  std::string scenario_path;
  std::string trace_path;
  std::string store;
  std::string data_dir;
  bool json = false;
  CLI::App app{"borealis-sim: the scheduler with simulated agents and a simulated clock"};
  app.add_option("--scenario", scenario_path, "Scenario JSON file (bench/scenarios/*.json)")
      ->required();
  app.add_option("--trace", trace_path, "Write one line per decision or event to this file");
  app.add_option("--store", store, "Override the scenario's store: sqlite or memory")
      ->check(CLI::IsMember({"sqlite", "memory"}));
  app.add_option("--data-dir", data_dir,
                 "Directory for the SQLite store (default: a temporary one, removed after)");
  std::string commit = "pipelined";
  app.add_option("--commit", commit,
                 "pipelined (default; the daemon's way) or sync (each commit written and "
                 "released before the next tick)")
      ->check(CLI::IsMember({"pipelined", "sync"}));
  app.add_flag("--json", json, "Print the figures as one JSON object");
  bool no_blocked_set = false;
  app.add_flag("--no-blocked-set", no_blocked_set,
               "Evaluate every PENDING task in every pass (the scheduler without its blocked "
               "set, for comparison)");
  CLI11_PARSE(app, argc, argv);

  auto scenario = borealis::sim::LoadScenario(scenario_path);
  if (!scenario.ok()) {
    std::cerr << "borealis-sim: " << scenario.status().message() << "\n";
    return 2;
  }
  std::ofstream trace;
  borealis::sim::SimOptions options;
  if (!trace_path.empty()) {
    trace.open(trace_path, std::ios::trunc);
    if (!trace) {
      std::cerr << "borealis-sim: cannot write the trace file " << trace_path << "\n";
      return 2;
    }
    options.trace = &trace;
  }
  options.store_override = store;
  options.data_dir = data_dir;
  options.pipelined_commit = commit == "pipelined";
  options.blocked_set = !no_blocked_set;
  borealis::sim::Simulator sim(*std::move(scenario), options);
  auto result = sim.Run();
  if (!result.ok()) {
    std::cerr << "borealis-sim: " << result.status().message() << "\n";
    return 1;
  }
  if (trace.is_open()) {
    trace.close();
    if (!trace) {
      std::cerr << "borealis-sim: writing the trace file " << trace_path << " failed\n";
      return 1;
    }
  }
  std::cout << (json ? borealis::sim::ResultJson(*result) + "\n"
                     : borealis::sim::ResultText(*result));
  return 0;
}
