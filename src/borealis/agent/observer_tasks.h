// What the observer shows about a task, gathered from the task directory and /proc:
//  - task.json (instance, role, ports, the job JSON: job key and resources asked),
//  - status.json (the executor's updates: start and finish times; each process's state,
//    runs, pid and exit code, and its history: every run's state, pid, exit code and
//    times),
//  - sandbox/.logs/<process>/<run>/ (one directory per run: a run the history lacks, as in a
//    status.json from an older executor that kept only the latest run, is listed from
//    these; such an earlier run has no pid or exit code and its times come from its log
//    files),
//  - /proc (the executor's process tree: cpu seconds and resident memory) and the task
//    directory's disk usage (one walk: the logs are inside the sandbox, counted once).
// Missing or unreadable files leave fields empty; nothing here fails a request.
// Thread contract: free functions, safe from any thread (they only read).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "borealis/agent/agent_core.h"
#include "borealis/agent/paths.h"

namespace borealis::agent {

struct ObservedRun {
  int run = 0;
  std::string state;   // the run's state from the history (RUNNING, SUCCESS, FAILED,
                       // KILLED); without one, the process's state for its latest run
                       // and "ENDED" for earlier runs
  int pid = 0;         // 0: unknown
  int exit_code = -1;  // -1: unknown or still running
  int64_t start_ms = 0;
  int64_t stop_ms = 0;  // 0: running or unknown
};

struct ObservedProcess {
  std::string name;
  std::string state;  // WAITING, RUNNING, SUCCESS, FAILED, KILLED
  int runs = 0;
  std::vector<ObservedRun> history;  // by run number
};

struct TaskUsage {
  double cpu_seconds = 0;  // user+system of the task's processes, live and reaped
  int64_t rss_bytes = 0;   // resident memory of the live processes (not the executor)
  int processes = 0;       // live processes (not the executor)
  int64_t disk_bytes = 0;  // allocated bytes under the task directory
};

struct ObservedTask {
  std::string task_id;
  std::string state;  // ScheduleStatus name; ASSIGNED before the first report
  bool active = true;
  std::string role, environment, job_name;
  int instance = 0;
  int64_t start_ms = 0;   // first executor update
  int64_t finish_ms = 0;  // terminal update; 0 while active
  std::string last_message;
  double cpu = 0;  // resources asked
  int64_t ram_bytes = 0;
  int64_t disk_bytes = 0;
  int64_t gpu = 0;
  std::map<std::string, int> ports;
  int executor_pid = 0;
  bool executor_alive = false;
  std::vector<int> pgids;                  // from status.json
  std::vector<ObservedProcess> processes;  // by name
};

// The summary of one task (no run history); `view` comes from the agent's snapshot.
ObservedTask LoadObservedTask(const AgentPaths& paths, const TaskView& view);

// Adds each process's runs to `task`: from status.json's history, and from the log
// directories for the runs it lacks.
void LoadRunHistory(const AgentPaths& paths, ObservedTask& task);

// Cpu and memory of the executor's process tree (and of the process groups status.json
// lists), and the task directory's disk usage.
TaskUsage MeasureUsage(const AgentPaths& paths, const ObservedTask& task);

}  // namespace borealis::agent
