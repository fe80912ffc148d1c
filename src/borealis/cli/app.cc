// The command tree. Each verb fills an options struct and leaves the command to run in
// `action`; it runs after parsing succeeds, so a parse error never half-runs a command.
#include "borealis/cli/app.h"

#include <functional>

#include <CLI/CLI.hpp>

#include "borealis/cli/admin_app.h"
#include "borealis/cli/command_line.h"
#include "borealis/cli/cron_commands.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/job_commands.h"
#include "borealis/cli/job_open.h"
#include "borealis/cli/job_plan.h"
#include "borealis/cli/job_restart.h"
#include "borealis/cli/local_cluster.h"
#include "borealis/cli/maintenance_commands.h"
#include "borealis/cli/quota_commands.h"
#include "borealis/cli/sla_commands.h"
#include "borealis/cli/task_commands.h"
#include "borealis/cli/update_noun.h"

namespace borealis::cli {
namespace {

using Action = std::function<absl::Status()>;

struct Options {
  JobCreateOptions create;
  JobStatusOptions status;
  JobListOptions list;
  JobKillOptions kill;
  JobKillOptions killall;
  JobAddOptions add;
  JobInspectOptions inspect;
  JobDiffOptions diff;
  JobRestartOptions restart;
  JobOpenOptions open;
  JobPlanOptions plan;
  UpdateNounOptions update;
  TaskNounOptions task;
  ConfigListOptions config_list;
  LocalStartOptions local_start;
  QuotaGetOptions quota_get;
  AdminOptions admin;
  SlaJobOptions sla;
  CronScheduleOptions cron_schedule;
  std::string cron_job_key;
  std::string local_dir;
  bool no_batching = false;
};

void AddKillOptions(CLI::App* verb, JobKillOptions* o, bool* no_batching) {
  verb->add_option("--message,-m", o->message, "Message recorded with the kill");
  verb->add_flag("--no-wait", o->no_wait, "Return once the scheduler accepted the kill");
  verb->add_option("--wait-timeout", o->wait_timeout_secs,
                   "Seconds to wait for the tasks to end (default 300)");
  verb->add_flag("--no-batching", *no_batching, "Accepted for compatibility; kills are not batched");
}

// The options every verb that reads a configuration file shares.
void AddConfigOptions(CLI::App* verb, std::string* file, bool* read_json,
                      std::vector<std::string>* binds) {
  verb->add_option("config", *file, "The job's configuration file (.aurora, or JSON with --read-json)")
      ->required();
  verb->add_flag("--read-json", *read_json, "The file is a JSON job file");
  verb->add_option("--bind", *binds, "name=value: bind a template variable (repeatable; "
                                     "dotted names such as profile.instances=3)")
      ->allow_extra_args(false);
}

void AddInspectAndDiff(CLI::App* job, CliContext& ctx, Options& o, Action& action) {
  CLI::App* inspect = job->add_subcommand("inspect", "Show the job a configuration file defines");
  inspect->add_option("jobkey", o.inspect.job_key, "CLUSTER/ROLE/ENV/NAME")->required();
  AddConfigOptions(inspect, &o.inspect.config_file, &o.inspect.read_json, &o.inspect.binds);
  inspect->add_flag("--write-json", o.inspect.write_json, "Print the job's JSON");
  inspect->callback([&] { action = [&] { return JobInspect(ctx, o.inspect); }; });

  CLI::App* diff = job->add_subcommand(
      "diff", "Compare a configuration file with the running job (exit 1 when they differ)");
  diff->add_option("jobkey", o.diff.job_key, "CLUSTER/ROLE/ENV/NAME[/INSTANCES]")->required();
  AddConfigOptions(diff, &o.diff.config_file, &o.diff.read_json, &o.diff.binds);
  diff->callback([&] { action = [&] { return JobDiff(ctx, o.diff); }; });
}

void AddConfigNoun(CLI::App& app, CliContext& ctx, Options& o, Action& action) {
  CLI::App* config = app.add_subcommand("config", "Work with configuration files");
  config->require_subcommand(1);
  CLI::App* list = config->add_subcommand("list", "List the jobs a configuration file defines");
  AddConfigOptions(list, &o.config_list.config_file, &o.config_list.read_json,
                   &o.config_list.binds);
  list->callback([&] { action = [&] { return ConfigList(ctx, o.config_list); }; });
}

void AddJobNoun(CLI::App& app, CliContext& ctx, Options& o, Action& action) {
  CLI::App* job = app.add_subcommand("job", "Work with jobs");
  job->require_subcommand(1);

  CLI::App* create = job->add_subcommand("create", "Create a job from a configuration file");
  create->add_option("jobkey", o.create.job_key, "CLUSTER/ROLE/ENV/NAME")->required();
  AddConfigOptions(create, &o.create.config_file, &o.create.read_json, &o.create.binds);
  create->add_option("--wait-until", o.create.wait_until,
                     "PENDING (default), RUNNING or FINISHED: wait for every instance");
  create->add_option("--wait-timeout", o.create.wait_timeout_secs,
                     "Seconds --wait-until waits at most (default 300)");
  create->add_option("--check-token", o.create.check_token,
                     "Refuse when the job changed since the `job plan` that printed TOKEN");
  create->callback([&] { action = [&] { return JobCreate(ctx, o.create); }; });

  CLI::App* status = job->add_subcommand("status", "Show the tasks of jobs");
  status->add_option("jobspec", o.status.pattern, "CLUSTER[/ROLE[/ENV[/NAME]]] (globs allowed)")
      ->required();
  status->add_flag("--write-json", o.status.write_json, "Print Aurora's JSON instead of text");
  status->callback([&] { action = [&] { return JobStatus(ctx, o.status); }; });

  CLI::App* list = job->add_subcommand("list", "List the jobs that match a pattern");
  list->add_option("jobspec", o.list.pattern, "CLUSTER[/ROLE[/ENV[/NAME]]] (globs allowed)")
      ->required();
  list->add_flag("--write-json", o.list.write_json, "Print a JSON list of job keys");
  list->callback([&] { action = [&] { return JobList(ctx, o.list); }; });

  CLI::App* kill = job->add_subcommand("kill", "Kill instances of a job");
  kill->add_option("instances", o.kill.spec, "CLUSTER/ROLE/ENV/NAME[/INSTANCES], e.g. .../0-2,5")
      ->required();
  AddKillOptions(kill, &o.kill, &o.no_batching);
  kill->callback([&] { action = [&] { return JobKill(ctx, o.kill); }; });

  CLI::App* killall = job->add_subcommand("killall", "Kill every instance of a job");
  killall->add_option("jobkey", o.killall.spec, "CLUSTER/ROLE/ENV/NAME")->required();
  AddKillOptions(killall, &o.killall, &o.no_batching);
  killall->callback([&] {
    o.killall.all = true;
    action = [&] { return JobKill(ctx, o.killall); };
  });
  CLI::App* add = job->add_subcommand("add", "Add instances copying an active instance");
  add->add_option("instance", o.add.spec, "CLUSTER/ROLE/ENV/NAME/INSTANCE to copy")->required();
  add->add_option("count", o.add.count, "How many instances to add")->required();
  add->add_option("--wait-until", o.add.wait_until,
                  "PENDING (default), RUNNING or FINISHED: wait for the new instances");
  add->add_option("--wait-timeout", o.add.wait_timeout_secs,
                  "Seconds --wait-until waits at most (default 300)");
  add->callback([&] { action = [&] { return JobAdd(ctx, o.add); }; });
  AddInspectAndDiff(job, ctx, o, action);
  AddRestartVerb(job, ctx, o.restart, action);
  AddOpenVerb(job, ctx, o.open, action);
  AddPlanVerb(job, ctx, o.plan, action);
}

void AddLocalNoun(CLI::App& app, CliContext& ctx, Options& o, Action& action) {
  CLI::App* local = app.add_subcommand("local", "Run a whole cluster on this machine");
  local->require_subcommand(1);
  const char* dir_help = "State directory (default ~/.borealis/local)";

  CLI::App* start = local->add_subcommand("start", "Start a scheduler and agents");
  start->add_option("--agents", o.local_start.agents, "Number of agents (default 2)");
  start->add_option("--dir", o.local_start.dir, dir_help);
  start->add_option("--cluster", o.local_start.cluster, "Cluster name (default devcluster)");
  start->add_option("--timeout", o.local_start.timeout_secs,
                    "Seconds to wait for the daemons to come up (default 60)");
  start->callback([&] { action = [&] { return LocalStart(ctx, o.local_start); }; });

  CLI::App* stop = local->add_subcommand("stop", "Stop the local cluster and its tasks");
  stop->add_option("--dir", o.local_dir, dir_help);
  stop->callback([&] { action = [&] { return LocalStop(ctx, o.local_dir); }; });

  CLI::App* status = local->add_subcommand("status", "Show the local cluster's processes");
  status->add_option("--dir", o.local_dir, dir_help);
  status->callback([&] { action = [&] { return LocalStatus(ctx, o.local_dir); }; });
}

void AddQuotaNouns(CLI::App& app, CliContext& ctx, Options& o, Action& action) {
  CLI::App* quota = app.add_subcommand("quota", "Show a role's quota and what it uses");
  quota->require_subcommand(1);
  CLI::App* get = quota->add_subcommand("get", "Show the quota and consumption of a role");
  get->add_option("role", o.quota_get.spec, "CLUSTER/ROLE")->required();
  get->add_flag("--write-json", o.quota_get.write_json, "Print JSON instead of text");
  get->callback([&] { action = [&] { return QuotaGet(ctx, o.quota_get); }; });

  CLI::App* admin = app.add_subcommand("admin", "Administrator commands (docs/admin.md)");
  admin->require_subcommand(1);
  AddAdminVerbs(*admin, ctx, o.admin, action, /*hyphens=*/true);
  // The spelling this tree had before it followed the hyphen rule.
  CLI::App* set = admin->add_subcommand("set_quota", "Same as set-quota");
  set->add_option("cluster", o.admin.quota.cluster, "Cluster name")->required();
  set->add_option("role", o.admin.quota.role, "Role")->required();
  set->add_option("cpu", o.admin.quota.cpus, "CPUs, e.g. 4 or 0.5")->required();
  set->add_option("ram", o.admin.quota.ram, "RAM, e.g. 8GB or 512MB (no unit: MB)")->required();
  set->add_option("disk", o.admin.quota.disk, "Disk, e.g. 50GB (no unit: MB)")->required();
  set->callback([&] { action = [&] { return AdminSetQuota(ctx, o.admin.quota); }; });
}

void AddSlaNoun(CLI::App& app, CliContext& ctx, Options& o, Action& action) {
  CLI::App* sla = app.add_subcommand("sla", "Work with SLA data of a job");
  sla->require_subcommand(1);
  CLI::App* up = sla->add_subcommand(
      "get-task-up-count", "Print the percentage of tasks that stayed up for each duration");
  up->add_option("jobspec", o.sla.job_key, "CLUSTER/ROLE/ENV/NAME")->required();
  up->add_option("--durations", o.sla.durations,
                 "Durations XdYhZmWs, comma-separated (default 1m,10m,1h,12h,7d)");
  up->callback([&] { action = [&] { return SlaGetTaskUpCount(ctx, o.sla); }; });
  CLI::App* uptime = sla->add_subcommand("get-job-uptime",
                                         "Print the job's uptime at each percentile");
  uptime->add_option("jobspec", o.sla.job_key, "CLUSTER/ROLE/ENV/NAME")->required();
  uptime->add_option("--percentiles", o.sla.percentiles,
                     "Percentiles in (0, 100), comma-separated (default 99,95,90,85,75,60,50,30,10)");
  uptime->add_flag("--write-json", o.sla.write_json, "Print JSON instead of text");
  uptime->callback([&] { action = [&] { return SlaGetJobUptime(ctx, o.sla); }; });
}

void AddCronNoun(CLI::App& app, CliContext& ctx, Options& o, Action& action) {
  CLI::App* cron = app.add_subcommand("cron", "Work with entries in the cron scheduler");
  cron->require_subcommand(1);
  CLI::App* schedule = cron->add_subcommand(
      "schedule", "Create a job's cron schedule, or replace its cron template");
  schedule->add_option("jobkey", o.cron_schedule.job_key, "CLUSTER/ROLE/ENV/NAME")->required();
  AddConfigOptions(schedule, &o.cron_schedule.config_file, &o.cron_schedule.read_json,
                   &o.cron_schedule.binds);
  schedule->callback([&] { action = [&] { return CronSchedule(ctx, o.cron_schedule); }; });
  struct Verb {
    const char* name;
    const char* help;
    absl::Status (*run)(CliContext&, const std::string&);
  };
  for (const Verb& v : {Verb{"deschedule", "Remove a job's cron schedule (its tasks go on)",
                             &CronDeschedule},
                        Verb{"start", "Start a cron job now, outside its schedule", &CronStart},
                        Verb{"show", "Show a cron job's schedule", &CronShow}}) {
    CLI::App* verb = cron->add_subcommand(v.name, v.help);
    verb->add_option("jobkey", o.cron_job_key, "CLUSTER/ROLE/ENV/NAME")->required();
    auto run = v.run;
    verb->callback([&, run] { action = [&, run] { return run(ctx, o.cron_job_key); }; });
  }
}

}  // namespace

int RunCli(int argc, const char* const* argv, CliContext& ctx) {
  CLI::App app{"borealis: the Borealis command line (Aurora's grammar: borealis NOUN VERB ARGS)",
               "borealis"};
  app.require_subcommand(1);
  app.set_version_flag("--version", kVersion, "Print the version and exit");
  Options options;
  Action action;
  app.add_flag("--verbose,-v", ctx.verbose,
               "More output: whether waits follow the scheduler's event stream or poll");
  AddJobNoun(app, ctx, options, action);
  AddLocalNoun(app, ctx, options, action);
  AddQuotaNouns(app, ctx, options, action);
  AddCronNoun(app, ctx, options, action);
  AddSlaNoun(app, ctx, options, action);
  AddConfigNoun(app, ctx, options, action);
  AddUpdateNoun(app, ctx, options.update, action);
  AddTaskNouns(app, ctx, options.task, action);
  return ParseAndRun(app, argc, argv, ctx, action, kExitInvalidCommand, "--help", &ExitCodeFor);
}

}  // namespace borealis::cli
