// Tests of preemption: eligibility, the per-host victim search, constraints,
// exclusions, determinism and updating a kept search. The property tests against the full
// scan it replaced are in preemption_property_test.cc.
#include "borealis/core/preemption.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "borealis/model/constraint.h"
#include "borealis/model/schedule_status.h"

namespace borealis::core {
namespace {

using S = model::ScheduleStatus;
using ::testing::ElementsAre;

std::shared_ptr<const model::TaskConfig> Config(const std::string& role, const std::string& name,
                                                bool production, int32_t priority,
                                                int64_t cpus = 1000, int64_t ram = 1024) {
  auto c = std::make_shared<model::TaskConfig>();
  c->job = {role, "prod", name};
  c->production = production;
  c->priority = priority;
  c->resources = {cpus, ram, 10, 0, {}};
  return c;
}

class Cluster {
 public:
  model::AgentInfo& AddHost(const std::string& id, int64_t cpus, int64_t ram,
                            std::map<std::string, std::vector<std::string>> attrs = {}) {
    model::AgentInfo& a = agents_.emplace_back();
    a.agent_id = model::AgentId(id);
    a.host = id + ".example";
    a.resources = {cpus, ram, 100000, 0, {}};
    a.port_ranges = {{31000, 31009}};
    a.attributes = std::move(attrs);
    return a;
  }
  const model::Task& Run(const std::string& id, const std::string& agent,
                         std::shared_ptr<const model::TaskConfig> config,
                         S status = S::kRunning) {
    model::Task& t = tasks_.emplace_back();
    t.task_id = model::TaskId(id);
    t.agent_id = model::AgentId(agent);
    t.config = std::move(config);
    t.status = status;
    return t;
  }
  ClusterView View() const {
    ClusterView v;
    for (const auto& a : agents_) {
      HostView h;
      h.agent = &a;
      for (const auto& t : tasks_) {
        if (t.agent_id != a.agent_id || !model::IsSlaveAssigned(t.status)) continue;
        h.used.milli_cpus += t.config->resources.milli_cpus;
        h.used.ram_mb += t.config->resources.ram_mb;
        h.used.disk_mb += t.config->resources.disk_mb;
      }
      v.hosts.push_back(h);
    }
    for (const auto& t : tasks_) v.placed_tasks.push_back(&t);
    return v;
  }

