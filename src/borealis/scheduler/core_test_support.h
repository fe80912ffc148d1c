// What the SchedulerCore tests share (scheduler_core_test.cc, commit_test.cc, rules_test.cc,
// update_api_test.cc, admin_api_test.cc): a fake agent transport that records what the core
// sends, builders of jobs, quotas and agent registrations, and CoreTest, a fixture that owns
// a core over a memory store on a manual clock. Test-only; header-only so that only the test
// binary compiles it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "borealis/base/clock.h"
#include "borealis/model/job_configuration.h"
#include "borealis/model/resources.h"
#include "borealis/scheduler/scheduler_core.h"
#include "borealis/state/store.h"
#include "borealis/wire/convert.h"

namespace borealis::scheduler::test_support {

class FakeTransport : public AgentTransport {
 public:
  bool Send(const model::AgentId& agent_id, const OutgoingMessage& m) override {
    sent.emplace_back(agent_id.str(), ToAgentMessage(m));
    return connected.count(agent_id.str()) > 0;
  }
  std::vector<agentproto::LaunchTask> Launches() const {
    std::vector<agentproto::LaunchTask> out;
    for (const auto& [a, m] : sent) {
      if (m.__isset.launchTask) out.push_back(m.launchTask);
    }
    return out;
  }
  std::vector<std::string> Kills() const {
    std::vector<std::string> out;
    for (const auto& [a, m] : sent) {
      if (m.__isset.killTask) out.push_back(m.killTask.taskId);
    }
    return out;
  }
  std::vector<std::pair<std::string, agentproto::Reconcile>> Reconciles() const {
    std::vector<std::pair<std::string, agentproto::Reconcile>> out;
    for (const auto& [a, m] : sent) {
      if (m.__isset.reconcile) out.emplace_back(a, m.reconcile);
    }
    return out;
  }
  std::set<std::string> connected;  // Send answers false for the others
  std::vector<std::pair<std::string, agentproto::AgentMessage>> sent;
};

// A service (or batch) job of www-data/devel: 0.1 cpu, `ram_mb`, 32 MB disk, one "http" port.
inline api::JobConfiguration Job(const std::string& name, int instances, bool service = true,
                          int64_t ram_mb = 64) {
  model::JobConfiguration job;
  job.key = {"www-data", "devel", name};
  job.owner_user = "www-data";
  job.instance_count = instances;
  job.task.job = job.key;
  job.task.owner_user = "www-data";
  job.task.is_service = service;
  job.task.resources = {100, ram_mb, 32, 0, {"http"}};
  job.task.executor_data = "{}";
  return wire::ToThrift(job);
}

inline api::ResourceAggregate Quota(double cpus, int64_t ram_mb, int64_t disk_mb) {
  model::Resources r;
  r.milli_cpus = static_cast<int64_t>(cpus * 1000);
  r.ram_mb = ram_mb;
  r.disk_mb = disk_mb;
  return wire::ToResourceAggregate(r);
}

// Job() in the production tier "preferred".
inline api::JobConfiguration ProdJob(const std::string& name, int instances) {
  api::JobConfiguration job = Job(name, instances);
  job.taskConfig.__set_tier("preferred");
  return job;
}

// An agent with 4 cpus, `ram_mb`, 10 GB disk and ports 31000-31010, already running `tasks`.
inline agentproto::RegisterAgent Registration(const std::string& id, const std::string& host,
                                             int64_t ram_mb = 1024,
                                             std::vector<agentproto::AgentTask> tasks = {}) {
  agentproto::RegisterAgent r;
  r.agentId = id;
  r.host = host;
  r.resources.milliCpus = 4000;
  r.resources.ramMb = ram_mb;
  r.resources.diskMb = 10000;
  agentproto::PortRange pr;
  pr.first = 31000;
  pr.last = 31010;
  r.resources.ports = {pr};
  r.tasks = std::move(tasks);
  return r;
}

// A SchedulerCore over a memory store, on a manual clock, sending to a FakeTransport.
class CoreTest : public ::testing::Test {
 protected:
  // A new core (over the same store, so a second call is a restart) with `options_`.
  void StartCore(uint64_t seed) {
    core_ = std::make_unique<SchedulerCore>(options_, clock_, store_, transport_, seed);
    ASSERT_TRUE(core_->Recover().ok());
  }
  // A placement pass, then the commit of everything queued.
  void Commit() {
    core_->Schedule();
    ASSERT_TRUE(core_->Flush().ok());
  }
  // Agent `agent` reports `task_id` in `status` (a fresh uuid each time); not committed.
  void SendStatus(const std::string& agent, const std::string& task_id,
                  api::ScheduleStatus::type status, const std::string& message = "") {
    agentproto::StatusUpdate u;
    u.uuid = "u-" + std::to_string(++uuid_);
    u.taskId = task_id;
    u.status = status;
    u.message = message;
    core_->OnStatusUpdate(model::AgentId(agent), u);
  }

  SchedulerOptions options_;
  base::ManualClock clock_;
  state::MemoryStore store_;
  FakeTransport transport_;
  std::unique_ptr<SchedulerCore> core_;
  int uuid_ = 0;
};

}  // namespace borealis::scheduler::test_support
