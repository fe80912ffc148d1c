// The per-task executor: reads `<task-dir>/task.json` (task_file.h), runs the task's
// processes with the ProcessGraph state machine, and reports through status.json and
// the agent's datagram socket (status_file.h) until the task reaches FINISHED, FAILED
// or KILLED. SIGTERM (or SIGINT) kills the task: when the job's lifecycle applies, POST
// its graceful_shutdown_endpoint, wait, POST its shutdown_endpoint, wait (no new runs
// meanwhile); then TERM to every live process group, KILL after kill_grace_ms, KILLED
// "Killed by request". With a health check (health_config.h) the task reports RUNNING
// only once healthy; an unhealthy task is shut down the same way and ends FAILED
// "Failed health check! <reason>". HTTP and TCP probes run on helper threads
// (health_probe.h), shell checks as child processes; the algorithm is HealthMonitor.
// Isolation (task_isolation.h): runs join the task's cgroup and become the role's user
// before exec; a task over its memory or disk ends FAILED with the reason. Each
// process's logger (log_writer.h) decides where its output goes; only `rotate` and
// `both` make the loop below read a pipe per run stream.
//
// Effects live here, decisions in ProcessGraph. One thread: a poll loop on a
// signalfd (SIGCHLD, SIGTERM, SIGINT are blocked and read from it) with timeouts from
// the graph's next deadline; no busy waiting. The executor makes itself a child
// subreaper, so orphans of the task's processes are reparented to it and can be
// reaped and killed at the end. Time comes from the Clock it is given.
#pragma once

#include <string>

#include "borealis/base/clock.h"

namespace borealis::executor {

struct ExecutorFlags {
  std::string task_dir;      // <work-dir>/sandboxes/<task-id>
  std::string agent_socket;  // unix datagram socket of the agent; empty: none
};

// Runs the task in `flags.task_dir` to its end. Returns the exit code for main():
// 0 once a terminal status was recorded for a task that ran, 1 when the task could
// not be set up (a FAILED update says why) or status.json could not be written.
int RunExecutor(const ExecutorFlags& flags, base::Clock& clock);

}  // namespace borealis::executor
