// BlockedSet with the Placer (FakeContext; here beside the core, as a component test may not
// include another component), with the periodic re-check off unless a test says so:
// on random event sequences every pass with the blocked set places exactly what a pass
// over every PENDING task places; each event that can let a parked class fit wakes it, and
// the events that cannot leave it parked.
#include "borealis/scheduler/components/blocked_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "borealis/base/rng.h"
#include "borealis/scheduler/components/component_testing.h"
#include "borealis/scheduler/components/placer.h"

namespace borealis::scheduler {
namespace {

using component_testing::FakeContext;
using model::ScheduleStatus;

void AddHost(FakeContext& ctx, const std::string& id, int64_t milli_cpus, int64_t ram_mb,
             const std::string& rack, const std::string& zone, int32_t ports = 3) {
  auto info = std::make_shared<model::AgentInfo>();
  info->agent_id = model::AgentId(id);
  info->host = id + ".example";
  info->resources = {milli_cpus, ram_mb, 100'000, 0, {}};
  info->port_ranges = {{31000, 31000 + ports - 1}};
  info->attributes = {{"rack", {rack}}, {"zone", {zone}}};
  AgentRecord& rec = ctx.agents_[model::AgentId(id)];
  rec.info = info;
  rec.statics = core::MakeHostStatic(*info);
  rec.registered = true;
  rec.connected = true;
}

std::shared_ptr<const model::TaskConfig> Config(const std::string& job, int64_t milli_cpus,
                                                int64_t ram_mb, int ports,
                                                std::vector<model::Constraint> constraints) {
  auto c = std::make_shared<model::TaskConfig>();
  c->job = {"r", "prod", job};
  c->owner_user = "r";
  c->is_service = true;
  c->resources = {milli_cpus, ram_mb, 10, 0, {}};
  for (int i = 0; i < ports; ++i) c->resources.named_ports.push_back(absl::StrCat("p", i));
  c->constraints = std::move(constraints);
  return c;
}

model::Constraint Limit(const std::string& name, int32_t n) {
  model::Constraint c;
  c.name = name;
  c.is_limit = true;
  c.limit = n;
  return c;
}

model::Constraint Not(const std::string& name, const std::string& value) {
  model::Constraint c;
  c.name = name;
  c.negated = true;
  c.values = {value};
  return c;
}

void AddPending(FakeContext& ctx, const std::shared_ptr<const model::TaskConfig>& config,
                const std::string& id, int32_t instance) {
  model::Task t;
  t.task_id = model::TaskId(id);
  t.config = config;
  t.instance_id = instance;
  t.status = ScheduleStatus::kPending;
  t.events.push_back({0, ScheduleStatus::kPending, "", {}});
  ctx.state_.Apply(state::SaveTasks({std::move(t)}));
}

// One pass as SchedulerCore runs it, with or without a blocked set.
core::PlacementResult RunPass(FakeContext& ctx, Placer& placer, BlockedSet* blocked,
                              std::vector<model::AgentId> held, int64_t now) {
  const bool hosts_changed = placer.Refresh(ctx, held);
  if (blocked != nullptr) {
    blocked->WakeBeforePass(now, hosts_changed, held, ctx);
    blocked->ParkWhatFitsNowhere(now, ctx);
  }
  core::PlacementResult result = placer.PlaceRunnable(ctx);
  for (const core::Assignment& a : result.assignments) ctx.AssignAndLaunch(a);
  if (blocked != nullptr) blocked->ParkAfterPass(now, result, ctx);
  if (blocked == nullptr) ctx.state_.TakeFreedLoads();
  return result;
}

std::vector<model::TaskId> PendingIds(const FakeContext& ctx) {
  std::vector<model::TaskId> ids;
  for (const model::Task* t : ctx.state_.pending()) ids.push_back(t->task_id);
  return ids;
}

// The same random events on two clusters: one placed with the blocked set, one with every
// PENDING task evaluated in every pass. Their decisions must be the same, pass by pass.
TEST(BlockedSet, PlacesExactlyWhatAFullReevaluationPlaces) {
  int64_t parked_like = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    base::Rng rng(seed);
    FakeContext with, full;
    Placer placer_with(model::Resources{}), placer_full(model::Resources{});
    BlockedSet blocked(/*recheck_ms=*/0, model::Resources{});
    const std::vector<std::shared_ptr<const model::TaskConfig>> configs = {
        Config("small", 500, 512, 0, {}),
        Config("big", 6000, 4096, 1, {}),
        Config("ram", 1000, 12'000, 0, {}),
        Config("ported", 500, 256, 2, {}),
        Config("spread", 500, 256, 0, {Limit("rack", 1)}),
        Config("notz0", 2000, 1024, 1, {Not("zone", "z0")}),
        Config("huge", 64'000, 1024, 0, {}),  // fits no host ever
        // Larger than "big" with its constraints: parked like it while it is.
        Config("bigger", 7000, 5000, 1, {}),
        Config("fresh", 8000, 4096, 1, {Limit("rack", 1)}),
        // The "spread" job again, larger: never parked like another while its job runs.
        Config("spread", 6500, 4096, 1, {Limit("rack", 1)}),
    };
    int hosts = 0;
    auto add_host = [&] {
      const std::string id = absl::StrCat("h", hosts);
      const int64_t cpus = (1 + rng.Uniform(3)) * 4000;
      const int64_t ram = (1 + rng.Uniform(2)) * 8192;
      const std::string rack = absl::StrCat("rack", rng.Uniform(3));
      const std::string zone = absl::StrCat("z", rng.Uniform(2));
      AddHost(with, id, cpus, ram, rack, zone);
      AddHost(full, id, cpus, ram, rack, zone);
      placer_with.HostsChanged();
      placer_full.HostsChanged();
      ++hosts;
    };
    for (int i = 0; i < 4; ++i) add_host();
    std::vector<model::AgentId> held;
    int next_task = 0;
    for (int step = 0; step < 120; ++step) {
      const uint64_t e = rng.Uniform(100);
      if (e < 40) {  // new PENDING tasks of a class
        const auto& config = configs[rng.Uniform(configs.size())];
        const int n = 1 + static_cast<int>(rng.Uniform(4));
        for (int i = 0; i < n; ++i, ++next_task) {
          AddPending(with, config, absl::StrCat("t", next_task), next_task);
          AddPending(full, config, absl::StrCat("t", next_task), next_task);
        }
      } else if (e < 65) {  // a placed task ends: its host has room again
        std::vector<model::TaskId> placed;
        for (const auto& [agent, load] : full.state_.loads()) {
          for (const model::Task* t : load.tasks) placed.push_back(t->task_id);
        }
        std::sort(placed.begin(), placed.end());
        if (!placed.empty()) {
          const model::TaskId id = placed[rng.Uniform(placed.size())];
          with.state_.Apply(state::RemoveTasks{{id}});
          full.state_.Apply(state::RemoveTasks{{id}});
        }
      } else if (e < 72) {  // a PENDING task is killed
        const std::vector<model::TaskId> pending = PendingIds(full);
        if (!pending.empty()) {
          const model::TaskId id = pending[rng.Uniform(pending.size())];
          with.state_.Apply(state::RemoveTasks{{id}});
          full.state_.Apply(state::RemoveTasks{{id}});
        }
      } else if (e < 78) {  // a host registers
        add_host();
      } else if (e < 81) {  // a host disconnects or reconnects
        const model::AgentId id(absl::StrCat("h", rng.Uniform(static_cast<uint64_t>(hosts))));
        for (FakeContext* ctx : {&with, &full}) {
          ctx->agents_[id].connected = !ctx->agents_[id].connected;
        }
        placer_with.HostsChanged();
        placer_full.HostsChanged();
      } else if (e < 86) {  // a host's hold for a preemptor starts or ends
        const model::AgentId id(absl::StrCat("h", rng.Uniform(static_cast<uint64_t>(hosts))));
        auto it = std::find(held.begin(), held.end(), id);
        if (it == held.end()) {
          held.push_back(id);
          std::sort(held.begin(), held.end());
        } else {
          held.erase(it);
        }
        with.held = full.held = std::set<model::AgentId>(held.begin(), held.end());
      }
      const core::PlacementResult a = RunPass(with, placer_with, &blocked, held, step);
      const core::PlacementResult b = RunPass(full, placer_full, nullptr, held, step);
      ASSERT_EQ(a.assignments, b.assignments)
          << "step " << step << " event " << e << " first: "
          << (b.assignments.empty() ? "" : b.assignments[0].task_id.str() + " on " +
                                               b.assignments[0].agent_id.str())
          << " " << [&] {
               if (b.assignments.empty()) return std::string();
               const model::Task* t = with.state_.FindTask(b.assignments[0].task_id);
               std::string out = t->config->job.name + " cpus " +
                                 std::to_string(t->config->resources.milli_cpus) +
                                 (with.state_.IsParked(t->config.get()) ? " parked" : " runnable");
               for (const core::ClassReason& r : blocked.Reasons()) {
                 if (r.config == t->config) out += " reason " + r.reason + " at " +
                                                   std::to_string(r.tried_ms);
               }
               return out;
             }();
      ASSERT_EQ(PendingIds(with), PendingIds(full)) << "step " << step;
      // The blocked set evaluated no more than the full pass did.
      ASSERT_LE(a.pending_reasons.size(), b.pending_reasons.size());
    }
    EXPECT_GT(with.counters["blocked_classes_parked"], 0);
    parked_like += with.counters["blocked_classes_parked_like_others"];
  }
  EXPECT_GT(parked_like, 0);  // the sequences did park classes like others
}

class BlockedSetWakes : public ::testing::Test {
 protected:
  void SetUp() override {
    AddHost(ctx_, "a", 4000, 8192, "rack0", "z0");
    AddHost(ctx_, "tiny", 1000, 1024, "rack1", "z1");
  }
  // A pass; true when `id` is still PENDING and parked after it.
  void Pass(int64_t now = 0) { RunPass(ctx_, placer_, &blocked_, held_, now); }
  bool Parked(const std::shared_ptr<const model::TaskConfig>& c) const {
    return blocked_.IsParked(c.get()) && ctx_.state_.IsParked(c.get());
  }
  int64_t Woken() { return ctx_.counters["blocked_classes_woken"]; }

  FakeContext ctx_;
  Placer placer_{model::Resources{}};
  BlockedSet blocked_{0, model::Resources{}};
  std::vector<model::AgentId> held_;
};

TEST_F(BlockedSetWakes, FreedRoomOnAHostThatCouldHoldTheClassWakesIt) {
  const auto filler = Config("filler", 4000, 1024, 0, {});
  const auto waiting = Config("waiting", 2000, 1024, 0, {});
  AddPending(ctx_, filler, "f0", 0);
  Pass();
  AddPending(ctx_, waiting, "w0", 0);
  Pass();
  ASSERT_TRUE(Parked(waiting));
  EXPECT_EQ(ctx_.state_.runnable().size(), 0u);
  EXPECT_EQ(blocked_.Reasons().at(0).reason, "2 hosts: insufficient cpu");
  ctx_.state_.Apply(state::RemoveTasks{{"f0"}});  // frees host a
  Pass(5);
  EXPECT_FALSE(Parked(waiting));
  ASSERT_EQ(ctx_.launched.size(), 2u);
  EXPECT_EQ(ctx_.launched[1].task_id, "w0");
}

TEST_F(BlockedSetWakes, FreedRoomOnAHostThatNeverCouldDoesNot) {
  const auto small = Config("small", 1000, 512, 0, {});
  const auto waiting = Config("waiting", 3000, 1024, 0, {});  // "tiny" can never hold it
  AddPending(ctx_, Config("filler", 4000, 1024, 0, {}), "f0", 0);
  AddPending(ctx_, small, "s0", 0);
  Pass();
  AddPending(ctx_, waiting, "w0", 0);
  Pass();
  ASSERT_TRUE(Parked(waiting));
  const int64_t woken = Woken();
  ctx_.state_.Apply(state::RemoveTasks{{"s0"}});  // frees "tiny"
  Pass();
  EXPECT_TRUE(Parked(waiting));
  EXPECT_EQ(Woken(), woken);
}

TEST_F(BlockedSetWakes, FreedRoomOnAHostItsConstraintsRefuseDoesNot) {
  const auto waiting = Config("waiting", 1000, 512, 0, {Not("zone", "z0")});
  AddPending(ctx_, Config("filler", 4000, 1024, 0, {}), "f0", 0);
  AddPending(ctx_, Config("filler1", 1000, 512, 0, {}), "f1", 0);
  Pass();
  AddPending(ctx_, waiting, "w0", 0);
  Pass();
  ASSERT_TRUE(Parked(waiting));
  ctx_.state_.Apply(state::RemoveTasks{{"f0"}});  // frees host a, in zone z0
  Pass();
  EXPECT_TRUE(Parked(waiting));
  ctx_.state_.Apply(state::RemoveTasks{{"f1"}});  // frees "tiny", in z1
  Pass();
  EXPECT_FALSE(Parked(waiting));
  EXPECT_EQ(ctx_.launched.back().task_id, "w0");
}

TEST_F(BlockedSetWakes, ATaskOfItsOwnJobLeavingWakesALimitClass) {
  // rack limit 1. Host "b" (rack0, like "a") is too small for the waiting class, but a task
  // of its job there counts against rack0, so "a" cannot take it either.
  AddHost(ctx_, "b", 1000, 8192, "rack0", "z0");
  placer_.HostsChanged();
  const auto running = Config("job", 500, 256, 0, {Limit("rack", 1)});
  const auto other = Config("other", 500, 256, 0, {});
  for (const auto& [id, config] : {std::pair{"j0", running}, std::pair{"o0", other}}) {
    model::Task t;
    t.task_id = model::TaskId(id);
    t.config = config;
    t.status = ScheduleStatus::kAssigned;
    t.agent_id = model::AgentId("b");
    t.agent_host = "b.example";
    ctx_.state_.Apply(state::SaveTasks({t}));
  }
  const auto waiting = Config("job", 2000, 256, 0, {Limit("rack", 1)});
  AddPending(ctx_, waiting, "j1", 1);
  Pass();
  ASSERT_TRUE(Parked(waiting));
  EXPECT_EQ(blocked_.Reasons().at(0).reason,
            "2 hosts: limit rack; 1 host: insufficient cpu");  // limits are checked first
  // Another job's task leaving "b": nothing the class could use.
  const int64_t woken = Woken();
  ctx_.state_.Apply(state::RemoveTasks{{"o0"}});
  Pass();
  EXPECT_TRUE(Parked(waiting));
  EXPECT_EQ(Woken(), woken);
  // Its own job's task leaving "b": rack0 has room for the job again, on "a".
  ctx_.state_.Apply(state::RemoveTasks{{"j0"}});
  Pass();
  EXPECT_FALSE(Parked(waiting));
  ASSERT_FALSE(ctx_.launched.empty());
  EXPECT_EQ(ctx_.launched.back().task_id, "j1");
  EXPECT_EQ(ctx_.launched.back().agent_id, "a");
}

TEST_F(BlockedSetWakes, HostsAndHoldsChangingWakeEverything) {
  const auto waiting = Config("waiting", 8000, 1024, 0, {});
  AddPending(ctx_, waiting, "w0", 0);
  Pass();
  ASSERT_TRUE(Parked(waiting));
  AddHost(ctx_, "large", 16'000, 32'768, "rack2", "z1");
  placer_.HostsChanged();
  Pass();
  EXPECT_FALSE(Parked(waiting));
  EXPECT_EQ(ctx_.launched.back().agent_id, "large");
  // A hold: "a" is the only host for the next one; while held it is parked, and the
  // hold ending wakes it.
  const auto next = Config("next", 3000, 1024, 0, {});
  held_ = {"a", "large"};
  ctx_.held = {"a", "large"};
  AddPending(ctx_, next, "n0", 0);
  Pass();
  ASSERT_TRUE(Parked(next));
  held_ = {"large"};
  ctx_.held = {"large"};
  Pass();
  EXPECT_FALSE(Parked(next));
  EXPECT_EQ(ctx_.launched.back().task_id, "n0");
}

TEST_F(BlockedSetWakes, PlacementsAndArrivalsDoNotWakeAndNewTasksJoinTheParkedClass) {
  const auto waiting = Config("waiting", 8000, 1024, 0, {});
  AddPending(ctx_, waiting, "w0", 0);
  Pass();
  ASSERT_TRUE(Parked(waiting));
  AddPending(ctx_, waiting, "w1", 1);  // same config: parked at once
  AddPending(ctx_, Config("small", 500, 256, 0, {}), "s0", 0);
  EXPECT_EQ(ctx_.state_.ParkedTasks(waiting.get()), 2u);
  EXPECT_EQ(ctx_.state_.runnable().size(), 1u);
  Pass();
  EXPECT_TRUE(Parked(waiting));
  EXPECT_EQ(Woken(), 0);
  EXPECT_EQ(ctx_.launched.back().task_id, "s0");
  // Its tasks all killed: the class is forgotten at the next pass.
  ctx_.state_.Apply(state::RemoveTasks{{"w0", "w1"}});
  Pass();
  EXPECT_EQ(blocked_.size(), 0u);
}

TEST_F(BlockedSetWakes, AClassLargerThanAParkedOneWithItsConstraintsIsParkedUntried) {
  const auto waiting = Config("waiting", 8000, 1024, 1, {Not("zone", "z1")});
  AddPending(ctx_, waiting, "w0", 0);
  Pass();
  ASSERT_TRUE(Parked(waiting));
  const auto larger = Config("larger", 9000, 2048, 2, {Not("zone", "z1")});
  const auto other_constraints = Config("other", 9000, 2048, 2, {});
  const auto smaller = Config("smaller", 7000, 2048, 2, {Not("zone", "z1")});
  AddPending(ctx_, larger, "l0", 0);
  AddPending(ctx_, other_constraints, "o0", 0);
  AddPending(ctx_, smaller, "s0", 0);
  RunPass(ctx_, placer_, &blocked_, held_, 7);
  EXPECT_TRUE(Parked(larger));
  EXPECT_TRUE(Parked(other_constraints));
  EXPECT_TRUE(Parked(smaller));
  EXPECT_EQ(ctx_.counters["blocked_classes_parked_like_others"], 1);  // only "larger"
  EXPECT_EQ(ctx_.counters["blocked_classes_parked"], 3);  // the others were tried
  for (const core::ClassReason& r : blocked_.Reasons()) {
    if (r.config == larger) {
      EXPECT_EQ(r.reason, "1 host: constraint zone; 1 host: insufficient cpu");
      EXPECT_EQ(r.tried_ms, 7);
    }
  }
}

TEST_F(BlockedSetWakes, DisabledItParksNothingAndKeepsTheLastReasons) {
  BlockedSet disabled(0, model::Resources{}, /*enabled=*/false);
  const auto waiting = Config("waiting", 8000, 1024, 0, {});
  AddPending(ctx_, waiting, "w0", 0);
  RunPass(ctx_, placer_, &disabled, {}, 10);
  EXPECT_FALSE(ctx_.state_.IsParked(waiting.get()));
  EXPECT_EQ(ctx_.state_.runnable().size(), 1u);
  ASSERT_EQ(disabled.Reasons().size(), 1u);
  const core::PlacementResult again = RunPass(ctx_, placer_, &disabled, {}, 20);
  EXPECT_EQ(again.pending_reasons.count("w0"), 1u);  // tried again
  EXPECT_EQ(disabled.Reasons().at(0).tried_ms, 20);
}

TEST_F(BlockedSetWakes, ThePeriodicRecheckWakesEverythingAndRefreshesTheReason) {
  BlockedSet rechecking(/*recheck_ms=*/1000, model::Resources{});
  const auto waiting = Config("waiting", 8000, 1024, 0, {});
  AddPending(ctx_, waiting, "w0", 0);
  RunPass(ctx_, placer_, &rechecking, {}, 100);
  ASSERT_TRUE(rechecking.IsParked(waiting.get()));
  EXPECT_EQ(rechecking.Reasons().at(0).tried_ms, 100);
  RunPass(ctx_, placer_, &rechecking, {}, 900);
  EXPECT_EQ(rechecking.Reasons().at(0).tried_ms, 100);  // not due: not tried
  RunPass(ctx_, placer_, &rechecking, {}, 1200);
  ASSERT_TRUE(rechecking.IsParked(waiting.get()));  // tried again, still fits nowhere
  EXPECT_EQ(rechecking.Reasons().at(0).tried_ms, 1200);
  EXPECT_EQ(ctx_.counters["blocked_rechecks"], 1);
}

}  // namespace
}  // namespace borealis::scheduler
