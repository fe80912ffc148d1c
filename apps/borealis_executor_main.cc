// borealis-executor: runs one task for the agent. The agent starts it in a new session
// with `--task-dir <work-dir>/sandboxes/<task-id>` (holding task.json) and optionally
// `--agent-socket <path>`; the executor reports through <task-dir>/status.json and
// exits once the task is FINISHED, FAILED or KILLED. See executor/task_file.h.
#include <CLI/CLI.hpp>

#include "borealis/base/clock.h"
#include "borealis/base/log.h"
#include "borealis/executor/executor.h"

int main(int argc, char** argv) {
  CLI::App app{"borealis-executor: runs the processes of one task"};
  borealis::executor::ExecutorFlags flags;
  std::string log_level = "info";
  app.add_option("--task-dir", flags.task_dir, "task directory holding task.json")->required();
  app.add_option("--agent-socket", flags.agent_socket,
                 "unix datagram socket to notify after each status change");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  CLI11_PARSE(app, argc, argv);
  borealis::base::InitLogging("executor", log_level);
  return borealis::executor::RunExecutor(flags, borealis::base::RealClock::Get());
}
