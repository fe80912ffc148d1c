// Placement micro-benchmarks (Google Benchmark): core::Place, which works on equivalence
// classes of pending tasks, against core::PlaceByFullScan, the naive baseline that checks
// every host for every task, on the same input in the same run. The cluster is empty hosts
// (32 cpus, 128 GiB, 1000 ports, 20 racks, 4 zones); the pending list is 10 jobs of 100
// tasks: 6 plain with a named port, 3 with a zone value constraint, 1 with a rack limit.
//   bench/placement_bench --benchmark_filter=. (see docs/BENCHMARKS.md)
#include <benchmark/benchmark.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "borealis/core/placement.h"
#include "borealis/model/agent_info.h"
#include "borealis/model/constraint.h"
#include "borealis/model/task.h"
#include "borealis/model/task_config.h"

namespace borealis::core {
namespace {

struct Input {
  std::deque<model::AgentInfo> agents;
  std::vector<std::shared_ptr<model::TaskConfig>> configs;
  std::deque<model::Task> tasks;
  ClusterView view;
  std::vector<const model::Task*> pending;
};

std::unique_ptr<Input> MakeInput(int64_t hosts) {
  auto in = std::make_unique<Input>();
  for (int64_t i = 0; i < hosts; ++i) {
    model::AgentInfo& a = in->agents.emplace_back();
    a.agent_id = model::AgentId("agent-" + std::to_string(100000 + i));
    a.host = "host-" + std::to_string(i);
    a.resources = {32000, 131072, 1048576, 0, {}};
    a.port_ranges = {{31000, 31999}};
    a.attributes["rack"] = {"rack-" + std::to_string(i % 20)};
    a.attributes["zone"] = {"zone-" + std::to_string(i % 4)};
    HostView h;
    h.agent = &a;
    in->view.hosts.push_back(h);
  }
  for (int j = 0; j < 10; ++j) {
    auto c = std::make_shared<model::TaskConfig>();
    c->job = {"bench", "prod", "job-" + std::to_string(j)};
    c->resources = {200, 256, 512, 0, {}};
    if (j < 6) c->resources.named_ports = {"http"};
    if (j >= 6 && j < 9) {
      model::Constraint zone;
      zone.name = "zone";
      zone.values = {"zone-0", "zone-1"};
      c->constraints.push_back(zone);
    }
    if (j == 9) {
      model::Constraint rack;
      rack.name = "rack";
      rack.is_limit = true;
      rack.limit = 5;
      c->constraints.push_back(rack);
    }
    in->configs.push_back(c);
    for (int i = 0; i < 100; ++i) {
      model::Task& t = in->tasks.emplace_back();
      t.task_id = model::TaskId(c->job.name + "-" + std::to_string(i));
      t.config = c;
      t.instance_id = i;
      t.status = model::ScheduleStatus::kPending;
      in->pending.push_back(&t);
    }
  }
  return in;
}

template <bool kFullScan>
void BM_Place(benchmark::State& state) {
  const auto in = MakeInput(state.range(0));
  PlacementOptions options;
  options.executor_overhead = {10, 16, 0, 0, {}};
  options.seed = 1;
  for (auto _ : state) {
    PlacementResult r = kFullScan ? PlaceByFullScan(in->view, in->pending, options)
                                  : Place(in->view, in->pending, options);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(in->pending.size()));
}

BENCHMARK(BM_Place<false>)->Name("Place/classes")->Arg(100)->Arg(1000)->Arg(10000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Place<true>)->Name("Place/full_scan")->Arg(100)->Arg(1000)->Arg(10000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace borealis::core

BENCHMARK_MAIN();
