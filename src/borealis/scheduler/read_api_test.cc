// Unit tests of the read-only API over a hand-built SchedulerView: paging by TaskQuery's
// offset and limit (Aurora's getTasks: skip `offset`, keep `limit`, each only when > 0).
#include "borealis/scheduler/read_api.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace borealis::scheduler {
namespace {

using model::ScheduleStatus;

class ReadApiTest : public ::testing::Test {
 protected:
  // A task of www-data/devel/`job` with the given id and status.
  void AddTask(const std::string& job, const std::string& id, int32_t instance,
               ScheduleStatus status) {
    auto config = std::make_shared<model::TaskConfig>();
    config->job = {"www-data", "devel", job};
    config->owner_user = "www-data";
    auto task = std::make_shared<model::Task>();
    task->task_id = model::TaskId(id);
    task->config = std::move(config);
    task->instance_id = instance;
    task->status = status;
    table_.Put(std::move(task));
  }

  SchedulerView View() const {
    SchedulerView view;
    view.tasks = std::make_shared<const state::TaskMap>(table_);
    return view;
  }

  std::vector<std::string> TaskIds(const api::TaskQuery& q) const {
    api::Response r = GetTasks(View(), q, /*strip_executor_data=*/false);
    EXPECT_EQ(r.responseCode, api::ResponseCode::OK);
    std::vector<std::string> ids;
    for (const api::ScheduledTask& t : r.result.scheduleStatusResult.tasks) {
      ids.push_back(t.assignedTask.taskId);
    }
    return ids;
  }

  std::vector<std::string> PendingIds(const api::TaskQuery& q) const {
    api::Response r = GetPendingReason(View(), q);
    EXPECT_EQ(r.responseCode, api::ResponseCode::OK);
    std::vector<std::string> ids;
    for (const api::PendingReason& p : r.result.getPendingReasonResult.reasons) {
      ids.push_back(p.taskId);
    }
    std::sort(ids.begin(), ids.end());  // a set: its order is not the paging order
    return ids;
  }

  // Two jobs, inserted out of order: "web" (3 tasks) and "db" (2 tasks).
  void AddTwoJobs() {
    AddTask("web", "web-2", 2, ScheduleStatus::kRunning);
    AddTask("db", "db-1", 1, ScheduleStatus::kPending);
    AddTask("web", "web-0", 0, ScheduleStatus::kPending);
    AddTask("db", "db-0", 0, ScheduleStatus::kRunning);
    AddTask("web", "web-1", 1, ScheduleStatus::kPending);
  }

  state::TaskMap table_;
};

api::TaskQuery Paged(int32_t offset, int32_t limit) {
  api::TaskQuery q;
  q.__set_role("www-data");
  if (offset != 0) q.__set_offset(offset);
  if (limit != 0) q.__set_limit(limit);
  return q;
}

TEST_F(ReadApiTest, TasksComeInJobKeyThenTaskIdOrder) {
  AddTwoJobs();
  EXPECT_EQ(TaskIds(Paged(0, 0)),
            (std::vector<std::string>{"db-0", "db-1", "web-0", "web-1", "web-2"}));
}

TEST_F(ReadApiTest, OffsetSkipsAndLimitKeeps) {
  AddTwoJobs();
  EXPECT_EQ(TaskIds(Paged(1, 2)), (std::vector<std::string>{"db-1", "web-0"}));
  EXPECT_EQ(TaskIds(Paged(3, 0)), (std::vector<std::string>{"web-1", "web-2"}));
  EXPECT_EQ(TaskIds(Paged(0, 2)), (std::vector<std::string>{"db-0", "db-1"}));
  EXPECT_EQ(TaskIds(Paged(4, 10)), (std::vector<std::string>{"web-2"}));
  EXPECT_TRUE(TaskIds(Paged(5, 1)).empty());
  EXPECT_TRUE(TaskIds(Paged(100, 0)).empty());
}

TEST_F(ReadApiTest, PagesCoverEveryTaskOnce) {
  AddTwoJobs();
  std::vector<std::string> all;
  for (int32_t offset = 0; offset < 6; offset += 2) {
    for (const std::string& id : TaskIds(Paged(offset, 2))) all.push_back(id);
  }
  EXPECT_EQ(all, TaskIds(Paged(0, 0)));
}

// Aurora pages only when offset or limit is > 0: zero and negative values mean "all".
TEST_F(ReadApiTest, ZeroAndNegativeOffsetAndLimitAreIgnored) {
  AddTwoJobs();
  EXPECT_EQ(TaskIds(Paged(-3, -1)).size(), 5u);
  EXPECT_EQ(TaskIds(Paged(-1, 2)), (std::vector<std::string>{"db-0", "db-1"}));
  EXPECT_EQ(TaskIds(Paged(2, -5)).size(), 3u);
}

// The query's other fields filter first; the page is of what matched.
TEST_F(ReadApiTest, PagingAppliesAfterTheFilter) {
  AddTwoJobs();
  api::TaskQuery q = Paged(1, 1);
  q.__set_jobName("web");
  EXPECT_EQ(TaskIds(q), (std::vector<std::string>{"web-1"}));
  api::Response stripped = GetTasks(View(), q, /*strip_executor_data=*/true);
  ASSERT_EQ(stripped.result.scheduleStatusResult.tasks.size(), 1u);
  EXPECT_EQ(stripped.result.scheduleStatusResult.tasks[0].assignedTask.taskId, "web-1");
}

// getPendingReason pages the pending tasks (Aurora narrows the query to them first).
TEST_F(ReadApiTest, PendingReasonsArePagedAmongPendingTasks) {
  AddTwoJobs();
  EXPECT_EQ(PendingIds(Paged(0, 0)), (std::vector<std::string>{"db-1", "web-0", "web-1"}));
  EXPECT_EQ(PendingIds(Paged(1, 1)), (std::vector<std::string>{"web-0"}));
  EXPECT_EQ(PendingIds(Paged(2, 5)), (std::vector<std::string>{"web-1"}));
}

}  // namespace
}  // namespace borealis::scheduler
