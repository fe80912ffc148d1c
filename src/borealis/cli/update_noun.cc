// `update`'s grammar (update_noun.h).
#include "borealis/cli/update_noun.h"

#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

namespace borealis::cli {

void AddUpdateNoun(CLI::App& app, CliContext& ctx, UpdateNounOptions& o,
                   std::function<absl::Status()>& action) {
  CLI::App* update = app.add_subcommand("update", "Scheduler-driven rolling updates of jobs");
  update->require_subcommand(1);
  UpdateStartOptions& so = o.start;
  CLI::App* start = update->add_subcommand("start", "Start a rolling update to a configuration");
  start->add_option("instances", so.spec, "CLUSTER/ROLE/ENV/NAME[/INSTANCES]")->required();
  start->add_option("config", so.config_file, "The job's configuration file")->required();
  start->add_flag("--read-json", so.read_json, "The file is a JSON job file");
  start->add_option("--bind", so.binds, "name=value: bind a template variable (repeatable)")
      ->allow_extra_args(false);
  start->add_flag("--wait", so.wait, "Wait until the update is no longer active");
  start->add_option("--message,-m", so.message, "Message recorded with the update");
  start->add_flag("--strict", so.strict, "Accepted for compatibility");
  start->add_option("--canary", so.canary,
                    "Update N instances first and pause until `update promote`");
  start->add_option("--auto-promote-after", so.auto_promote_after_secs,
                    "With --canary: promote by itself after SECS of health");
  start->add_option("--check-token", so.check_token,
                    "Refuse when the job changed since the `job plan` that printed TOKEN");
  start->callback([&] { action = [&] { return UpdateStart(ctx, o.start); }; });

  const std::vector<std::pair<const char*, UpdateControl>> controls = {
      {"pause", UpdateControl::kPause},       {"resume", UpdateControl::kResume},
      {"abort", UpdateControl::kAbort},       {"rollback", UpdateControl::kRollback},
      {"pulse", UpdateControl::kPulse},       {"promote", UpdateControl::kPromote}};
  for (const auto& [name, control] : controls) {
    CLI::App* verb = update->add_subcommand(name, std::string(name) + " the job's active update");
    verb->add_option("jobkey", o.control.job_key, "CLUSTER/ROLE/ENV/NAME")->required();
    if (control != UpdateControl::kPulse) {
      verb->add_option("--message,-m", o.control.message, "Message recorded with it");
    }
    if (control == UpdateControl::kRollback) {
      verb->add_flag("--wait", o.control.wait, "Wait until the update rolls back");
    }
    const UpdateControl c = control;
    verb->callback([&, c] {
      action = [&, c] { return UpdateControlCommand(ctx, c, o.control); };
    });
  }

  CLI::App* list = update->add_subcommand("list", "List job updates");
  list->add_option("filter", o.list.filter, "CLUSTER[/ROLE[/ENV[/JOB]]]")->required();
  list->add_option("--status", o.list.statuses,
                   "active, all, blocked, failed, inactive, paused, succeeded or a status "
                   "(repeatable)")
      ->allow_extra_args(false);
  list->add_option("--user", o.list.user, "Only updates started by this user");
  list->add_flag("--write-json", o.list.write_json, "Print JSON instead of text");
  list->callback([&] { action = [&] { return UpdateList(ctx, o.list); }; });

  CLI::App* info = update->add_subcommand("info", "Show an update's status and events");
  info->add_option("jobkey", o.info.job_key, "CLUSTER/ROLE/ENV/NAME")->required();
  info->add_option("id", o.info.update_id, "Update id (default: the active update)");
  info->add_flag("--write-json", o.info.write_json, "Print JSON instead of text");
  info->callback([&] { action = [&] { return UpdateInfo(ctx, o.info); }; });

  CLI::App* wait = update->add_subcommand("wait", "Wait until an update is no longer active");
  wait->add_option("jobkey", o.wait.job_key, "CLUSTER/ROLE/ENV/NAME")->required();
  wait->add_option("id", o.wait.update_id, "Update id")->required();
  wait->callback([&] { action = [&] { return UpdateWait(ctx, o.wait); }; });
}

}  // namespace borealis::cli
