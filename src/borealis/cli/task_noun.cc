// The `task` noun and `logs`: their command-line grammar (see task_commands.h).
#include <CLI/CLI.hpp>

#include "borealis/cli/task_commands.h"

namespace borealis::cli {

void AddTaskNouns(CLI::App& app, CliContext& ctx, TaskNounOptions& o,
                  std::function<absl::Status()>& action) {
  CLI::App* task = app.add_subcommand("task", "Work with the tasks of a job, through their agents");
  task->require_subcommand(1);

  CLI::App* run = task->add_subcommand(
      "run", "Run a shell command in the sandbox of each live instance of a job");
  run->add_option("instances", o.run.instance_spec, "CLUSTER/ROLE/ENV/NAME[/INSTANCES]")->required();
  run->add_option("cmd", o.run.command, "The command (bash -c); {{thermos.ports[NAME]}}, "
                                        "{{thermos.task_id}}, {{mesos.instance}} are bound")
      ->required();
  run->add_option("--threads,-t", o.run.threads, "Instances to run on at a time (default 1)");
  run->add_option("--ssh-user,-l", o.run.ssh_user, "Accepted when it is the job's role");
  run->add_option("--ssh-options", o.run.ssh_options, "Not supported: there is no ssh");
  run->add_flag("--executor-sandbox", o.run.executor_sandbox,
                "Run in the task's directory (above the sandbox)");
  run->add_option("--timeout", o.run.timeout_secs,
                  "Seconds before the command is killed (default: the agent's, 10 minutes)");
  run->callback([&] { action = [&] { return TaskRun(ctx, o.run); }; });

  CLI::App* ssh = task->add_subcommand(
      "ssh", "A shell (or --command) in the sandbox of one instance, through its agent");
  ssh->add_option("instance", o.ssh.instance_spec, "CLUSTER/ROLE/ENV/NAME[/INSTANCE]")->required();
  ssh->add_option("--command,-c", o.ssh.command, "Run this command instead of a shell");
  ssh->add_option("--ssh-user,-l", o.ssh.ssh_user, "Accepted when it is the job's role");
  ssh->add_option("--ssh-options", o.ssh.ssh_options, "Not supported: there is no ssh");
  ssh->add_option("--tunnels,-L", o.ssh.tunnels, "PORT:NAME (not supported yet)");
  ssh->add_option("--pid-file,-p", o.ssh.pid_file, "Not supported yet");
  ssh->add_flag("--executor-sandbox", o.ssh.executor_sandbox,
                "Start in the task's directory (above the sandbox)");
  ssh->callback([&] { action = [&] { return TaskSsh(ctx, o.ssh); }; });

  CLI::App* scp = task->add_subcommand(
      "scp", "Copy files to, from and between sandboxes: [CLUSTER/ROLE/ENV/NAME/INSTANCE:]PATH");
  scp->add_option("paths", o.scp.paths, "SRC ... DEST")->required()->expected(2, -1);
  scp->add_option("--scp-options", o.scp.scp_options, "Not supported: there is no scp");
  scp->add_flag("--executor-sandbox", o.scp.executor_sandbox,
                "Paths are relative to the task's directory (above the sandbox)");
  scp->callback([&] { action = [&] { return TaskScp(ctx, o.scp); }; });

  CLI::App* logs = app.add_subcommand(
      "logs", "Print (or follow) a process's log from each live instance of a job");
  logs->add_option("instances", o.logs.instance_spec, "CLUSTER/ROLE/ENV/NAME[/INSTANCES]")
      ->required();
  logs->add_flag("--follow,-f", o.logs.follow, "Keep printing what is appended");
  logs->add_flag("--stderr", o.logs.stderr_stream, "The stderr log instead of stdout");
  logs->add_option("--process", o.logs.process,
                   "The process (default: the first that is neither ephemeral nor final)");
  logs->add_option("--previous", o.logs.previous, "The run N runs before the latest");
  logs->callback([&] { action = [&] { return Logs(ctx, o.logs); }; });
}

}  // namespace borealis::cli
