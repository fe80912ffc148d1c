// Tests of restartShards' selection: every listed instance must have an active task.
#include "borealis/core/restart.h"

#include <gtest/gtest.h>

#include <memory>

#include "borealis/model/task_config.h"

namespace borealis::core {
namespace {

using S = model::ScheduleStatus;

model::Task MakeTask(const std::string& id, int32_t instance, S status) {
  static const auto config = std::make_shared<const model::TaskConfig>();
  model::Task t;
  t.task_id = model::TaskId(id);
  t.config = config;
  t.instance_id = instance;
  t.status = status;
  return t;
}

TEST(SelectRestartTasks, Table) {
  const std::vector<model::Task> tasks = {
      MakeTask("a", 0, S::kRunning),  MakeTask("b", 1, S::kFinished),
      MakeTask("c", 1, S::kPending),  MakeTask("d", 2, S::kKilled),
      MakeTask("e", 3, S::kStarting),
  };
  std::vector<const model::Task*> job;
  for (const auto& t : tasks) job.push_back(&t);
  struct Case {
    std::set<int32_t> instances;
    std::vector<std::string> want;  // task ids, or empty for an error
    std::string error;
  };
  const std::vector<Case> cases = {
      {{0}, {"a"}, ""},
      {{3, 0, 1}, {"a", "c", "e"}, ""},
      {{2}, {}, "Not all requested shards are active. Instance(s) 2 of j have no active task."},
      {{0, 2, 9}, {}, "Instance(s) 2, 9 of j"},
      {{}, {}, "shardIds: name at least one instance of j to restart"},
  };
  for (const Case& c : cases) {
    auto got = SelectRestartTasks("j", job, c.instances);
    if (!c.error.empty()) {
      ASSERT_FALSE(got.ok());
      EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_NE(got.status().message().find(c.error), std::string::npos) << got.status();
      continue;
    }
    ASSERT_TRUE(got.ok()) << got.status();
    std::vector<std::string> ids;
    for (const model::Task* t : *got) ids.push_back(t->task_id.str());
    EXPECT_EQ(ids, c.want);
  }
}

}  // namespace
}  // namespace borealis::core
