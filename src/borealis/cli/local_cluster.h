// The `local` noun: a whole cluster on this machine, for trying Borealis and for tests.
//
// `local start` runs one borealis-scheduler and N borealis-agents from the directory of
// the running borealis binary, detached (own session, stdin /dev/null, logs in DIR), and
// records them in DIR/local.json:
//   {"cluster": NAME,
//    "scheduler": {"pid", "port", "binary", "start_ticks", "log", "data_dir"},
//    "agents": [{"pid", "host", "port", "work_dir", "binary", "start_ticks", "log"}]}
// plus DIR/clusters.json (Aurora format) and the same entry merged into
// ~/.borealis/clusters.json. Layout of DIR:
//   scheduler/  scheduler.port  scheduler.log  (the previous run's log: *.log.1)
//   agent-<i>/  agent-<i>.port  agent-<i>.log  (agent i: host 127.0.0.<i+2>, ports
//                                               31000+1000i .. +999, rack r<i+1>, zone z1)
// `local stop` signals only processes that local.json names and that are still the same
// processes (same start time, same binary), then stops every task the agents' executors
// still run (DIR/agent-*/sandboxes/*/status.json). `local status` reports.
//
// Thread contract: commands block on the caller's thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/cli/context.h"

namespace borealis::cli {

struct LocalStartOptions {
  int agents = 2;
  std::string dir;  // "" = ~/.borealis/local
  std::string cluster = "devcluster";
  int timeout_secs = 60;  // for the daemons to come up
};

absl::Status LocalStart(CliContext& ctx, const LocalStartOptions& options);
absl::Status LocalStop(CliContext& ctx, const std::string& dir);
absl::Status LocalStatus(CliContext& ctx, const std::string& dir);

// --- pieces ------------------------------------------------------------------------------

struct LocalDaemon {
  pid_t pid = 0;
  int port = 0;
  std::string host;      // agents
  std::string work_dir;  // agents: --work-dir; scheduler: --data-dir
  std::string binary;
  int64_t start_ticks = 0;
  std::string log;
};

struct LocalState {
  std::string cluster;
  LocalDaemon scheduler;
  std::vector<LocalDaemon> agents;
};

nlohmann::json LocalStateToJson(const LocalState& state);
absl::StatusOr<LocalState> ParseLocalState(const std::string& text, const std::string& source);

// True when `daemon.pid` is alive and is still the process that was started: same start
// time (when recorded) and argv[0] naming the same binary.
bool IsSameProcess(const LocalDaemon& daemon);

// "cpus:4;mem:8192;disk:20000;ports:[A-B]" with A = 31000 + 1000*index, B = A + 999.
std::string AgentResources(int index);
// "127.0.0.<index+2>".
std::string AgentHost(int index);

// The directory `dir` names, made absolute; "" means HOME/.borealis/local.
absl::StatusOr<std::string> ResolveLocalDir(const CliContext& ctx, const std::string& dir);

}  // namespace borealis::cli
