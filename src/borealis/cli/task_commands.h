// The `task` noun (Aurora's `aurora task run|ssh|scp`) and `borealis logs`, through the
// agents rather than ssh (docs/architecture/exec-grants.md, docs/aurora-compatibility.md).
//
//   task run CLUSTER/ROLE/ENV/NAME[/INSTANCES] CMD   CMD in each live instance's sandbox,
//        --threads N instances at a time; each output line printed as "host:  line";
//        exit 4 when the command failed on some instance.
//   task ssh CLUSTER/ROLE/ENV/NAME[/INSTANCE] [--command CMD]   CMD (output as is, exit code
//        the command's) or an interactive shell on a pseudo-terminal.
//   task scp [JOB/INSTANCE:]SRC ... [JOB/INSTANCE:]DEST     files to and from sandboxes.
//   logs CLUSTER/ROLE/ENV/NAME[/INSTANCES] [--follow] [--stderr] [--process P]
//        [--previous N]   a process's log from each instance, lines prefixed "host/instance: ".
//
// Thread contract: each command runs on the caller's thread (run uses --threads workers).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "borealis/cli/context.h"

namespace CLI {
class App;
}  // namespace CLI

namespace borealis::cli {

struct TaskRunOptions {
  std::string instance_spec;
  std::string command;
  int threads = 1;
  std::string ssh_user;
  std::vector<std::string> ssh_options;
  bool executor_sandbox = false;
  int64_t timeout_secs = 0;  // 0: the agent's default
};
absl::Status TaskRun(CliContext& ctx, const TaskRunOptions& options);

struct TaskSshOptions {
  std::string instance_spec;
  std::string command;  // empty: interactive
  std::string ssh_user;
  std::vector<std::string> ssh_options;
  std::vector<std::string> tunnels;
  std::string pid_file;
  bool executor_sandbox = false;
};
absl::Status TaskSsh(CliContext& ctx, const TaskSshOptions& options);

struct TaskScpOptions {
  std::vector<std::string> paths;  // sources, then the destination last
  std::vector<std::string> scp_options;
  bool executor_sandbox = false;
};
absl::Status TaskScp(CliContext& ctx, const TaskScpOptions& options);

struct LogsOptions {
  std::string instance_spec;
  bool follow = false;
  bool stderr_stream = false;
  std::string process;  // empty: the first process that is not ephemeral (nor final)
  int previous = 0;     // runs back from the latest
};
absl::Status Logs(CliContext& ctx, const LogsOptions& options);

struct TaskNounOptions {
  TaskRunOptions run;
  TaskSshOptions ssh;
  TaskScpOptions scp;
  LogsOptions logs;
};

// Adds `task` and `logs` to the command tree; the chosen verb sets `action`. `options`
// and `ctx` must outlive the parse and the action.
void AddTaskNouns(CLI::App& app, CliContext& ctx, TaskNounOptions& options,
                  std::function<absl::Status()>& action);

}  // namespace borealis::cli
