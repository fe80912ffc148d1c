// Host maintenance commands (docs/maintenance.md): `borealis admin host-maintenance-start |
// host-drain | sla-host-drain | host-activate | host-status` and aurora_admin's
// host_deactivate, host_drain, sla_host_drain, host_activate and host_status, with
// Aurora's flags and output: each host's mode as a log line "INFO <host> is in state:
// <MODE>" (the mode is the sixth whitespace-separated field), progress lines while a
// drain is waited for.
// Thread contract: commands run on the caller's thread and block.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/cli/context.h"

namespace CLI {
class App;
}

namespace borealis::cli {

struct HostMaintenanceOptions {
  std::string cluster;
  std::string hosts;     // --hosts=H1,H2
  std::string filename;  // --filename: one host per line
  // host_drain
  std::string grouping = "by_host";  // by_host | none
  int batch_size = 1;                // groups drained at a time
  std::string post_drain_script;     // run with each drained host as its argument
  std::string override_percentage;
  std::string override_duration;
  std::string override_reason;
  std::string unsafe_hosts_file;
  int64_t drain_wait_secs = 300;  // how long host_drain waits for DRAINED (Aurora: 5 min)
  // sla_host_drain
  std::string default_percentage = "95";
  std::string default_duration = "30m";
  std::string force_drain_timeout = "7d";
  bool wait = false;  // sla-host-drain: wait for DRAINED, printing progress
};

// startMaintenance (SCHEDULED).
absl::Status HostDeactivate(CliContext& ctx, const HostMaintenanceOptions& options);
// endMaintenance (NONE).
absl::Status HostActivate(CliContext& ctx, const HostMaintenanceOptions& options);
// startMaintenance, then per batch of groups drainHosts (a forced drain) and a wait for
// DRAINED, then the post-drain script per host.
absl::Status HostDrain(CliContext& ctx, const HostMaintenanceOptions& options);
// slaDrainHosts with the default policy and timeout.
absl::Status SlaHostDrain(CliContext& ctx, const HostMaintenanceOptions& options);
// maintenanceStatus, one line per host.
absl::Status HostStatus(CliContext& ctx, const HostMaintenanceOptions& options);

// Adds the five verbs to `parent`: Aurora's spellings (host_deactivate, host_activate,
// host_drain, sla_host_drain, host_status) or Borealis' (host-maintenance-start,
// host-activate, host-drain, sla-host-drain, host-status). The parsed verb leaves its
// command in `action`.
void AddHostMaintenanceVerbs(CLI::App& parent, CliContext& ctx, HostMaintenanceOptions& o,
                             std::function<absl::Status()>& action, bool aurora_spelling);

// --- pure pieces --------------------------------------------------------------------------

// The hosts of --hosts (comma list) or --filename (one per line, blank lines skipped;
// `file_text` is its content): exactly one must be given; an empty name or a host listed
// twice is InvalidArgument naming the option (and the line).
absl::StatusOr<std::vector<std::string>> ParseHostList(const std::string& hosts,
                                                       const std::string& filename,
                                                       const std::string& file_text);
// Aurora's time amounts: "30m", "7d", "1h30m", "45s" or plain seconds; `option` names the
// flag in the error.
absl::StatusOr<int64_t> ParseDurationSecs(const std::string& text, const std::string& option);
// A percentage in (0, 100], e.g. "95" or "99.5".
absl::StatusOr<double> ParsePercentage(const std::string& text, const std::string& option);
// The host groups of `grouping`: by_host (one host each) or none (all in one).
absl::StatusOr<std::vector<std::vector<std::string>>> GroupHosts(
    const std::vector<std::string>& hosts, const std::string& grouping);
// The line printed for a host's mode.
std::string HostStateLine(const std::string& host, const std::string& mode);

}  // namespace borealis::cli
