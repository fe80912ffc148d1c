// Test-only helper shared by the agent's tests: stops every executor (and the process
// groups it reported) that an agent left under a work dir. Header-only so that it stays
// out of the borealis_agent library.
#pragma once

#include <signal.h>
#include <sys/wait.h>

#include <string>
#include <vector>

#include "borealis/agent/executor_process.h"
#include "borealis/agent/paths.h"
#include "borealis/agent/task_files.h"

namespace borealis::agent {

inline void KillExecutorsUnder(const std::string& work_dir) {
  AgentPaths paths{work_dir};
  absl::StatusOr<std::vector<std::string>> names = ListDir(paths.SandboxesDir());
  if (!names.ok()) return;
  for (const std::string& name : *names) {
    if (auto text = ReadFile(paths.StatusJson(name)); text.ok()) {
      if (auto status = DecodeExecutorStatus(*text); status.ok()) KillProcessGroups(status->pgids);
    }
    if (auto text = ReadFile(paths.AgentTaskJson(name)); text.ok()) {
      if (auto record = DecodeAgentTaskRecord(*text); record.ok()) {
        if (SignalExecutor(record->executor_pid, record->executor_start_ticks, SIGKILL)) {
          ::waitpid(record->executor_pid, nullptr, 0);  // ours when the test started it
        }
      }
    }
  }
}

}  // namespace borealis::agent
