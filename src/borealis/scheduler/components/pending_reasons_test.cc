// PendingReasonTracker: a task's reason is its class's (its TaskConfig object's), with the
// time of the class's last try; tasks without a config have their own; readers holding a
// published value never see it change.
#include "borealis/scheduler/components/pending_reasons.h"

#include <gtest/gtest.h>

namespace borealis::scheduler {
namespace {

model::Task PendingTask(const std::string& id, std::shared_ptr<const model::TaskConfig> c) {
  model::Task t;
  t.task_id = model::TaskId(id);
  t.config = std::move(c);
  t.status = model::ScheduleStatus::kPending;
  return t;
}

TEST(PendingReasonTracker, ReasonsAreByClassAndPublishedValuesNeverChange) {
  auto web = std::make_shared<const model::TaskConfig>();
  auto big = std::make_shared<const model::TaskConfig>();
  PendingReasonTracker tracker;
  EXPECT_TRUE(tracker.published()->empty());
  tracker.Replace({{web, "2 hosts: insufficient cpu", 100}}, {{"bare", "task has no configuration"}},
                  300);
  const std::shared_ptr<const PendingReasons> before = tracker.published();
  const PendingReason* w = before->Find(PendingTask("w1", web));
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->text, "2 hosts: insufficient cpu");
  EXPECT_EQ(w->tried_ms, 100);
  EXPECT_EQ(before->Find(PendingTask("b1", big)), nullptr);  // no reason: not tried
  const PendingReason* bare = before->Find(PendingTask("bare", nullptr));
  ASSERT_NE(bare, nullptr);
  EXPECT_EQ(bare->tried_ms, 300);
  tracker.Replace({{big, "1 host: constraint rack", 200}}, {}, 400);
  EXPECT_NE(before->Find(PendingTask("w1", web)), nullptr);  // the reader's value is kept
  EXPECT_EQ(tracker.published()->Find(PendingTask("w1", web)), nullptr);
  EXPECT_EQ(tracker.published()->classes(), 1u);
  tracker.Clear();
  EXPECT_TRUE(tracker.published()->empty());
  const auto empty = tracker.published();
  tracker.Clear();  // no new value when nothing changes
  EXPECT_EQ(tracker.published(), empty);
}

}  // namespace
}  // namespace borealis::scheduler
