// The agent's on-disk layout and the small file primitives it is written with.
//
// Everything the agent must remember across a restart lives under --work-dir:
//
//   <work-dir>/
//     agent_id                     the agent's id, generated once (text, one line)
//     agent.sock                   unix datagram socket; executors poke it with a task id
//     updates/
//       <order>.json               one unacknowledged StatusUpdate; <order> is a zero-padded
//                                  counter, so name order is the order updates were made
//     sandboxes/
//       <task-id>/
//         task.json                written by the agent: what the executor runs (h3 contract)
//         agent_task.json          the agent's own record: executor pid and start ticks,
//                                  last forwarded executor seq, last reported state
//         status.json              written by the executor: its updates, processes, pgids
//         executor.log             the executor's stdout and stderr
//         sandbox/                 the processes' working directory (made by the executor)
//     gc/<task-id>[.<n>]           task directories collected by sandbox GC, being deleted
//
// Invariants: every file here is replaced atomically (write a temp file, rename), so a
// reader sees the old or the new content, never a mix. Only agent_id and updates/ are
// also fsynced (file, then directory) to survive a power loss; the task files are not:
// a power loss ends every executor, so the agent recovers such a task as gone whatever
// its files say. An update file is written (and fsynced) before the forwarded seq that
// produced it is recorded.
// Thread contract: free functions, safe from any thread; callers serialise writes to one path.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "borealis/base/files.h"  // WriteFileAtomically: every agent file is written with it
#include "borealis/base/status.h"

namespace borealis::agent {

struct AgentPaths {
  std::string work_dir;

  std::string AgentIdFile() const { return work_dir + "/agent_id"; }
  std::string SocketPath() const { return work_dir + "/agent.sock"; }
  std::string UpdatesDir() const { return work_dir + "/updates"; }
  std::string SandboxesDir() const { return work_dir + "/sandboxes"; }
  std::string TaskDir(std::string_view task_id) const {
    return SandboxesDir() + "/" + std::string(task_id);
  }
  std::string TaskJson(std::string_view task_id) const { return TaskDir(task_id) + "/task.json"; }
  std::string AgentTaskJson(std::string_view task_id) const {
    return TaskDir(task_id) + "/agent_task.json";
  }
  std::string StatusJson(std::string_view task_id) const {
    return TaskDir(task_id) + "/status.json";
  }
  std::string ExecutorLog(std::string_view task_id) const {
    return TaskDir(task_id) + "/executor.log";
  }
  std::string Sandbox(std::string_view task_id) const { return TaskDir(task_id) + "/sandbox"; }
};

// A task id is used as a directory name: it must be non-empty, at most 200 bytes, and made
// of letters, digits and "-_.@:+", and not "." or "..".
absl::Status ValidateTaskId(std::string_view task_id);

// The whole file; NotFound when it does not exist.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Creates `path` and its missing parents (mode 0755).
absl::Status MakeDirs(const std::string& path);

// Removes a file; a missing file is not an error.
absl::Status RemoveFile(const std::string& path);

// Names of the entries of a directory (no "." and ".."), sorted; NotFound if it is missing.
absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path);

}  // namespace borealis::agent
