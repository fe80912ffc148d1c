// Tests of placement: each veto, ports, limits, dedicated hosts, spreading, determinism,
// the submission-time fit check, and a property test over random small clusters.
#include "borealis/core/placement.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "borealis/base/rng.h"
#include "borealis/core/host_filter.h"
#include "borealis/model/constraint.h"
#include "borealis/testing/status_matchers.h"

namespace borealis::core {
namespace {

using S = model::ScheduleStatus;
using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

model::Constraint Value(std::string name, std::vector<std::string> values, bool negated = false) {
  model::Constraint c;
  c.name = std::move(name);
  c.values = std::move(values);
  c.negated = negated;
  return c;
}

model::Constraint Limit(std::string name, int32_t limit) {
  model::Constraint c;
  c.name = std::move(name);
  c.is_limit = true;
  c.limit = limit;
  return c;
}

// Owns the agents and tasks a ClusterView points to; builds views and pending lists.
class Cluster {
 public:
  model::AgentInfo& AddAgent(const std::string& id, int64_t milli_cpus, int64_t ram_mb,
                             std::map<std::string, std::vector<std::string>> attributes = {}) {
    model::AgentInfo& a = agents_.emplace_back();
    a.agent_id = model::AgentId(id);
    a.host = id + ".example";
    a.resources.milli_cpus = milli_cpus;
    a.resources.ram_mb = ram_mb;
    a.resources.disk_mb = 100'000;
    a.port_ranges = {{31000, 31099}};
    a.attributes = std::move(attributes);
    HostView& h = hosts_.emplace_back();
    h.agent = &a;
    return a;
  }
  HostView& Host(const model::AgentId& id) {
    for (HostView& h : hosts_) {
      if (h.agent->agent_id == id) return h;
    }
    std::abort();
  }
  std::shared_ptr<model::TaskConfig> Job(const std::string& name, int64_t milli_cpus = 1000,
                                         int64_t ram_mb = 1024,
                                         std::vector<model::Constraint> constraints = {}) {
    auto c = std::make_shared<model::TaskConfig>();
    c->job = {"role", "prod", name};
    c->resources.milli_cpus = milli_cpus;
    c->resources.ram_mb = ram_mb;
    c->resources.disk_mb = 10;
    c->constraints = std::move(constraints);
    return c;
  }
  const model::Task* Pending(std::shared_ptr<const model::TaskConfig> config, int32_t instance) {
    model::Task& t = tasks_.emplace_back();
    t.task_id = model::TaskId(config->job.name + "-" + std::to_string(instance) + "-" +
                              std::to_string(tasks_.size()));
    t.config = std::move(config);
    t.instance_id = instance;
    t.status = S::kPending;
    return &t;
  }
  // A task of `config` already running on `agent_id` (counts for limits and spreading).
  void Running(std::shared_ptr<const model::TaskConfig> config, const std::string& agent_id,
               S status = S::kRunning) {
    model::Task& t = tasks_.emplace_back();
    t.task_id = model::TaskId("placed-" + std::to_string(tasks_.size()));
    t.config = std::move(config);
    t.status = status;
    t.agent_id = model::AgentId(agent_id);
    placed_.push_back(&t);
  }
  ClusterView View() const {
    ClusterView v;
    v.hosts.assign(hosts_.begin(), hosts_.end());
    v.placed_tasks = placed_;
    return v;
  }

