// AgentRegistry: lookups follow additions and removals; publication copies only when
// something changed or a second passed, and never changes what readers hold.
#include "borealis/scheduler/agent_registry.h"

#include <gtest/gtest.h>

namespace borealis::scheduler {
namespace {

TEST(AgentRegistry, FindFollowsAddAndErase) {
  AgentRegistry agents;
  EXPECT_EQ(agents.Find("a1"), nullptr);
  AgentRecord& rec = agents.Add("a1");
  rec.connected = true;
  EXPECT_EQ(agents.Find("a1"), &rec);
  EXPECT_EQ(&agents.Add("a1"), &rec);  // the existing record
  agents.Add("a2");
  EXPECT_EQ(agents.Find("a1"), &rec);  // nodes do not move
  agents.Erase("a1");
  EXPECT_EQ(agents.Find("a1"), nullptr);
  EXPECT_EQ(agents.records().size(), 1u);
}

TEST(AgentRegistry, PublishesACopyWhenChangedOrOnceASecond) {
  AgentRegistry agents;
  agents.Add("a1").last_seen_ms = 5;
  const auto first = agents.Publish(1000);
  ASSERT_EQ(first->size(), 1u);
  agents.Find("a1")->last_seen_ms = 900;
  EXPECT_EQ(agents.Publish(1500), first);  // unchanged and not a second old: same copy
  EXPECT_EQ(first->at("a1").last_seen_ms, 5);
  const auto later = agents.Publish(2000);
  EXPECT_NE(later, first);
  EXPECT_EQ(later->at("a1").last_seen_ms, 900);
  agents.Add("a2");
  agents.MarkChanged();
  EXPECT_EQ(agents.Publish(2001)->size(), 2u);
  EXPECT_EQ(later->size(), 1u);  // what readers hold never changes
}

}  // namespace
}  // namespace borealis::scheduler
