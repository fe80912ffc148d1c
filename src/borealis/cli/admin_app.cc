// The aurora_admin command tree (see admin_app.h). Each verb leaves its command in
// `action`, run only after parsing succeeds.
#include "borealis/cli/admin_app.h"

#include <algorithm>
#include <functional>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "borealis/cli/admin_commands.h"
#include "borealis/cli/command_line.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/maintenance_commands.h"
#include "borealis/cli/quota_commands.h"
#include "borealis/cli/sla_commands.h"

namespace borealis::cli {

using Action = std::function<absl::Status()>;

namespace {

// Aurora's admin client ends every failed command with status 1.
constexpr int kAdminExitFailure = 1;

int AdminExitCode(const absl::Status& status) {
  return status.ok() ? kExitOk : kAdminExitFailure;
}

// Aurora's spelling of a verb or flag, or with `hyphens` the `borealis admin` one.
std::string Spelled(const char* aurora_name, bool hyphens) {
  std::string name = aurora_name;
  if (hyphens) std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

void AddQuotaVerbs(CLI::App& app, CliContext& ctx, AdminOptions& o, Action& action,
                   bool hyphens) {
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
    CLI::App* verb = app.add_subcommand(Spelled(v.name, hyphens), v.help);
    verb->add_option("cluster", o.quota.cluster, "Cluster name")->required();
    verb->add_option("role", o.quota.role, "Role")->required();
    verb->add_option("cpu", o.quota.cpus, "CPUs, e.g. 4 or 0.5")->required();
    verb->add_option("ram", o.quota.ram, "RAM, e.g. 8GB or 512MB (no unit: MB)")->required();
    verb->add_option("disk", o.quota.disk, "Disk, e.g. 50GB (no unit: MB)")->required();
    auto run = v.run;
    verb->callback([&, run] { action = [&, run] { return run(ctx, o.quota); }; });
  }
}

void AddClusterVerbs(CLI::App& app, CliContext& ctx, AdminOptions& o, Action& action,
                     bool hyphens) {
  CLI::App* sched =
      app.add_subcommand(Spelled("get_scheduler", hyphens), "Print the leading scheduler's URL");
  sched->add_option("cluster", o.cluster, "Cluster name")->required();
  sched->callback([&] { action = [&] { return AdminGetScheduler(ctx, o.cluster); }; });

  CLI::App* config = app.add_subcommand(Spelled("get_cluster_config", hyphens),
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
                    "Line format, e.g. %role%/%name%/%instanceId% %status% or "
                    "%host%:%port:http%");
  query->add_flag("--write-json", o.query.write_json, "Print the tasks as a JSON list");
  query->callback([&] { action = [&] { return AdminQuery(ctx, o.query); }; });
}

void AddTaskVerbs(CLI::App& app, CliContext& ctx, AdminOptions& o, Action& action,
                  bool hyphens) {
  CLI::App* reconcile = app.add_subcommand(Spelled("reconcile_tasks", hyphens),
                                           "Reconcile the scheduler's tasks with the agents");
  reconcile->add_option("cluster", o.reconcile.cluster, "Cluster name")->required();
  reconcile->add_option("-t,--type", o.reconcile.type, "implicit or explicit (default)");
  reconcile->add_option(hyphens ? "-b,--batch-size" : "-b,--batch_size", o.reconcile.batch_size,
                        "Task ids per message of an explicit reconciliation");
  reconcile->callback([&] { action = [&] { return AdminReconcileTasks(ctx, o.reconcile); }; });

  CLI::App* prune = app.add_subcommand(Spelled("prune_tasks", hyphens),
                                       "Delete terminal tasks from the scheduler's history");
  prune->add_option("cluster", o.prune.cluster, "Cluster name")->required();
  prune->add_option("--states", o.prune.states, "Only these terminal states: S[,S,...]");
  prune->add_option("--role", o.prune.role, "Only tasks of this role");
  prune->add_option("--env", o.prune.environment, "Only tasks of this environment");
  prune->add_option("--limit", o.prune.limit, "Prune at most this many tasks");
  prune->callback([&] { action = [&] { return AdminPruneTasks(ctx, o.prune); }; });

  if (!hyphens) return;  // Aurora's admin client has no verb for forceTaskState
  CLI::App* force = app.add_subcommand(
      "force-task-state", "Move a task to a state through the task state machine");
  force->add_option("cluster", o.force.cluster, "Cluster name")->required();
  force->add_option("task_id", o.force.task_id, "The task's id")->required();
  force->add_option("status", o.force.status, "The state, e.g. LOST")->required();
  force->callback([&] { action = [&] { return AdminForceTaskState(ctx, o.force); }; });
}

void AddSlaVerbs(CLI::App& app, CliContext& ctx, AdminOptions& o, Action& action,
                 bool hyphens) {
  SlaDomainOptions& s = o.sla;
  auto common = [&s](CLI::App* verb) {
    verb->add_option("cluster", s.cluster, "Cluster name")->required();
    verb->add_option("percentage", s.percentage, "Percentage of tasks up, in (0, 100]")->required();
    verb->add_option("duration", s.duration, "For how long, XdYhZmWs (e.g. 30m)")->required();
    verb->add_option("--grouping", s.grouping, "Host grouping: by_host (default) or none");
    verb->add_option("--min_job_instance_count", s.min_instance_count,
                     "Smallest job (instances) considered (default 10)");
  };
  CLI::App* safe = app.add_subcommand(
      Spelled("sla_list_safe_domain", hyphens),
      "List hosts whose tasks may be killed without breaking job SLAs");
  common(safe);
  safe->add_option("-x,--exclude_hosts", s.exclude_hosts, "Hosts to leave out, comma-separated");
  safe->add_option("-X,--exclude_file", s.exclude_file, "File of hosts to leave out");
  safe->add_option("-i,--include_hosts", s.include_hosts, "Only these hosts, comma-separated");
  safe->add_option("-I,--include_file", s.include_file, "File of the only hosts to look at");
  safe->add_flag("-l,--list_jobs", s.list_jobs, "List the affected jobs with predicted SLAs");
  safe->add_option("-o,--override_file", s.override_file,
                   "Per-job SLAs: lines 'cluster/role/env/job percentage duration'");
  safe->callback([&] { action = [&] { return AdminSlaListSafeDomain(ctx, o.sla); }; });
  CLI::App* probe = app.add_subcommand(
      Spelled("sla_probe_hosts", hyphens),
      "Predict each job's SLA if the given hosts went down");
  common(probe);
  probe->add_option("--hosts", s.hosts, "Hosts, comma-separated");
  probe->add_option("--filename", s.filename, "File of hosts, one per line");
  probe->callback([&] { action = [&] { return AdminSlaProbeHosts(ctx, o.sla); }; });
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

void AddAdminVerbs(CLI::App& app, CliContext& ctx, AdminOptions& options, Action& action,
                   bool hyphens) {
  AddQuotaVerbs(app, ctx, options, action, hyphens);
  AddClusterVerbs(app, ctx, options, action, hyphens);
  AddTaskVerbs(app, ctx, options, action, hyphens);
  AddSlaVerbs(app, ctx, options, action, hyphens);
  AddHostMaintenanceVerbs(app, ctx, options.hosts, action, /*aurora_spelling=*/!hyphens);
}

const std::vector<std::string>& UnsupportedAdminVerbs() {
  static const std::vector<std::string> kVerbs = {
      "scheduler_backup_now",
      "scheduler_commit_recovery",
      "scheduler_delete_recovery_tasks",
      "scheduler_list_backups",
      "scheduler_print_recovery_tasks",
      "scheduler_snapshot",
      "scheduler_stage_recovery",
      "scheduler_unload_recovery",
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
  AddAdminVerbs(app, ctx, options, action, /*hyphens=*/false);
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