 private:
  std::deque<model::AgentInfo> agents_;
  std::deque<HostView> hosts_;
  std::deque<model::Task> tasks_;
  std::vector<const model::Task*> placed_;
};

PlacementResult PlaceAll(const Cluster& c, const std::vector<const model::Task*>& pending,
                         PlacementOptions options = {}) {
  return Place(c.View(), pending, options);
}

std::string ReasonOf(const PlacementResult& r, const model::Task* t) {
  auto it = r.pending_reasons.find(t->task_id);
  return it == r.pending_reasons.end() ? "<placed>" : it->second;
}

std::string HostOf(const PlacementResult& r, const model::Task* t) {
  for (const Assignment& a : r.assignments) {
    if (a.task_id == t->task_id) return a.agent_id.str();
  }
  return "<pending>";
}

TEST(PlaceTest, PlacesOnAFittingHost) {
  Cluster c;
  c.AddAgent("a1", 4000, 8192);
  const model::Task* t = c.Pending(c.Job("web"), 0);
  const PlacementResult r = PlaceAll(c, {t});
  ASSERT_EQ(r.assignments.size(), 1u);
  EXPECT_EQ(r.assignments[0], (Assignment{t->task_id, "a1", "a1.example", {}}));
  EXPECT_THAT(r.pending_reasons, IsEmpty());
}

TEST(PlaceTest, EachResourceVetoIsNamed) {
  struct Case {
    std::string what;
    model::Resources need;
  };
  for (const Case& k : {Case{"cpu", {5000, 1, 1, 0, {}}}, Case{"ram", {1, 9000, 1, 0, {}}},
                        Case{"disk", {1, 1, 200'000, 0, {}}}, Case{"gpu", {1, 1, 1, 1, {}}},
                        Case{"cpu, ram", {5000, 9000, 1, 0, {}}}}) {
    Cluster c;
    c.AddAgent("a1", 4000, 8192);
    auto job = c.Job("web");
    job->resources = k.need;
    const model::Task* t = c.Pending(job, 0);
    EXPECT_EQ(ReasonOf(PlaceAll(c, {t}), t), "1 host: insufficient " + k.what);
  }
}

TEST(PlaceTest, ExecutorOverheadCounts) {
  Cluster c;
  c.AddAgent("a1", 1250, 8192);
  const model::Task* t = c.Pending(c.Job("web", 1000, 1024), 0);
  PlacementOptions options;
  options.executor_overhead.milli_cpus = 250;
  options.executor_overhead.ram_mb = 128;
  EXPECT_EQ(ReasonOf(PlaceAll(c, {t}, options), t), "<placed>");
  options.executor_overhead.milli_cpus = 251;
  EXPECT_EQ(ReasonOf(PlaceAll(c, {t}, options), t), "1 host: insufficient cpu");
}

TEST(PlaceTest, UsageInViewAndEarlierPlacementsConsumeResources) {
  Cluster c;
  c.AddAgent("a1", 4000, 8192);
  c.Host("a1").used.milli_cpus = 1500;
  auto job = c.Job("web", 1000, 1024);
  std::vector<const model::Task*> pending;
  for (int i = 0; i < 4; ++i) pending.push_back(c.Pending(job, i));
  const PlacementResult r = PlaceAll(c, pending);
  EXPECT_EQ(r.assignments.size(), 2u);  // 2500 free milli-cpus
  EXPECT_EQ(ReasonOf(r, pending[2]), "1 host: insufficient cpu");
  EXPECT_EQ(ReasonOf(r, pending[3]), "1 host: insufficient cpu");
}

TEST(PlaceTest, ReasonsCountHostsPerVetoMostFirst) {
  Cluster c;
  for (int i = 0; i < 3; ++i) {
    c.AddAgent("small" + std::to_string(i), 8000, 512, {{"rack", {"r1"}}});
  }
  for (int i = 0; i < 2; ++i) {
    c.AddAgent("other" + std::to_string(i), 8000, 8192, {{"rack", {"r2"}}});
  }
  model::AgentInfo& full = c.AddAgent("full", 8000, 8192, {{"rack", {"r1"}}});
  full.port_ranges = {{31000, 31000}};
  c.Host("full").used_ports = {31000};
  auto job = c.Job("web", 1000, 1024, {Value("rack", {"r1"})});
  job->resources.named_ports = {"http"};
  const model::Task* t = c.Pending(job, 0);
  EXPECT_EQ(ReasonOf(PlaceAll(c, {t}), t),
            "3 hosts: insufficient ram; 2 hosts: constraint rack; 1 host: insufficient ports");
  Cluster empty;
  const model::Task* lonely = empty.Pending(empty.Job("web"), 0);
  EXPECT_EQ(ReasonOf(PlaceAll(empty, {lonely}), lonely), "no hosts");
}

TEST(PlaceTest, UnschedulableHostsAreSkipped) {
  Cluster c;
  c.AddAgent("a1", 4000, 8192);
  c.Host("a1").schedulable = false;
  const model::Task* t = c.Pending(c.Job("web"), 0);
  EXPECT_EQ(ReasonOf(PlaceAll(c, {t}), t), "1 host: unschedulable");
}

TEST(PlaceTest, HostsToAvoidAreUsedOnlyWhenNothingElseFits) {
  // a1 is scheduled for maintenance: the emptier host loses to a2, and a1 takes only
  // what a2 cannot hold.
  for (PlacementStrategy strategy : {PlacementStrategy::kSpread, PlacementStrategy::kFirstFit}) {
    Cluster c;
    c.AddAgent("a1", 8000, 8192);
    c.AddAgent("a2", 2000, 8192);
    c.Host("a1").avoid = true;
    auto job = c.Job("web", 1000, 1024);
    const model::Task* t0 = c.Pending(job, 0);
    const model::Task* t1 = c.Pending(job, 1);
    const model::Task* t2 = c.Pending(job, 2);
    PlacementOptions options;
    options.strategy = strategy;
    const PlacementResult r = PlaceAll(c, {t0, t1, t2}, options);
    EXPECT_EQ(HostOf(r, t0), "a2");
    EXPECT_EQ(HostOf(r, t1), "a2");
    EXPECT_EQ(HostOf(r, t2), "a1") << "a2 is full";
  }
}

TEST(PlaceTest, ValueConstraintsAgainstAttributes) {
  using Attributes = std::map<std::string, std::vector<std::string>>;
  const std::map<std::string, Attributes> agents = {
      {"a1", {{"rack", {"r1"}}, {"zone", {"z1", "z2"}}}},
      {"a2", {{"rack", {"r2"}}}},
      {"a3", {}},  // no attributes but the implicit host
  };
  struct Case {
    model::Constraint constraint;
    std::set<std::string> accepted;
  };
  for (const Case& k : {Case{Value("rack", {"r1"}), {"a1"}},
                        Case{Value("rack", {"r1", "r2"}), {"a1", "a2"}},
                        Case{Value("rack", {"r1"}, true), {"a2", "a3"}},
                        Case{Value("zone", {"z2"}), {"a1"}},
                        Case{Value("zone", {"z9"}, true), {"a1", "a2", "a3"}},
                        Case{Value("host", {"a3.example"}), {"a3"}},
                        Case{Value("host", {"a2.example"}, true), {"a1", "a3"}}}) {
    for (const auto& [id, attributes] : agents) {
      SCOPED_TRACE(k.constraint.name + " on " + id);
      Cluster one;
      one.AddAgent(id, 4000, 8192, attributes);
      const model::Task* t = one.Pending(one.Job("web", 1000, 1024, {k.constraint}), 0);
      const std::string reason = ReasonOf(PlaceAll(one, {t}), t);
      if (k.accepted.contains(id)) {
        EXPECT_EQ(reason, "<placed>");
      } else {
        EXPECT_EQ(reason, "1 host: constraint " + k.constraint.name);
      }
    }
  }
}

TEST(PlaceTest, ExplicitHostAttributeWins) {
  Cluster c;
  c.AddAgent("a1", 4000, 8192, {{"host", {"alias"}}});
  const model::Task* t = c.Pending(c.Job("web", 1000, 1024, {Value("host", {"alias"})}), 0);
  EXPECT_EQ(ReasonOf(PlaceAll(c, {t}), t), "<placed>");
}

TEST(PlaceTest, LimitOnePerHostAcrossInstances) {
  Cluster c;
  c.AddAgent("a1", 16000, 65536);
  c.AddAgent("a2", 16000, 65536);
  auto job = c.Job("web", 1000, 1024, {Limit("host", 1)});
  std::vector<const model::Task*> pending;
  for (int i = 0; i < 3; ++i) pending.push_back(c.Pending(job, i));
  const PlacementResult r = PlaceAll(c, pending);
  ASSERT_EQ(r.assignments.size(), 2u);
  EXPECT_NE(r.assignments[0].agent_id, r.assignments[1].agent_id);
  EXPECT_EQ(ReasonOf(r, pending[2]), "2 hosts: limit host");
  // Another job is not limited by this one's tasks.
  const model::Task* other = c.Pending(c.Job("db", 1000, 1024, {Limit("host", 1)}), 0);
  EXPECT_EQ(ReasonOf(PlaceAll(c, {pending[0], pending[1], other}), other), "<placed>");
}

TEST(PlaceTest, LimitCountsActiveTasksAlreadyPlaced) {
  Cluster c;
  c.AddAgent("a1", 16000, 65536, {{"rack", {"r1"}}});
  c.AddAgent("a2", 16000, 65536, {{"rack", {"r1"}}});
  c.AddAgent("a3", 16000, 65536, {{"rack", {"r2"}}});
  c.AddAgent("a4", 16000, 65536);  // lacks the attribute: a limit on it fails
  auto job = c.Job("web", 1000, 1024, {Limit("rack", 2)});
  c.Running(job, "a1");
  c.Running(job, "a2", S::kStarting);
  c.Running(job, "a3", S::kFinished);  // terminal: does not count
  const model::Task* t1 = c.Pending(job, 5);
  const model::Task* t2 = c.Pending(job, 6);
  const model::Task* t3 = c.Pending(job, 7);
  const PlacementResult r = PlaceAll(c, {t1, t2, t3});
  EXPECT_EQ(HostOf(r, t1), "a3");
  EXPECT_EQ(HostOf(r, t2), "a3");
  EXPECT_EQ(ReasonOf(r, t3), "3 hosts: limit rack; 1 host: constraint rack");
}

TEST(PlaceTest, DedicatedBothWays) {
  Cluster c;
  c.AddAgent("plain", 4000, 8192);
  c.AddAgent("ded", 4000, 8192, {{"dedicated", {"role/db"}}});
  const model::Task* normal = c.Pending(c.Job("web"), 0);
  const model::Task* dedicated =
      c.Pending(c.Job("db", 1000, 1024, {Value("dedicated", {"role/db"})}), 0);
  const model::Task* wrong =
      c.Pending(c.Job("db2", 1000, 1024, {Value("dedicated", {"role/other"})}), 0);
  // Alone on the cluster, each goes where it may.
  EXPECT_EQ(HostOf(PlaceAll(c, {normal}), normal), "plain");
  EXPECT_EQ(HostOf(PlaceAll(c, {dedicated}), dedicated), "ded");
  EXPECT_EQ(ReasonOf(PlaceAll(c, {wrong}), wrong), "2 hosts: constraint dedicated");
}

TEST(PlaceTest, DedicatedHostRefusesOthers) {
  Cluster c;
  c.AddAgent("ded", 4000, 8192, {{"dedicated", {"role/db"}}});
  const model::Task* normal = c.Pending(c.Job("web"), 0);
  EXPECT_EQ(ReasonOf(PlaceAll(c, {normal}), normal), "1 host: host is dedicated");
}

TEST(PlaceTest, PortsAreFreeInRangeAndDistinct) {
  Cluster c;
  model::AgentInfo& a = c.AddAgent("a1", 64000, 65536);
  a.port_ranges = {{1000, 1004}, {2000, 2001}, {1003, 1005}};  // overlapping on purpose
  c.Host("a1").used_ports = {1000, 1002, 2001};
  auto job = c.Job("web", 100, 100);
  job->resources.named_ports = {"admin", "http"};
  std::vector<const model::Task*> pending;
  for (int i = 0; i < 3; ++i) pending.push_back(c.Pending(job, i));
  const PlacementResult r = PlaceAll(c, pending);
  // Free: 1001, 1003, 1004, 1005, 2000 -> two tasks of two ports; the third is short.
  ASSERT_EQ(r.assignments.size(), 2u);
  EXPECT_EQ(ReasonOf(r, pending[2]), "1 host: insufficient ports");
  std::set<int32_t> seen;
  for (const Assignment& asg : r.assignments) {
    ASSERT_EQ(asg.ports.size(), 2u);
    EXPECT_TRUE(asg.ports.contains("http"));
    EXPECT_TRUE(asg.ports.contains("admin"));
    for (const auto& [name, port] : asg.ports) {
      EXPECT_TRUE(seen.insert(port).second) << port << " given twice";
      EXPECT_TRUE((port >= 1000 && port <= 1005) || port == 2000) << port;
      EXPECT_FALSE(c.Host("a1").used_ports.contains(port)) << port;
    }
  }
}

TEST(PlaceTest, PortsCoverTheWholeRangeOverSeeds) {
  Cluster c;
  model::AgentInfo& a = c.AddAgent("a1", 64000, 65536);
  a.port_ranges = {{5000, 5009}};
  c.Host("a1").used_ports = {5000, 5009};
  auto job = c.Job("web", 100, 100);
  job->resources.named_ports = {"http"};
  const model::Task* t = c.Pending(job, 0);
  std::set<int32_t> chosen;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    PlacementOptions o;
    o.seed = seed;
    const PlacementResult r = PlaceAll(c, {t}, o);
    ASSERT_EQ(r.assignments.size(), 1u);
    chosen.insert(r.assignments[0].ports.at("http"));
  }
  EXPECT_EQ(chosen, (std::set<int32_t>{5001, 5002, 5003, 5004, 5005, 5006, 5007, 5008}));
}

TEST(PlaceTest, SpreadPrefersFewestTasksOfJobThenFreeCpuThenId) {
  Cluster c;
  c.AddAgent("a1", 8000, 65536);
  c.AddAgent("a2", 8000, 65536);
  c.AddAgent("a3", 16000, 65536);
  auto job = c.Job("web", 1000, 1024);
  c.Running(job, "a3");
  c.Host("a3").used.milli_cpus = 1000;
  std::vector<const model::Task*> pending;
  for (int i = 0; i < 4; ++i) pending.push_back(c.Pending(job, i));
  const PlacementResult r = PlaceAll(c, pending);
  // a1 and a2 have none of the job: tie on free cpu, a1 by id; then a2; then all have one:
  // a3 has most free cpu (15000); then a1/a2 tie with 7000 and a1 wins by id.
  EXPECT_EQ(HostOf(r, pending[0]), "a1");
  EXPECT_EQ(HostOf(r, pending[1]), "a2");
  EXPECT_EQ(HostOf(r, pending[2]), "a3");
  EXPECT_EQ(HostOf(r, pending[3]), "a1");
}

TEST(PlaceTest, FirstFitFillsHostsInOrder) {
  Cluster c;
  c.AddAgent("a2", 2000, 65536);
  c.AddAgent("a1", 2000, 65536);  // out of order on purpose: ids decide
  auto job = c.Job("web", 1000, 1024);
  std::vector<const model::Task*> pending;
  for (int i = 0; i < 3; ++i) pending.push_back(c.Pending(job, i));
  PlacementOptions o;
  o.strategy = PlacementStrategy::kFirstFit;
  const PlacementResult r = PlaceAll(c, pending, o);
  EXPECT_EQ(HostOf(r, pending[0]), "a1");
  EXPECT_EQ(HostOf(r, pending[1]), "a1");
  EXPECT_EQ(HostOf(r, pending[2]), "a2");
}

TEST(PlaceTest, SameInputAndSeedGiveSameResult) {
  Cluster c;
  for (int i = 0; i < 5; ++i) c.AddAgent("a" + std::to_string(i), 4000, 8192);
  auto job = c.Job("web", 500, 512);
  job->resources.named_ports = {"a", "b", "c"};
  std::vector<const model::Task*> pending;
  for (int i = 0; i < 12; ++i) pending.push_back(c.Pending(job, i));
  PlacementOptions o;
  o.seed = 99;
  const PlacementResult first = PlaceAll(c, pending, o);
  const PlacementResult second = PlaceAll(c, pending, o);
  EXPECT_EQ(first.assignments, second.assignments);
  EXPECT_EQ(first.pending_reasons, second.pending_reasons);
  o.seed = 100;
  EXPECT_NE(PlaceAll(c, pending, o).assignments, first.assignments);  // other ports
}

// ---- Property test over random small clusters ---------------------------------------

// The test's own statement of what a placement must respect.
bool ConstraintHolds(const model::Constraint& c, const model::AgentInfo& agent) {
  std::set<std::string> have;
  bool present = agent.attributes.contains(c.name);
  if (present) {
    const auto& v = agent.attributes.at(c.name);
    have.insert(v.begin(), v.end());
  } else if (c.name == "host") {
    present = true;
    have.insert(agent.host);
  }
  bool any = false;
  for (const std::string& v : c.values) any = any || have.contains(v);
  return c.negated ? !any : any;
}

struct RandomCase {
  Cluster cluster;
  std::vector<const model::Task*> pending;
};

void BuildRandom(uint64_t seed, RandomCase& out, int max_hosts = 6, int max_tasks = 6) {
  base::Rng rng(seed);
  Cluster& c = out.cluster;
  const int hosts = 1 + static_cast<int>(rng.Uniform(static_cast<uint64_t>(max_hosts)));
  for (int i = 0; i < hosts; ++i) {
    std::map<std::string, std::vector<std::string>> attrs;
    if (rng.Uniform(4) != 0) attrs["rack"] = {"r" + std::to_string(rng.Uniform(3))};
    if (rng.Uniform(6) == 0) attrs["dedicated"] = {"role/db"};
    model::AgentInfo& a = c.AddAgent("agent-" + std::to_string(i),
                                     1000 * static_cast<int64_t>(1 + rng.Uniform(8)),
                                     1024 * static_cast<int64_t>(1 + rng.Uniform(8)), attrs);
    a.resources.gpus = static_cast<int64_t>(rng.Uniform(2));
    const int32_t base = 30000 + 100 * i;
    a.port_ranges = {{base, base + static_cast<int32_t>(rng.Uniform(6))}};
    HostView& h = c.Host(a.agent_id);
    h.schedulable = rng.Uniform(8) != 0;
    h.used.milli_cpus = static_cast<int64_t>(rng.Uniform(1000));
    h.used.ram_mb = static_cast<int64_t>(rng.Uniform(1024));
    if (rng.Uniform(2) == 0) h.used_ports.insert(base + static_cast<int32_t>(rng.Uniform(3)));
  }
  const int jobs = 1 + static_cast<int>(rng.Uniform(3));
  for (int j = 0; j < jobs; ++j) {
    std::vector<model::Constraint> constraints;
    if (rng.Uniform(3) == 0) constraints.push_back(Limit("host", 1 + rng.Uniform(2)));
    if (rng.Uniform(3) == 0) {
      constraints.push_back(Value("rack", {"r" + std::to_string(rng.Uniform(3))},
                                  rng.Uniform(2) == 0));
    }
    if (rng.Uniform(5) == 0) constraints.push_back(Value("dedicated", {"role/db"}));
    if (rng.Uniform(4) == 0 && constraints.size() < 2) constraints.push_back(Limit("rack", 2));
    std::sort(constraints.begin(), constraints.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    auto job = c.Job("job" + std::to_string(j), 250 * static_cast<int64_t>(1 + rng.Uniform(8)),
                     256 * static_cast<int64_t>(1 + rng.Uniform(8)), constraints);
    job->resources.gpus = rng.Uniform(5) == 0 ? 1 : 0;
    for (uint64_t p = rng.Uniform(3); p > 0; --p) {
      job->resources.named_ports.push_back("p" + std::to_string(p));
    }
    std::sort(job->resources.named_ports.begin(), job->resources.named_ports.end());
    for (uint64_t k = rng.Uniform(2); k > 0; --k) {
      c.Running(job, "agent-" + std::to_string(rng.Uniform(hosts)));
    }
    const int tasks = 1 + static_cast<int>(rng.Uniform(static_cast<uint64_t>(max_tasks)));
    for (int i = 0; i < tasks; ++i) out.pending.push_back(c.Pending(job, i));
  }
}

TEST(PlacePropertyTest, NoOvercommitAndConstraintsHoldOver200Seeds) {
  int placed_total = 0;
  int pending_total = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    RandomCase rc;
    BuildRandom(seed, rc);
    const ClusterView view = rc.cluster.View();
    PlacementOptions options;
    options.seed = seed;
    options.executor_overhead.milli_cpus = 50;
    options.executor_overhead.ram_mb = 32;
    const PlacementResult r = Place(view, rc.pending, options);
    EXPECT_EQ(Place(view, rc.pending, options).assignments, r.assignments);

    std::map<model::AgentId, const HostView*> hosts;
    for (const HostView& h : view.hosts) hosts[h.agent->agent_id] = &h;
    std::map<model::TaskId, const model::Task*> by_id;
    for (const model::Task* t : rc.pending) by_id[t->task_id] = t;
    // Limit counts replayed in placement order, starting from the placed tasks.
    std::map<std::tuple<std::string, std::string, std::string>, int> counts;
    auto count_task = [&](const model::Task& t, const model::AgentInfo& agent) {
      std::map<std::string, std::vector<std::string>> attrs = agent.attributes;
      if (!attrs.contains("host")) attrs["host"] = {agent.host};
      for (const auto& [name, values] : attrs) {
        for (const auto& v : values) ++counts[{t.job().name, name, v}];
      }
    };
    for (const model::Task* t : view.placed_tasks) {
      count_task(*t, *hosts.at(t->agent_id)->agent);
    }
    std::map<model::AgentId, model::Resources> used;
    std::map<model::AgentId, model::PortSet> ports;
    for (const auto& [id, h] : hosts) {
      used[id] = h->used;
      ports[id] = h->used_ports;
    }
    std::set<model::TaskId> assigned;
    for (const Assignment& a : r.assignments) {
      ASSERT_TRUE(by_id.contains(a.task_id));
      EXPECT_TRUE(assigned.insert(a.task_id).second);
      EXPECT_FALSE(r.pending_reasons.contains(a.task_id));
      const model::Task& t = *by_id.at(a.task_id);
      const HostView& h = *hosts.at(a.agent_id);
      const model::AgentInfo& agent = *h.agent;
      EXPECT_EQ(a.host, agent.host);
      EXPECT_TRUE(h.schedulable);
      bool task_dedicated = false;
      for (const model::Constraint& con : t.config->constraints) {
        task_dedicated = task_dedicated || con.name == "dedicated";
        if (!con.is_limit) {
          EXPECT_TRUE(ConstraintHolds(con, agent)) << con.name;
          continue;
        }
        std::vector<std::string> values;
        if (con.name == "host") values = {agent.host};
        if (agent.attributes.contains(con.name)) values = agent.attributes.at(con.name);
        EXPECT_FALSE(values.empty()) << "limit on missing attribute " << con.name;
        for (const auto& v : values) {
          EXPECT_LT((counts[{t.job().name, con.name, v}]), con.limit) << con.name << "=" << v;
        }
      }
      EXPECT_TRUE(task_dedicated || !agent.attributes.contains("dedicated"));
      count_task(t, agent);
      model::Resources& u = used[a.agent_id];
      u.milli_cpus += t.config->resources.milli_cpus + 50;
      u.ram_mb += t.config->resources.ram_mb + 32;
      u.disk_mb += t.config->resources.disk_mb;
      u.gpus += t.config->resources.gpus;
      EXPECT_LE(u.milli_cpus, agent.resources.milli_cpus);
      EXPECT_LE(u.ram_mb, agent.resources.ram_mb);
      EXPECT_LE(u.disk_mb, agent.resources.disk_mb);
      EXPECT_LE(u.gpus, agent.resources.gpus);
      EXPECT_EQ(a.ports.size(), t.config->resources.named_ports.size());
      for (const auto& [name, port] : a.ports) {
        bool in_range = false;
        for (const model::PortRange& pr : agent.port_ranges) {
          in_range = in_range || (port >= pr.begin && port <= pr.end);
        }
        EXPECT_TRUE(in_range) << port;
        EXPECT_TRUE(ports[a.agent_id].insert(port).second) << "port reused: " << port;
      }
    }
    for (const model::Task* t : rc.pending) {
      EXPECT_NE(assigned.contains(t->task_id), r.pending_reasons.contains(t->task_id));
    }
    placed_total += static_cast<int>(r.assignments.size());
    pending_total += static_cast<int>(r.pending_reasons.size());
  }
  // The generator must exercise both outcomes.
  EXPECT_GT(placed_total, 100);
  EXPECT_GT(pending_total, 100);
}

// Place and PlaceByFullScan on `view`, both strategies: the same assignments and reasons.
// Adds what was placed and what stayed pending to the totals.
void ExpectSameAsFullScan(const ClusterView& view, const std::vector<const model::Task*>& pending,
                          uint64_t seed, int* placed_total, int* pending_total) {
  for (PlacementStrategy strategy : {PlacementStrategy::kSpread, PlacementStrategy::kFirstFit}) {
    PlacementOptions options;
    options.seed = seed;
    options.strategy = strategy;
    options.executor_overhead.milli_cpus = 50;
    const PlacementResult fast = Place(view, pending, options);
    const PlacementResult full = PlaceByFullScan(view, pending, options);
    EXPECT_EQ(fast.assignments, full.assignments);
    EXPECT_EQ(fast.pending_reasons, full.pending_reasons);
    *placed_total += static_cast<int>(fast.assignments.size());
    *pending_total += static_cast<int>(fast.pending_reasons.size());
  }
}

// Place works on runs of tasks sharing a config and re-checks only the hosts a placement
// changed; it must decide exactly as checking every host for every task does.
TEST(PlacePropertyTest, SameDecisionsAsTheFullScanOver500Seeds) {
  int placed_total = 0;
  int pending_total = 0;
  for (uint64_t seed = 0; seed < 500; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    RandomCase rc;
    BuildRandom(seed, rc);
    ExpectSameAsFullScan(rc.cluster.View(), rc.pending, seed, &placed_total, &pending_total);
  }
  EXPECT_GT(placed_total, 500);
}

// The same on larger clusters, where Place evaluates hosts lazily (most free cpu first) and
// usually stops long before the last host; the hosts' ports come by reference.
TEST(PlacePropertyTest, SameDecisionsAsTheFullScanOnLargerClusters) {
  int placed_total = 0;
  int pending_total = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    RandomCase rc;
    BuildRandom(1000 + seed, rc, /*max_hosts=*/60, /*max_tasks=*/40);
    ClusterView view = rc.cluster.View();
    std::vector<model::PortSet> ports;  // owned here, referenced by the view
    ports.reserve(view.hosts.size());
    for (HostView& h : view.hosts) {
      ports.push_back(h.used_ports);
      h.used_ports.clear();
      h.used_ports_ref = &ports.back();
    }
    ExpectSameAsFullScan(view, rc.pending, seed, &placed_total, &pending_total);
  }
  EXPECT_GT(placed_total, 2000);
  EXPECT_GT(pending_total, 100);
}

// ---- HostTable ----------------------------------------------------------------------

// A table kept across passes, told only which hosts changed, decides as a view built afresh
// for every pass: three passes over a random cluster, each after applying the previous
// pass's assignments (and freeing some usage elsewhere) to the hosts.
TEST(HostTableTest, KeptAcrossPassesDecidesLikeAFreshView) {
  int placed_total = 0;
  int reasons_total = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    RandomCase rc;
    BuildRandom(3000 + seed, rc, /*max_hosts=*/40, /*max_tasks=*/30);
    ClusterView view = rc.cluster.View();
    std::deque<model::PortSet> ports;  // the hosts' ports, referenced by view and table
    std::map<model::AgentId, size_t> index;
    for (size_t i = 0; i < view.hosts.size(); ++i) {
      HostView& h = view.hosts[i];
      ports.push_back(h.used_ports);
      h.used_ports.clear();
      h.used_ports_ref = &ports.back();
      index[h.agent->agent_id] = i;
    }
    std::map<model::TaskId, const model::Task*> by_id;
    for (const model::Task* t : rc.pending) by_id[t->task_id] = t;
    std::deque<model::Task> placed;  // copies of the tasks placed, now running
    HostTable table;
    table.Reset(view);
    base::Rng rng(seed);
    const size_t per_pass = rc.pending.size() / 3 + 1;
    for (size_t begin = 0; begin < rc.pending.size(); begin += per_pass) {
      const std::vector<const model::Task*> batch(
          rc.pending.begin() + static_cast<std::ptrdiff_t>(begin),
          rc.pending.begin() + static_cast<std::ptrdiff_t>(std::min(rc.pending.size(), begin + per_pass)));
      PlacementOptions o;
      o.seed = seed * 7 + begin;
      o.strategy = rng.Uniform(3) == 0 ? PlacementStrategy::kFirstFit : PlacementStrategy::kSpread;
      o.executor_overhead.milli_cpus = 50;
      const PlacementResult fresh = Place(view, batch, o);
      const PlacementResult kept = Place(table, view.placed_tasks, batch, o);
      ASSERT_EQ(kept.assignments, fresh.assignments);
      ASSERT_EQ(kept.pending_reasons, fresh.pending_reasons);
      placed_total += static_cast<int>(fresh.assignments.size());
      reasons_total += static_cast<int>(fresh.pending_reasons.size());
      // Apply the assignments as the scheduler's state would, then tell the table.
      std::set<model::AgentId> changed;
      for (const Assignment& a : fresh.assignments) {
        const model::Task& t = *by_id.at(a.task_id);
        const size_t i = index.at(a.agent_id);
        const model::Resources need = TaskNeed(*t.config, o.executor_overhead);
        HostView& h = view.hosts[i];
        h.used.milli_cpus += need.milli_cpus;
        h.used.ram_mb += need.ram_mb;
        h.used.disk_mb += need.disk_mb;
        h.used.gpus += need.gpus;
        for (const auto& [name, port] : a.ports) ports[i].insert(port);
        model::Task& running = placed.emplace_back(t);
        running.status = model::ScheduleStatus::kRunning;
        running.agent_id = model::AgentId(a.agent_id);
        view.placed_tasks.push_back(&running);
        changed.insert(a.agent_id);
      }
      // Something finished on a random host: its cpu and one port are free again.
      HostView& freed = view.hosts[rng.Uniform(view.hosts.size())];
      freed.used.milli_cpus -= std::min<int64_t>(freed.used.milli_cpus, 300);
      const size_t fi = index.at(freed.agent->agent_id);
      if (!ports[fi].empty()) ports[fi].erase(*ports[fi].begin());
      changed.insert(freed.agent->agent_id);
      for (const model::AgentId& id : changed) {
        const size_t i = index.at(id);
        ASSERT_TRUE(table.Update(id, view.hosts[i].used, &ports[i]));
      }
    }
    EXPECT_FALSE(table.Update("no-such-agent", {}, nullptr));
    EXPECT_EQ(table.size(), view.hosts.size());
  }
  EXPECT_GT(placed_total, 1000);
  EXPECT_GT(reasons_total, 100);
}

// ---- CheckFitsSomeHost --------------------------------------------------------------

model::AgentInfo AgentWith(int64_t milli_cpus, int64_t ram_mb, int64_t disk_mb, int64_t gpus,
                           std::vector<model::PortRange> ranges) {
  model::AgentInfo a;
  a.agent_id = "a";
  a.host = "h";
  a.resources = {milli_cpus, ram_mb, disk_mb, gpus, {}};
  a.port_ranges = std::move(ranges);
  return a;
}

TEST(CheckFitsSomeHostTest, MessagesNameTheResourceAndLargestAgent) {
  const std::vector<model::AgentInfo> agents = {AgentWith(4000, 8192, 10000, 0, {{1, 2}}),
                                                AgentWith(8000, 4096, 20000, 1, {{1, 5}})};
  model::TaskConfig config;
  config.resources = {1000, 64000, 100, 0, {}};
  EXPECT_THAT(CheckFitsSomeHost(config, agents, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "no agent could ever run this task: needs 64000 MiB ram, the largest "
                       "agent has 8192 MiB"));
  config.resources = {8500, 1000, 100, 2, {"a", "b", "c", "d", "e", "f"}};
  EXPECT_THAT(CheckFitsSomeHost(config, agents, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "no agent could ever run this task: needs 8.5 cpus, the largest agent "
                       "has 8 cpus; needs 2 gpus, the largest agent has 1; needs 6 ports, the "
                       "largest agent has 5"));
  config.resources = {1000, 1000, 15000, 0, {}};
  model::Resources overhead;
  overhead.disk_mb = 5001;
  EXPECT_THAT(CheckFitsSomeHost(config, agents, overhead),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs 20001 MiB disk")));
  // Each resource exists somewhere, but not together.
  config.resources = {6000, 6000, 100, 0, {}};
  EXPECT_THAT(CheckFitsSomeHost(config, agents, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no single agent")));
}

TEST(CheckFitsSomeHostTest, FitsIgnoringConstraintsAndUsage) {
  const std::vector<model::AgentInfo> agents = {AgentWith(4000, 8192, 10000, 0, {{1, 2}})};
  model::TaskConfig config;
  config.resources = {4000, 8192, 10000, 0, {"a", "b"}};
  config.constraints = {Value("rack", {"nowhere"})};
  EXPECT_THAT(CheckFitsSomeHost(config, agents, {}), IsOk());
  EXPECT_THAT(CheckFitsSomeHost(config, {}, {}), IsOk());  // no agents yet
}

TEST(HostFilterTest, NormalizeRangesMergesAndDropsInvalid) {
  const auto merged = NormalizeRanges({{10, 12}, {5, 6}, {13, 15}, {7, 4}, {11, 11}, {20, 20}});
  EXPECT_EQ(merged, (std::vector<model::PortRange>{{5, 6}, {10, 15}, {20, 20}}));
  EXPECT_EQ(FreePortCount(merged, {5, 11, 99}), 7);  // 9 ports, 2 of them used
}

}  // namespace
}  // namespace borealis::core
