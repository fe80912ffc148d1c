// Preemption search in a 90%-full cluster: N hosts (default 10,000) of 16 cpus / 64 GiB,
// each running 9 non-production tasks of 1.6 cpus / 6.4 GiB (90% used), and a production
// task of 3.5 cpus / 14 GB that needs two victims. Prints, as one JSON object, the median
// and p99 over the repetitions of:
//  * the search built anew from the whole view (what every pass did before the scheduler
//    kept its search): the build, one FindSlot (per pending task), a pass with one
//    candidate (build + FindSlot), and a second FindSlot that excludes the first slot's
//    host and victims (the preemptor's second candidate); next to a baseline at 100 hosts
//    measured in the same run;
//  * the search kept across passes, as the scheduler runs it: before each pass 1% (then
//    10%) of the hosts had one task replaced by a new object (a transition) and their
//    stamp changed; the pass copies the hosts into a new view (the scheduler builds one),
//    calls Update, which asks for the tasks of the changed hosts only (sorted by id, as
//    the scheduler lists them), then FindSlot. "update" is the view copy plus Update;
//    "pass" adds the FindSlot. The kept search's slot is checked against a fresh one.
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
#include "borealis/model/agent_info.h"
#include "borealis/model/task.h"
#include "borealis/model/task_config.h"

namespace {

using borealis::core::ClusterView;
using borealis::core::HostView;
using borealis::core::PreemptionSearch;
namespace model = borealis::model;

struct Cluster {
  std::deque<model::AgentInfo> agents;
  std::deque<model::Task> tasks;  // every version of every task (none is freed)
  std::vector<std::vector<const model::Task*>> on_host;  // the current tasks, by host
  ClusterView view;  // the hosts with their stamps, and the tasks as first built
};

std::unique_ptr<Cluster> Build(int hosts) {
  auto c = std::make_unique<Cluster>();
  auto batch = std::make_shared<model::TaskConfig>();
  batch->job = {"batch", "prod", "filler"};
  batch->resources = {1600, 6554, 100, 0, {}};
  c->on_host.resize(static_cast<size_t>(hosts));
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
    hv.tasks_stamp = static_cast<uint64_t>(h) + 1;
    for (int t = 0; t < 9; ++t) {
      model::Task& task = c->tasks.emplace_back();
      task.task_id = model::TaskId(std::string(id) + "-t" + std::to_string(t));
      task.agent_id = id;
      task.config = batch;
      task.status = model::ScheduleStatus::kRunning;
      hv.used.milli_cpus += batch->resources.milli_cpus;
      hv.used.ram_mb += batch->resources.ram_mb;
      hv.used.disk_mb += batch->resources.disk_mb;
      c->view.placed_tasks.push_back(&task);
      c->on_host[static_cast<size_t>(h)].push_back(&task);
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
    const std::set<model::AgentId> held = {slot->agent_id};
    const std::set<model::TaskId> taken(slot->victim_ids.begin(), slot->victim_ids.end());
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

// A small deterministic generator (the bench needs no more).
uint64_t NextRandom(uint64_t& state) {
  state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  return state >> 33;
}

struct KeptFigures {
  Stats update;  // the pass's view of the hosts, then Update
  Stats pass;    // update + one FindSlot
  double hosts_read = 0;  // per pass
};

// `reps` passes on a search kept across them; before each, `changed` distinct random hosts
// get one of their tasks replaced by a new version (same id, config and status) and a new
// stamp.
KeptFigures MeasureKept(Cluster& cluster, int changed, int reps) {
  using Clock = std::chrono::steady_clock;
  auto ms_between = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  const model::Task pending = PendingProductionTask();
  const size_t hosts = cluster.view.hosts.size();
  uint64_t random = 42;
  uint64_t stamp = hosts + 1;
  PreemptionSearch search(cluster.view, {});  // the first pass reads everything
  std::vector<double> update_ms;
  std::vector<double> pass_ms;
  size_t read = 0;
  std::vector<size_t> order(hosts);
  for (size_t h = 0; h < hosts; ++h) order[h] = h;
  for (int r = 0; r < reps; ++r) {
    // Between passes: a partial shuffle picks `changed` distinct hosts.
    for (size_t k = 0; k < static_cast<size_t>(changed) && k < hosts; ++k) {
      std::swap(order[k], order[k + NextRandom(random) % (hosts - k)]);
      const size_t h = order[k];
      std::vector<const model::Task*>& on = cluster.on_host[h];
      const size_t t = NextRandom(random) % on.size();
      on[t] = &cluster.tasks.emplace_back(*on[t]);
      cluster.view.hosts[h].tasks_stamp = ++stamp;
    }
    const auto t0 = Clock::now();
    ClusterView view;
    view.hosts = cluster.view.hosts;
    read += search.Update(view, [&](size_t host, std::vector<const model::Task*>& out) {
      const size_t first = out.size();
      out.insert(out.end(), cluster.on_host[host].begin(), cluster.on_host[host].end());
      std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                [](const model::Task* a, const model::Task* b) { return a->task_id < b->task_id; });
    });
    const auto t1 = Clock::now();
    auto slot = search.FindSlot(pending);
    const auto t2 = Clock::now();
    Check(slot);
    update_ms.push_back(ms_between(t0, t1));
    pass_ms.push_back(ms_between(t0, t2));
    if (r + 1 == reps) {  // the kept search must agree with one built anew
      ClusterView whole;
      whole.hosts = view.hosts;
      for (const auto& on : cluster.on_host) {
        whole.placed_tasks.insert(whole.placed_tasks.end(), on.begin(), on.end());
      }
      if (PreemptionSearch(whole, {}).FindSlot(pending) != slot) {
        std::fprintf(stderr, "the kept search chose another slot than a fresh one\n");
        std::exit(1);
      }
    }
  }
  return {Summarize(update_ms), Summarize(pass_ms), static_cast<double>(read) / reps};
}

void PrintKept(const char* prefix, const KeptFigures& f) {
  std::printf(
      "\"%supdate_median_ms\": %.3f, \"%supdate_p99_ms\": %.3f, "
      "\"%spass_median_ms\": %.3f, \"%spass_p99_ms\": %.3f, \"%shosts_read\": %.0f",
      prefix, f.update.median_ms, prefix, f.update.p99_ms, prefix, f.pass.median_ms, prefix,
      f.pass.p99_ms, prefix, f.hosts_read);
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
  auto cluster = Build(hosts);
  const int one_percent = std::max(1, hosts / 100);
  const KeptFigures kept1 = MeasureKept(*cluster, one_percent, reps);
  const KeptFigures kept10 = MeasureKept(*cluster, 10 * one_percent, reps);
  std::printf("{\"hosts\": %d, \"tasks\": %d, \"reps\": %d, ", hosts, hosts * 9, reps);
  PrintFigures("", f);
  std::printf(", ");
  PrintKept("kept_1pct_", kept1);
  std::printf(", ");
  PrintKept("kept_10pct_", kept10);
  std::printf(", \"baseline_hosts\": 100, ");
  PrintFigures("baseline_", base);
  std::printf("}\n");
  return 0;
}
