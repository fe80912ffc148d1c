// Quota check at scale: a ClusterState holding N tasks (default 1,000,000) of 1,000
// production jobs in 10 roles, all RUNNING. Times the check createJob, addInstances, an
// update or a cron run makes for one role (its production use, then core::CheckQuota):
//  * "kept": ClusterState::QuotaUse, the use kept on every task change;
//  * "recount": core::ComputeConsumption over every task, what each check did before.
// Prints one JSON object with the median and p99 of each over the repetitions, in µs, and
// checks that both give the same use.
//
//   quota_bench [--tasks N] [--reps R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "borealis/core/quota.h"
#include "borealis/state/cluster_state.h"

namespace {

namespace model = borealis::model;
namespace state = borealis::state;
namespace core = borealis::core;

double Micros(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

std::pair<double, double> MedianP99(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[static_cast<size_t>(0.99 * static_cast<double>(v.size() - 1))]};
}

}  // namespace

int main(int argc, char** argv) {
  int64_t tasks = 1'000'000;
  int reps = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--tasks") tasks = std::atoll(argv[i + 1]);
    else if (flag == "--reps") reps = std::atoi(argv[i + 1]);
  }
  const int64_t jobs = 1000;
  std::vector<std::shared_ptr<const model::TaskConfig>> configs;
  for (int64_t j = 0; j < jobs; ++j) {
    auto c = std::make_shared<model::TaskConfig>();
    c->job = {absl::StrCat("role", j % 10), "prod", absl::StrCat("job", j)};
    c->production = true;
    c->resources = {100, 128, 64, 0, {}};
    configs.push_back(c);
  }
  state::ClusterState st;
  const auto fill0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < tasks; ++i) {
    state::SaveTasks save;
    auto t = std::make_shared<model::Task>();
    t->task_id = model::TaskId(absl::StrCat("task-", i));
    t->config = configs[static_cast<size_t>(i % jobs)];
    t->instance_id = static_cast<int32_t>(i / jobs);
    t->status = model::ScheduleStatus::kRunning;
    t->agent_id = model::AgentId(absl::StrCat("agent-", i % 10000));
    save.shared.push_back(std::move(t));
    st.Apply(save);
  }
  const double fill_s = Micros(std::chrono::steady_clock::now() - fill0) / 1e6;
  const model::Resources quota{1'000'000'000, 1'000'000'000, 1'000'000'000, 0, {}};
  const model::Resources requested{100, 128, 64, 0, {}};
  std::vector<double> kept, recount;
  bool same = true;
  for (int r = 0; r < reps; ++r) {
    const std::string role = absl::StrCat("role", r % 10);
    auto t0 = std::chrono::steady_clock::now();
    const model::QuotaConsumption a = st.QuotaUse(role);
    const bool ok_a = core::CheckQuota(role, quota, a.prod_shared, requested).ok();
    kept.push_back(Micros(std::chrono::steady_clock::now() - t0));
    t0 = std::chrono::steady_clock::now();
    const core::QuotaConsumption b = core::ComputeConsumption(role, st.table());
    const bool ok_b = core::CheckQuota(role, quota, b.prod_shared, requested).ok();
    recount.push_back(Micros(std::chrono::steady_clock::now() - t0));
    same = same && a == b && ok_a == ok_b;
  }
  const auto [k50, k99] = MedianP99(kept);
  const auto [r50, r99] = MedianP99(recount);
  std::printf(
      "{\"tasks\": %lld, \"reps\": %d, \"fill_s\": %.2f, \"kept_us_p50\": %.3f, "
      "\"kept_us_p99\": %.3f, \"recount_us_p50\": %.1f, \"recount_us_p99\": %.1f, "
      "\"same_use\": %s}\n",
      static_cast<long long>(tasks), reps, fill_s, k50, k99, r50, r99, same ? "true" : "false");
  return same ? 0 : 1;
}
