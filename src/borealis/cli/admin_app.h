// RunAdminCli: `aurora_admin`, Aurora's admin command line with its exact verb spellings
// (docs/aurora-compatibility.md, "aurora_admin"). The `borealis` binary runs it when it is
// started under that name (apps/ installs the link beside `borealis` and `aurora`).
//
// Verbs that exist: set_quota, increase_quota, get_scheduler, get_cluster_config, query,
// reconcile_tasks, prune_tasks and help. Every other Aurora admin verb is accepted with any arguments and answers
// "aurora_admin VERB is not supported yet". As Aurora's admin client, every failure
// (bad arguments, an unknown verb, a refused or failed call) exits 1; --help exits 0.
// Global options as Aurora's: -v/--verbose, -q/--quiet and --bypass-leader-redirect
// (accepted; the scheduler serves every request, so there is nothing to bypass).
// Thread contract: call from one thread; the command blocks.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/status/status.h"
#include "borealis/cli/admin_commands.h"
#include "borealis/cli/context.h"
#include "borealis/cli/maintenance_commands.h"
#include "borealis/cli/quota_commands.h"
#include "borealis/cli/sla_commands.h"

namespace borealis::cli {

// What the admin verbs parse into.
struct AdminOptions {
  SetQuotaOptions quota;
  AdminQueryOptions query;
  AdminReconcileOptions reconcile;
  AdminPruneOptions prune;
  AdminForceStateOptions force;
  SlaDomainOptions sla;
  HostMaintenanceOptions hosts;
  std::string cluster;
  bool sh = false;
  bool export_vars = false;
  bool verbose = false;
  bool quiet = false;
  bool bypass_leader_redirect = false;
};

// Adds the admin verbs that exist to `app`: with Aurora's spellings (`aurora_admin`), or
// with `hyphens` as the `borealis admin` tree spells them (set-quota, reconcile-tasks,
// --batch-size, ...), which also has force-task-state. A parsed verb leaves its command in
// `action`.
void AddAdminVerbs(CLI::App& app, CliContext& ctx, AdminOptions& options,
                   std::function<absl::Status()>& action, bool hyphens);

// Aurora's admin verbs Borealis does not have yet, in Aurora's spelling, sorted.
const std::vector<std::string>& UnsupportedAdminVerbs();

int RunAdminCli(int argc, const char* const* argv, CliContext& ctx);

// True when argv[0] names the admin entry point ("aurora_admin", any directory).
bool IsAdminProgramName(std::string_view argv0);

}  // namespace borealis::cli
