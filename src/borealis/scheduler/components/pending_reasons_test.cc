// PendingReasonTracker: readers holding a published map never see it change.
#include "borealis/scheduler/components/pending_reasons.h"

#include <gtest/gtest.h>

namespace borealis::scheduler {
namespace {

TEST(PendingReasonTracker, PublishedMapsAreNeverChangedInPlace) {
  PendingReasonTracker tracker;
  EXPECT_TRUE(tracker.published()->empty());
  tracker.Replace({{"a", "Insufficient CPU (2 hosts)"}, {"b", "Constraint not satisfied"}});
  const std::shared_ptr<const PendingReasons> before = tracker.published();
  tracker.Forget("a");
  EXPECT_EQ(before->size(), 2u);  // the reader's copy is untouched
  EXPECT_EQ(tracker.published()->count("a"), 0u);
  EXPECT_EQ(tracker.published()->at("b"), "Constraint not satisfied");
  const auto after_forget = tracker.published();
  tracker.Forget("not-there");  // no copy when nothing changes
  EXPECT_EQ(tracker.published(), after_forget);
  tracker.Clear();
  EXPECT_TRUE(tracker.published()->empty());
  EXPECT_EQ(after_forget->size(), 1u);
  const auto empty = tracker.published();
  tracker.Clear();
  EXPECT_EQ(tracker.published(), empty);
}

}  // namespace
}  // namespace borealis::scheduler
