// The aurora_admin command tree (see admin_app.h). Each verb leaves its command in
// `action`, run only after parsing succeeds.
#include "borealis/cli/admin_app.h"

#include <functional>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "borealis/cli/admin_commands.h"
#include "borealis/cli/command_line.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/maintenance_commands.h"
#include "borealis/cli/quota_commands.h"

namespace borealis::cli {
namespace {

using Action = std::function<absl::Status()>;

// Aurora's admin client ends every failed command with status 1.
constexpr int kAdminExitFailure = 1;

int AdminExitCode(const absl::Status& status) {
  return status.ok() ? kExitOk : kAdminExitFailure;
}

struct AdminOptions {
  SetQuotaOptions quota;
  AdminQueryOptions query;
  HostMaintenanceOptions hosts;
  std::string cluster;
  bool sh = false;
  bool export_vars = false;
  bool verbose = false;
  bool quiet = false;
  bool bypass_leader_redirect = false;
};

void AddQuotaVerbs(CLI::App& app, CliContext& ctx, AdminOptions& o, Action& action) {
  struct Verb {
    const char* name;
    const char* help;
    absl::Status (*run)(CliContext&, const SetQuotaOptions&);
  };
  for (const Verb& v :
       {Verb{"set_quota", "Set a role's quota: cluster role cpu ram[MGT] disk[MGT]",
             &AdminSetQuota},
        Verb{"increase_quota", "Add to a role's quota: cluster role cpu ram[MGT] disk[MGT]",
             &AdminIncreaseQuota}}) {
    CLI::App* verb = app.add_subcommand(v.name, v.help);
    verb->add_option("cluster", o.quota.cluster, "Cluster name")->required();
    verb->add_option("role", o.quota.role, "Role")->required();
    verb->add_option("cpu", o.quota.cpus, "CPUs, e.g. 4 or 0.5")->required();
    verb->add_option("ram", o.quota.ram, "RAM, e.g. 8GB or 512MB (no unit: MB)")->required();
    verb->add_option("disk", o.quota.disk, "Disk, e.g. 50GB (no unit: MB)")->required();
    auto run = v.run;
    verb->callback([&, run] { action = [&, run] { return run(ctx, o.quota); }; });
  }
}

void AddClusterVerbs(CLI::App& app, CliContext& ctx, AdminOptions& o, Action& action) {
  CLI::App* sched = app.add_subcommand("get_scheduler", "Print the leading scheduler's URL");
  sched->add_option("cluster", o.cluster, "Cluster name")->required();
  sched->callback([&] { action = [&] { return AdminGetScheduler(ctx, o.cluster); }; });

  CLI::App* config = app.add_subcommand("get_cluster_config",
                                        "Print the cluster's clusters.json entry");
  config->add_option("cluster", o.cluster, "Cluster name")->required();
  config->add_flag("--sh", o.sh, "Print shell assignments instead of JSON");
  config->add_flag("--export", o.export_vars, "Print shell assignments prefixed with 'export'");
  config->callback([&] {
    action = [&] {
      return AdminGetClusterConfig(ctx, o.cluster, o.sh || o.export_vars, o.export_vars);
    };
  });

  CLI::App* query = app.add_subcommand("query", "List tasks: cluster [role [job]]");
  query->add_option("args", o.query.args, "cluster [role [job]]")->required()->expected(1, 3);
  query->add_flag("--force", o.query.force, "Run expensive queries");
  query->add_option("--shards", o.query.shards, "Only these instances: N[,N,...]");
  query->add_option("--states", o.query.states, "Only these states (default RUNNING)");
  query->add_option("-l,--listformat", o.query.listformat,
                    "Line format, e.g. %role%/%name%/%instanceId% %status%");
  query->callback([&] { action = [&] { return AdminQuery(ctx, o.query); }; });
}

void AddUnsupportedVerbs(CLI::App& app, Action& action) {
  for (const std::string& name : UnsupportedAdminVerbs()) {
    CLI::App* verb = app.add_subcommand(name, "Not supported yet");
    verb->allow_extras();
    verb->prefix_command();
    verb->callback([&action, name] {
      action = [name] {
        return absl::UnimplementedError(
            absl::StrCat("aurora_admin ", name, " is not supported yet"));
      };
    });
  }
}

}  // namespace

const std::vector<std::string>& UnsupportedAdminVerbs() {
  static const std::vector<std::string> kVerbs = {
      "prune_tasks",
      "reconcile_tasks",
      "scheduler_backup_now",
      "scheduler_commit_recovery",
      "scheduler_delete_recovery_tasks",
      "scheduler_list_backups",
      "scheduler_print_recovery_tasks",
      "scheduler_snapshot",
      "scheduler_stage_recovery",
      "scheduler_unload_recovery",
      "sla_list_safe_domain",
      "sla_probe_hosts",
  };
  return kVerbs;
}

bool IsAdminProgramName(std::string_view argv0) {
  size_t slash = argv0.rfind('/');
  return argv0.substr(slash == std::string_view::npos ? 0 : slash + 1) == "aurora_admin";
}

int RunAdminCli(int argc, const char* const* argv, CliContext& ctx) {
  CLI::App app{"aurora_admin: Aurora's administrator commands on Borealis", "aurora_admin"};
  app.require_subcommand(1);
  AdminOptions options;
  Action action;
  app.add_flag("-v,--verbose", options.verbose, "More output (accepted; no effect yet)");
  app.add_flag("-q,--quiet", options.quiet, "Less output (accepted; no effect yet)");
  app.add_flag("--bypass-leader-redirect", options.bypass_leader_redirect,
               "Accepted; every Borealis scheduler answers directly");
  AddQuotaVerbs(app, ctx, options, action);
  AddClusterVerbs(app, ctx, options, action);
  AddHostMaintenanceVerbs(app, ctx, options.hosts, action, /*aurora_spelling=*/true);
  CLI::App* help = app.add_subcommand("help", "Print this help");
  AddUnsupportedVerbs(app, action);
  // Taken before parsing: once a verb is parsed, help() describes that verb.
  const std::string usage = app.help();
  help->callback([&] {
    action = [&] {
      ctx.out << usage;
      return absl::OkStatus();
    };
  });
  return ParseAndRun(app, argc, argv, ctx, action, kAdminExitFailure, "aurora_admin help",
                     &AdminExitCode);
}

}  // namespace borealis::cli
