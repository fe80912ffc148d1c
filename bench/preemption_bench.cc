// Preemption search in a 90%-full cluster: N hosts (default 10,000) of 16 cpus / 64 GiB,
// each running 9 non-production tasks of 1.6 cpus / 6.4 GiB (90% used), and a production
// task of 3.5 cpus / 14 GB that needs two victims. Prints, as one JSON object, the median
// and p99 over the repetitions of: building the search (once per pass), one FindSlot (per
// pending task), and a pass with one candidate (build + FindSlot), next to a baseline at
// 100 hosts measured in the same run. Each repetition builds a new search; it also times a
// second FindSlot that excludes the first slot's host and victims, as the preemptor's
// second candidate in a pass does.
//
//   preemption_bench [--hosts N] [--reps R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "borealis/core/preemption.h"

namespace {

using borealis::core::ClusterView;
using borealis::core::HostView;
using borealis::core::PreemptionSearch;
namespace model = borealis::model;

struct Cluster {
  std::deque<model::AgentInfo> agents;
  std::deque<model::Task> tasks;
  ClusterView view;
};

std::unique_ptr<Cluster> Build(int hosts) {
  auto c = std::make_unique<Cluster>();
  auto batch = std::make_shared<model::TaskConfig>();
  batch->job = {"batch", "prod", "filler"};
  batch->resources = {1600, 6554, 100, 0, {}};
  for (int h = 0; h < hosts; ++h) {
    model::AgentInfo& a = c->agents.emplace_back();
    char id[32];
    std::snprintf(id, sizeof(id), "agent-%06d", h);
    a.agent_id = id;
    a.host = id;
    a.resources = {16000, 65536, 1000000, 0, {}};
    a.port_ranges = {{31000, 32000}};
    a.attributes = {{"rack", {"r" + std::to_string(h % 50)}}};
    HostView hv;
    hv.agent = &a;
    for (int t = 0; t < 9; ++t) {
      model::Task& task = c->tasks.emplace_back();
      task.task_id = std::string(id) + "-t" + std::to_string(t);
      task.agent_id = id;
      task.config = batch;
      task.status = model::ScheduleStatus::kRunning;
      hv.used.milli_cpus += batch->resources.milli_cpus;
      hv.used.ram_mb += batch->resources.ram_mb;
      hv.used.disk_mb += batch->resources.disk_mb;
      c->view.placed_tasks.push_back(&task);
    }
    c->view.hosts.push_back(hv);
  }
  return c;
}

struct Stats {
  double median_ms = 0;
  double p99_ms = 0;
};

Stats Summarize(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

struct Figures {
  Stats build;      // constructing the search from the view
  Stats find_slot;  // one FindSlot on a built search
  Stats pass;       // a pass with one candidate: build, then its FindSlot
  // The second candidate of a pass: FindSlot excluding the first slot's host and victims.
  Stats second_find_slot;
};

model::Task PendingProductionTask() {
  model::Task pending;
  pending.task_id = "prod-web-0";
  auto prod = std::make_shared<model::TaskConfig>();
  prod->job = {"prod", "prod", "web"};
  prod->production = true;
  prod->resources = {3500, 14000, 100, 0, {}};
  pending.config = prod;
  pending.status = model::ScheduleStatus::kPending;
  return pending;
}

void Check(const std::optional<borealis::core::PreemptionSlot>& slot) {
  if (!slot) {
    std::fprintf(stderr, "no slot found\n");
    std::exit(1);
  }
  if (slot->victim_ids.size() != 2) {
    std::fprintf(stderr, "unexpected victim count %zu\n", slot->victim_ids.size());
  }
}

// `reps` passes (a new search, then one FindSlot on it), then `reps` more FindSlots on the
// last search.
Figures Measure(int hosts, int reps) {
  using Clock = std::chrono::steady_clock;
  auto ms_between = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  auto cluster = Build(hosts);
  const model::Task pending = PendingProductionTask();
  std::vector<double> build_ms;
  std::vector<double> find_ms;
  std::vector<double> pass_ms;
  std::vector<double> second_ms;
  for (int r = 0; r < reps; ++r) {
    const auto b0 = Clock::now();
    PreemptionSearch search(cluster->view, {});
    const auto b1 = Clock::now();
    auto slot = search.FindSlot(pending);
    const auto b2 = Clock::now();
    Check(slot);
    const std::set<std::string> held = {slot->agent_id};
    const std::set<std::string> taken(slot->victim_ids.begin(), slot->victim_ids.end());
    const auto b3 = Clock::now();
    Check(search.FindSlot(pending, held, taken));
    const auto b4 = Clock::now();
    build_ms.push_back(ms_between(b0, b1));
    find_ms.push_back(ms_between(b1, b2));
    pass_ms.push_back(ms_between(b0, b2));
    second_ms.push_back(ms_between(b3, b4));
    if (r + 1 < reps) continue;
    for (int f = 0; f < reps; ++f) {
      const auto t0 = Clock::now();
      slot = search.FindSlot(pending);
      const auto t1 = Clock::now();
      Check(slot);
      find_ms.push_back(ms_between(t0, t1));
    }
  }
  return {Summarize(build_ms), Summarize(find_ms), Summarize(pass_ms), Summarize(second_ms)};
}

void PrintFigures(const char* prefix, const Figures& f) {
  std::printf(
      "\"%sbuild_median_ms\": %.3f, \"%sbuild_p99_ms\": %.3f, "
      "\"%sfind_slot_median_ms\": %.3f, \"%sfind_slot_p99_ms\": %.3f, "
      "\"%spass_median_ms\": %.3f, \"%spass_p99_ms\": %.3f, "
      "\"%ssecond_find_slot_median_ms\": %.3f, \"%ssecond_find_slot_p99_ms\": %.3f",
      prefix, f.build.median_ms, prefix, f.build.p99_ms, prefix, f.find_slot.median_ms, prefix,
      f.find_slot.p99_ms, prefix, f.pass.median_ms, prefix, f.pass.p99_ms, prefix,
      f.second_find_slot.median_ms, prefix, f.second_find_slot.p99_ms);
}

}  // namespace

int main(int argc, char** argv) {
  int hosts = 10'000;
  int reps = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--hosts") {
      hosts = std::atoi(argv[i + 1]);
    } else if (flag == "--reps") {
      reps = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (hosts <= 0 || reps <= 0) {
    std::fprintf(stderr, "--hosts and --reps must be positive\n");
    return 2;
  }
  const Figures base = Measure(100, reps);
  const Figures f = Measure(hosts, reps);
  std::printf("{\"hosts\": %d, \"tasks\": %d, \"reps\": %d, ", hosts, hosts * 9, reps);
  PrintFigures("", f);
  std::printf(", \"baseline_hosts\": 100, ");
  PrintFigures("baseline_", base);
  std::printf("}\n");
  return 0;
}
