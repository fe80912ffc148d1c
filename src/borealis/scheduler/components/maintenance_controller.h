// MaintenanceController: host maintenance and SLA-aware drains (docs/maintenance.md).
//
// A host's mode (NONE, SCHEDULED, DRAINING, DRAINED) and the request draining it live in
// the state (state/host_maintenance.h, in the log and the snapshot); placement reads the
// modes (SCHEDULED hosts are used only when no other host fits, DRAINING and DRAINED hosts
// take nothing). This component changes them: the API calls (Start, Drain, SlaDrain, End),
// and on Tick
//  - every DRAINING host with no task left on it becomes DRAINED (its request removed);
//  - every polling interval (and on the first tick after an SLA drain was asked or the
//    scheduler restarted, so a drain resumes), each task on a DRAINING host is decided by
//    core::DecideDrain: moved to DRAINING (killed, and a PENDING replacement placed
//    elsewhere by the task state machine), left for a later poll, or, under a
//    coordinator policy, asked about: the component queues a CoordinatorQuery, the daemon
//    performs the HTTP call off the core thread and hands the answer back
//    (OnCoordinatorAnswer). One question per coordinator URL is in flight at a time.
//
// State: the questions in flight (not durable: after a restart the next poll asks again)
// and the next poll's time. Thread contract: the owner's thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "borealis/core/maintenance.h"
#include "borealis/model/maintenance.h"
#include "borealis/model/sla_policy.h"
#include "borealis/scheduler/component.h"

namespace borealis::scheduler {

struct MaintenanceOptions {
  int64_t polling_interval_ms = 60'000;  // --host-maintenance-polling-interval-ms
  core::SlaOptions sla;
  std::string cluster_name = "devcluster";  // for the coordinator's task keys
};

struct HostModeStatus {
  std::string host;
  model::MaintenanceMode mode = model::MaintenanceMode::kNone;
  bool operator==(const HostModeStatus&) const = default;
};

// A question for an SLA coordinator: may `task` be drained now?
struct CoordinatorQuery {
  uint64_t id = 0;
  std::string url;
  std::string status_key;
  std::string task_key;   // cluster/role/env/name/instance
  int64_t countdown_ms = 0;  // until the drain is forced
  std::shared_ptr<const model::Task> task;
};

// The coordinator's answer: `allowed` when it answered 200 with body[status_key] true.
struct CoordinatorAnswer {
  uint64_t id = 0;
  bool reached = false;   // false: no HTTP answer (unreachable, timeout)
  bool ok = false;        // an HTTP 200 with a JSON object
  bool allowed = false;
  std::string error;      // why not, for the log
};

class MaintenanceController {
 public:
  explicit MaintenanceController(MaintenanceOptions options) : options_(std::move(options)) {}

  // startMaintenance: the hosts become SCHEDULED.
  absl::StatusOr<std::vector<HostModeStatus>> Start(const std::set<std::string>& hosts,
                                                    ComponentContext& ctx);
  // drainHosts: a forced drain (0 % policy, no timeout): every task on the hosts goes to
  // DRAINING now; hosts with none are DRAINED at once.
  absl::StatusOr<std::vector<HostModeStatus>> Drain(const std::set<std::string>& hosts,
                                                    int64_t now, ComponentContext& ctx);
  // slaDrainHosts: the hosts become DRAINING under `policy` (for tasks without their own)
  // and are forced after `timeout_secs`; the first poll runs on the next tick.
  absl::StatusOr<std::vector<HostModeStatus>> SlaDrain(const std::set<std::string>& hosts,
                                                       const model::SlaPolicy& policy,
                                                       int64_t timeout_secs, int64_t now,
                                                       ComponentContext& ctx);
  // endMaintenance: the hosts return to NONE and their requests are dropped.
  absl::StatusOr<std::vector<HostModeStatus>> End(const std::set<std::string>& hosts,
                                                  ComponentContext& ctx);
  // maintenanceStatus: each host's mode.
  absl::StatusOr<std::vector<HostModeStatus>> Status(const std::set<std::string>& hosts,
                                                     const ComponentContext& ctx) const;

  void Tick(int64_t now, ComponentContext& ctx);
  void OnCoordinatorAnswer(const CoordinatorAnswer& answer, ComponentContext& ctx);
  // The questions queued since the last call, for the daemon to ask.
  std::vector<CoordinatorQuery> TakeQueries() { return std::exchange(queries_, {}); }
  size_t in_flight() const { return in_flight_.size(); }

 private:
  absl::Status CheckHosts(const std::set<std::string>& hosts, const ComponentContext& ctx) const;
  std::vector<HostModeStatus> SetMode(const std::set<std::string>& hosts,
                                      model::MaintenanceMode mode, ComponentContext& ctx);
  // The agents of each of `hosts` (by host name).
  std::map<std::string, std::vector<model::AgentId>> AgentsOf(const std::set<std::string>& hosts,
                                                              const ComponentContext& ctx) const;
  // The ids of the tasks on `agents` (SLAVE_ASSIGNED states), in id order.
  std::vector<model::TaskId> TasksOn(const std::vector<model::AgentId>& agents,
                                     const ComponentContext& ctx) const;
  std::set<std::string> Draining(const ComponentContext& ctx) const;
  void DrainTask(const model::TaskId& id, const model::MaintenanceRequest& request,
                 int64_t now, ComponentContext& ctx);

  MaintenanceOptions options_;
  std::optional<int64_t> next_poll_ms_;  // unset: poll on the next tick
  uint64_t next_query_id_ = 1;
  struct InFlight {
    std::string url;
    model::TaskId task_id;
  };
  std::map<uint64_t, InFlight> in_flight_;  // by query id
  std::set<std::string> asking_;            // coordinator URLs with a question in flight
  std::vector<CoordinatorQuery> queries_;
};

}  // namespace borealis::scheduler
