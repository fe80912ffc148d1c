#include "borealis/model/schedule_status.h"

#include <gtest/gtest.h>

namespace borealis::model {
namespace {

TEST(ScheduleStatusTest, EveryStatusRoundTripsThroughItsValueAndName) {
  EXPECT_EQ(AllStatuses().size(), 15u);
  for (ScheduleStatus s : AllStatuses()) {
    EXPECT_EQ(StatusFromInt(static_cast<int>(s)), s);
    EXPECT_EQ(ParseStatus(StatusName(s)), s);
  }
  EXPECT_EQ(StatusName(ScheduleStatus::kPartitioned), "PARTITIONED");
  EXPECT_EQ(StatusName(ScheduleStatus::kPending), "PENDING");
}

TEST(ScheduleStatusTest, ValuesThatAreNoStatusAreRefused) {
  for (int v : {-1, 8, 10, 14, 15, 19, 63, 64, 1000}) {
    EXPECT_EQ(StatusFromInt(v), std::nullopt) << v;
    EXPECT_EQ(StatusName(static_cast<ScheduleStatus>(v)), "UNKNOWN") << v;
  }
}

}  // namespace
}  // namespace borealis::model
