// ClusterState::QuotaUse, kept on every change, equals a full recount of the tasks after
// random sequences of saves (new tasks, status changes, config changes, job moves),
// deltas and removals.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "borealis/base/rng.h"
#include "borealis/model/quota_usage.h"
#include "borealis/state/cluster_state.h"

namespace borealis::state {
namespace {

using model::ScheduleStatus;

std::map<std::string, model::QuotaConsumption> Recount(const ClusterState& st) {
  std::map<std::string, model::QuotaConsumption> use;
  for (const auto& [id, t] : st.table()) {
    if (t->config && model::IsActive(t->status)) {
      model::AddConfigToConsumption(*t->config, 1, use[t->config->job.role]);
    }
  }
  return use;
}

TEST(QuotaUseTest, KeptUseEqualsARecountAfterRandomChanges) {
  const std::vector<ScheduleStatus> statuses = {
      ScheduleStatus::kPending, ScheduleStatus::kAssigned, ScheduleStatus::kRunning,
      ScheduleStatus::kKilling, ScheduleStatus::kFinished, ScheduleStatus::kFailed,
      ScheduleStatus::kThrottled, ScheduleStatus::kLost};
  std::vector<std::shared_ptr<const model::TaskConfig>> configs;
  for (int i = 0; i < 12; ++i) {
    auto c = std::make_shared<model::TaskConfig>();
    c->job = {absl::StrCat("role", i % 3), "prod", absl::StrCat("job", i % 5)};
    c->production = i % 2 == 0;
    if (i % 4 == 1) c->constraints.push_back({"dedicated", false, 0, false, {"x"}});
    c->resources = {100 * (i + 1), 64 * (i + 1), 10 * (i + 1), 0, {}};
    configs.push_back(c);
  }
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    base::Rng rng(seed);
    ClusterState st;
    std::vector<std::string> ids;
    for (int step = 0; step < 400; ++step) {
      const uint64_t e = rng.Uniform(10);
      model::Task t;
      if (e < 6 || ids.empty()) {  // save a new task, or a new version of a known one
        const bool fresh = ids.empty() || rng.Uniform(3) == 0;
        t.task_id = model::TaskId(fresh ? absl::StrCat("t", step) : ids[rng.Uniform(ids.size())]);
        if (fresh) ids.push_back(t.task_id.str());
        t.config = configs[rng.Uniform(configs.size())];
        t.status = statuses[rng.Uniform(statuses.size())];
        if (model::IsSlaveAssigned(t.status)) t.agent_id = model::AgentId("a");
        st.Apply(SaveTasks({t}));
      } else if (e < 8) {  // a status change as the log's delta
        const model::Task* known = st.FindTask(model::TaskId(ids[rng.Uniform(ids.size())]));
        if (known == nullptr) continue;
        TaskDelta d;
        d.task_id = known->task_id;
        d.status = statuses[rng.Uniform(statuses.size())];
        st.Apply(ChangeTasks{{d}});
      } else {
        st.Apply(RemoveTasks{{model::TaskId(ids[rng.Uniform(ids.size())])}});
      }
      const auto want = Recount(st);
      for (int r = 0; r < 3; ++r) {
        const std::string role = absl::StrCat("role", r);
        auto it = want.find(role);
        ASSERT_EQ(st.QuotaUse(role), it == want.end() ? model::QuotaConsumption{} : it->second)
            << role << " at step " << step;
      }
    }
  }
}

}  // namespace
}  // namespace borealis::state
