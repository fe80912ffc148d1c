// CliContext: what every command gets from main(): the clock, the output streams, where
// clusters.json lives, the running binary, and how to pause between polls. Commands
// return an absl::Status; the caller prints its message and picks the exit code.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "borealis/base/clock.h"
#include "borealis/cli/clusters.h"
#include "borealis/cli/scheduler_client.h"

namespace borealis::cli {

struct CliContext {
  base::Clock& clock;
  std::ostream& out;
  std::ostream& err;
  ClusterSearch clusters;
  std::string home;      // the user's home directory ("" if unknown)
  std::string self_exe;  // absolute path of the running borealis binary
  std::function<void(int64_t ms)> sleep_ms;  // pauses between polls
  bool verbose = false;  // --verbose: say how waits follow the scheduler (change_waiter.h)
};

// The scheduler client for the named cluster (clusters.json lookup, scheduler_uri).
absl::StatusOr<SchedulerClient> ClientFor(const CliContext& ctx, const std::string& cluster);

}  // namespace borealis::cli
