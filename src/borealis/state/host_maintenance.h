// HostMaintenance: each host's maintenance mode and the requests draining hosts (Aurora's
// host attributes' mode and its host maintenance store; docs/maintenance.md). Changed only
// by the mutations below, which the log writes as Aurora's ops saveHostAttributes (10),
// saveHostMaintenanceRequest (19) and removeHostMaintenanceRequest (20).
//
// The modes are one immutable map shared with read views (a change copies it: one entry
// per host that was ever in maintenance).
//
// Thread contract: owned by ClusterState, on its owner's thread; modes() may be handed to
// readers on any thread, it never changes.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "borealis/model/maintenance.h"

namespace borealis::state {

// Sets a host's mode (NONE included: the host stays listed).
struct SaveHostMode {
  std::string host;
  model::MaintenanceMode mode = model::MaintenanceMode::kNone;
};
// Inserts or replaces the request of `request.host`.
struct SaveMaintenanceRequest {
  model::MaintenanceRequest request;
};
// Removes the request of `host`; an unknown host is ignored.
struct RemoveMaintenanceRequest {
  std::string host;
};

using HostModeMap = std::map<std::string, model::MaintenanceMode>;

class HostMaintenance {
 public:
  void Apply(const SaveHostMode& m) {
    auto it = modes_->find(m.host);
    if (it != modes_->end() && it->second == m.mode) return;
    auto next = std::make_shared<HostModeMap>(*modes_);
    (*next)[m.host] = m.mode;
    modes_ = std::move(next);
  }
  void Apply(const SaveMaintenanceRequest& m) { requests_[m.request.host] = m.request; }
  void Apply(const RemoveMaintenanceRequest& m) { requests_.erase(m.host); }

  model::MaintenanceMode ModeOf(const std::string& host) const {
    auto it = modes_->find(host);
    return it == modes_->end() ? model::MaintenanceMode::kNone : it->second;
  }
  const model::MaintenanceRequest* RequestOf(const std::string& host) const {
    auto it = requests_.find(host);
    return it == requests_.end() ? nullptr : &it->second;
  }
  // Every host with a recorded mode; never changes once handed out.
  const std::shared_ptr<const HostModeMap>& modes() const { return modes_; }
  const std::map<std::string, model::MaintenanceRequest>& requests() const { return requests_; }

 private:
  std::shared_ptr<const HostModeMap> modes_ = std::make_shared<const HostModeMap>();
  std::map<std::string, model::MaintenanceRequest> requests_;
};

}  // namespace borealis::state