 private:
  std::deque<model::AgentInfo> agents_;
  std::deque<model::Task> tasks_;
};

model::Task Pending(std::shared_ptr<const model::TaskConfig> config) {
  model::Task t;
  t.task_id = "pending-0";
  t.config = std::move(config);
  t.status = S::kPending;
  return t;
}

TEST(CanPreempt, AuroraEligibilityTable) {
  auto prod_hi = Config("a", "x", true, 10);
  auto prod_lo = Config("a", "y", true, 0);
  auto prod_other_role = Config("b", "z", true, 0);
  auto batch_hi = Config("a", "b1", false, 10);
  auto batch_lo = Config("a", "b2", false, 0);
  auto batch_other_role = Config("b", "b3", false, 0);
  // Production preempts non-production of any role, whatever the priorities.
  EXPECT_TRUE(CanPreempt(*prod_lo, *batch_hi));
  EXPECT_TRUE(CanPreempt(*prod_lo, *batch_other_role));
  // Same class: same role and strictly lower priority only.
  EXPECT_TRUE(CanPreempt(*prod_hi, *prod_lo));
  EXPECT_FALSE(CanPreempt(*prod_lo, *prod_hi));
  EXPECT_FALSE(CanPreempt(*prod_lo, *prod_lo));
  EXPECT_FALSE(CanPreempt(*prod_hi, *prod_other_role));
  EXPECT_TRUE(CanPreempt(*batch_hi, *batch_lo));
  EXPECT_FALSE(CanPreempt(*batch_hi, *batch_other_role));
  // Non-production never preempts production.
  EXPECT_FALSE(CanPreempt(*batch_hi, *prod_lo));
}

TEST(PreemptionSearch, PicksTheHostNeedingTheFewestVictims) {
  Cluster c;
  c.AddHost("a1", 4000, 4096);
  c.AddHost("a2", 4000, 4096);
  auto small = Config("batch", "small", false, 0, 1000, 1024);
  auto big = Config("batch", "big", false, 0, 4000, 4096);
  for (int i = 0; i < 4; ++i) c.Run("s" + std::to_string(i), "a1", small);
  c.Run("b0", "a2", big);
  ClusterView view = c.View();
  PreemptionSearch search(view, {});
  model::Task p = Pending(Config("prod", "web", true, 0, 2000, 2048));
  auto slot = search.FindSlot(p);
  ASSERT_TRUE(slot.has_value());
  EXPECT_EQ(slot->agent_id, "a2");
  EXPECT_THAT(slot->victim_ids, ElementsAre("b0"));
  // With a2 held for someone else, two small tasks on a1 make room.
  slot = search.FindSlot(p, {"a2"});
  ASSERT_TRUE(slot.has_value());
  EXPECT_EQ(slot->agent_id, "a1");
  EXPECT_THAT(slot->victim_ids, ElementsAre("s0", "s1"));
  // Victims already promised to another preemptor are not used twice.
  slot = search.FindSlot(p, {"a2"}, {"s0", "s1", "s2"});
  EXPECT_FALSE(slot.has_value());
}

// A search bound to a version refuses to be used once the version moved after its last
// Update: its task pointers may dangle by then. Update makes it usable again.
TEST(PreemptionSearchDeathTest, BoundSearchStopsWhenUsedAfterItsTasksChanged) {
  Cluster c;
  c.AddHost("a1", 4000, 4096);
  c.Run("b0", "a1", Config("batch", "big", false, 0, 4000, 4096));
  ClusterView view = c.View();
  PreemptionSearch search(view, {});
  uint64_t version = 7;
  search.BindVersion([&version] { return version; });
  const model::Task p = Pending(Config("prod", "web", true, 0, 2000, 2048));
  ASSERT_TRUE(search.FindSlot(p).has_value());  // read at 7, used at 7
  version = 8;
  EXPECT_DEATH(search.FindSlot(p), "preemption search was read at version 7 .* used at version 8");
  ClusterView hosts = view;
  hosts.placed_tasks.clear();
  search.Update(hosts, [&](size_t, std::vector<const model::Task*>& out) {
    for (const model::Task* t : view.placed_tasks) out.push_back(t);
  });
  EXPECT_TRUE(search.FindSlot(p).has_value());
}

TEST(PreemptionSearch, LargestVictimsFirstOnAHost) {
  Cluster c;
  c.AddHost("a1", 4000, 8192);
  c.Run("t-small", "a1", Config("batch", "s", false, 0, 500, 512));
  c.Run("t-large", "a1", Config("batch", "l", false, 0, 3000, 3072));
  c.Run("t-mid", "a1", Config("batch", "m", false, 0, 500, 1024));
  ClusterView view = c.View();
  PreemptionSearch search(view, {});
  auto slot = search.FindSlot(Pending(Config("prod", "web", true, 0, 3500, 1024)));
  ASSERT_TRUE(slot.has_value());
  EXPECT_THAT(slot->victim_ids, ElementsAre("t-large", "t-mid"));
}

TEST(PreemptionSearch, IneligibleVictimsAndNotEnoughRoomGiveNoSlot) {
  Cluster c;
  c.AddHost("a1", 4000, 4096);
  c.Run("prod-1", "a1", Config("prod", "db", true, 0, 3000, 3072));
  c.Run("batch-1", "a1", Config("batch", "x", false, 0, 1000, 1024));
  ClusterView view = c.View();
  PreemptionSearch search(view, {});
  // Needs 3000 cpu: only 1000 can be freed (the production task is not eligible).
  EXPECT_FALSE(search.FindSlot(Pending(Config("prod", "web", true, 0, 3000, 1024))));
  // A non-production task cannot preempt production, nor other roles' tasks.
  EXPECT_FALSE(search.FindSlot(Pending(Config("other", "b", false, 9, 1000, 1024))));
  // Bigger than the host itself.
  EXPECT_FALSE(search.FindSlot(Pending(Config("prod", "huge", true, 0, 8000, 1024))));
  // Within role "batch", higher priority preempts lower.
  auto slot = search.FindSlot(Pending(Config("batch", "y", false, 5, 1000, 1024)));
  ASSERT_TRUE(slot.has_value());
  EXPECT_THAT(slot->victim_ids, ElementsAre("batch-1"));
}

// Victims go largest cpu first, so leaving out a victim chosen for another task can make a
// host need fewer victims when ram is what is short: the search must not bound a host by
// its victims before the exclusions are taken out.
TEST(PreemptionSearch, ExcludedVictimCanMakeAHostNeedFewerVictims) {
  Cluster c;
  c.AddHost("a1", 4000, 4096);
  c.Run("a1-big-cpu", "a1", Config("batch", "x", false, 0, 2000, 512));
  c.Run("a1-big-ram", "a1", Config("batch", "y", false, 0, 1000, 2048));
  c.AddHost("a2", 4000, 4096);
  c.Run("a2-t0", "a2", Config("batch", "z", false, 0, 200, 1500));
  c.Run("a2-t1", "a2", Config("batch", "z", false, 0, 200, 1500));
  ClusterView view = c.View();
  PreemptionSearch search(view, {});
  model::Task p = Pending(Config("prod", "web", true, 0, 500, 3000));
  auto slot = search.FindSlot(p);
  ASSERT_TRUE(slot.has_value());
  EXPECT_EQ(slot->agent_id, "a2");  // two victims each, a2 frees less cpu
  EXPECT_THAT(slot->victim_ids, ElementsAre("a2-t0", "a2-t1"));
  slot = search.FindSlot(p, {}, {"a1-big-cpu"});
  ASSERT_TRUE(slot.has_value());
  EXPECT_EQ(slot->agent_id, "a1");
  EXPECT_THAT(slot->victim_ids, ElementsAre("a1-big-ram"));
}

// Excluded victims are matched by a fingerprint of their id (length and last bytes) and
// then by the id itself: ids that share the fingerprint stay apart.
TEST(PreemptionSearch, ExcludedVictimsAreMatchedByTheirWholeId) {
  Cluster c;
  c.AddHost("a1", 2000, 2048);
  c.Run("x-0123456789", "a1", Config("batch", "x", false, 0, 2000, 2048));
  c.AddHost("a2", 2000, 2048);
  c.Run("y-0123456789", "a2", Config("batch", "x", false, 0, 2000, 2048));
  ClusterView view = c.View();
  PreemptionSearch search(view, {});
  model::Task p = Pending(Config("prod", "web", true, 0, 1000, 1024));
  auto slot = search.FindSlot(p, {}, {"x-0123456789"});
  ASSERT_TRUE(slot.has_value());
  EXPECT_EQ(slot->agent_id, "a2");
  slot = search.FindSlot(p, {}, {"y-0123456789"});
  ASSERT_TRUE(slot.has_value());
  EXPECT_EQ(slot->agent_id, "a1");
  EXPECT_FALSE(search.FindSlot(p, {}, {"x-0123456789", "y-0123456789"}));
}

TEST(PreemptionSearch, ConstraintsStillApply) {
  Cluster c;
  c.AddHost("a1", 2000, 2048, {{"rack", {"r1"}}});
  c.AddHost("a2", 2000, 2048, {{"rack", {"r2"}}});
  c.AddHost("a3", 2000, 2048, {{"dedicated", {"prod/db"}}, {"rack", {"r2"}}});
  auto batch = Config("batch", "x", false, 0, 2000, 2048);
  c.Run("v1", "a1", batch);
  c.Run("v2", "a2", batch);
  c.Run("v3", "a3", batch, S::kStarting);
  auto cfg = std::make_shared<model::TaskConfig>(*Config("prod", "web", true, 0, 1000, 1024));
  model::Constraint rack;
  rack.name = "rack";
  rack.values = {"r2"};
  cfg->constraints = {rack};
  ClusterView view = c.View();
  PreemptionSearch search(view, {});
  auto slot = search.FindSlot(Pending(cfg));
  ASSERT_TRUE(slot.has_value());
  EXPECT_EQ(slot->agent_id, "a2");  // a1: wrong rack; a3: dedicated
  EXPECT_THAT(slot->victim_ids, ElementsAre("v2"));
}

TEST(PreemptionSearch, TasksBeingKilledAreNotVictimsAndFitNeedsNoPreemption) {
  Cluster c;
  c.AddHost("a1", 2000, 2048);
  c.Run("k", "a1", Config("batch", "x", false, 0, 2000, 2048), S::kKilling);
  ClusterView view = c.View();
  PreemptionSearch search(view, {});
  EXPECT_FALSE(search.FindSlot(Pending(Config("prod", "web", true, 0, 1000, 1024))));
}

TEST(PreemptionSearch, ExecutorOverheadCountsForVictimsAndPending) {
  Cluster c;
  c.AddHost("a1", 2100, 4096);
  c.Run("v", "a1", Config("batch", "x", false, 0, 1000, 1024));
  ClusterView view = c.View();
  // used counts the victim without overhead here (View() above); 2100 - 1000 = 1100 free.
  PreemptionSearch no_overhead(view, {});
  EXPECT_FALSE(no_overhead.FindSlot(Pending(Config("prod", "web", true, 0, 1000, 1024))))
      << "fits without preemption";
  PreemptionSearch with_overhead(view, {200, 0, 0, 0, {}});
  auto slot = with_overhead.FindSlot(Pending(Config("prod", "web", true, 0, 1000, 1024)));
  ASSERT_TRUE(slot.has_value());
  EXPECT_THAT(slot->victim_ids, ElementsAre("v"));
}

TEST(PreemptionSearch, SameViewSameSlot) {
  Cluster c;
  for (int h = 0; h < 20; ++h) {
    const std::string id = "a" + std::to_string(100 + h);
    c.AddHost(id, 4000, 4096);
    for (int t = 0; t < 4; ++t) {
      c.Run(id + "-t" + std::to_string(t), id, Config("batch", "x", false, 0, 1000, 1024));
    }
  }
  ClusterView view = c.View();
  PreemptionSearch s1(view, {});
  PreemptionSearch s2(view, {});
  model::Task p = Pending(Config("prod", "web", true, 0, 1500, 1024));
  auto a = s1.FindSlot(p);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a, s2.FindSlot(p));
  EXPECT_EQ(a->agent_id, "a100");  // all equal: smallest agent_id
  EXPECT_EQ(a->victim_ids.size(), 2u);
}

TEST(PreemptionSearch, UpdateKeepsUnchangedHostsAndRereadsChangedOnes) {
  Cluster c;
  c.AddHost("a1", 4000, 4096);
  c.AddHost("a2", 4000, 4096);
  auto batch = Config("r", "batch", false, 0, 1000, 1024);
  auto prod = Config("r", "web", true, 0, 3000, 2048);
  c.Run("t1", "a1", batch);
  c.Run("t2", "a1", batch);
  c.Run("t3", "a2", batch);
  ClusterView whole = c.View();
  whole.hosts[0].tasks_stamp = 1;
  whole.hosts[1].tasks_stamp = 2;
  PreemptionSearch search(whole, {});
  // a1 has 2 cpus free: one victim makes room; a2 (3 cpus free) is placement's business.
  ASSERT_EQ(search.FindSlot(Pending(prod)),
            (PreemptionSlot{"a1", "a1.example", {"t1"}}));

  // a2 gets a third and fourth task (new stamp); a1 is unchanged and keeps its victims
  // without being asked for them.
  c.Run("t4", "a2", batch);
  c.Run("t5", "a2", batch);
  ClusterView hosts = c.View();
  hosts.placed_tasks.clear();
  hosts.hosts[0].tasks_stamp = 1;
  hosts.hosts[1].tasks_stamp = 3;
  std::vector<size_t> asked;
  const ClusterView all = c.View();
  const size_t read = search.Update(hosts, [&](size_t host, std::vector<const model::Task*>& out) {
    asked.push_back(host);
    for (const model::Task* t : all.placed_tasks) {
      if (t->agent_id == hosts.hosts[host].agent->agent_id) out.push_back(t);
    }
  });
  EXPECT_EQ(read, 1u);
  EXPECT_THAT(asked, ElementsAre(1u));
  // a1 as before; a2 (1 cpu free) needs two of its three victims, which it knows only
  // from reading its tasks again.
  EXPECT_EQ(search.FindSlot(Pending(prod)), (PreemptionSlot{"a1", "a1.example", {"t1"}}));
  EXPECT_EQ(search.FindSlot(Pending(prod), {"a1"}),
            (PreemptionSlot{"a2", "a2.example", {"t3", "t4"}}));
}

}  // namespace
}  // namespace borealis::core
