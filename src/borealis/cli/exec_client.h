// The client end of exec grants (docs/architecture/exec-grants.md): asks the scheduler
// for grants on a job's live instances (POST /exec/grant), then talks to each task's
// agent: a command over the agent's /exec/v1 WebSocket, files over /exec/file.
//
// Thread contract: free functions; RunOnAgent blocks its caller and may run on several
// threads at once (one per instance).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "borealis/cli/context.h"
#include "borealis/cli/job_key.h"

namespace borealis::cli {

// One live task and the grant that lets us act on it through its agent.
struct GrantedTask {
  int32_t instance = 0;
  std::string task_id;
  std::string host;
  std::string agent_id;
  int http_port = 0;
  std::map<std::string, int32_t> ports;
  std::string grant;
};

// Grants for `action` ("run", "ssh", "scp") on the live instances `spec` names (all when
// it names none), by instance. An instance named but not live is left out.
absl::StatusOr<std::vector<GrantedTask>> RequestGrants(const CliContext& ctx,
                                                       const InstanceSpec& spec,
                                                       const std::string& action);

// Binds {{thermos.ports[NAME]}}, {{thermos.task_id}}, {{mesos.instance}},
// {{mesos.hostname}} in `command` to the task's values, as Aurora's `task run` does (the
// executor's own rule, config/template.h); an unbound reference is an error naming it.
absl::StatusOr<std::string> SubstituteTaskTemplates(const std::string& command,
                                                    const GrantedTask& task);

// A command to run through the agent.
struct RemoteCommand {
  std::string action = "run";  // or "ssh"
  std::string command;         // empty with pty: a login shell
  bool pty = false;
  int rows = 24, cols = 80;
  std::string term = "xterm";
  bool executor_sandbox = false;
  int64_t timeout_ms = 0;  // 0: the agent's default
};

// What the session does with the command's bytes and where its input comes from.
struct RemoteIo {
  std::function<void(const std::string& bytes)> on_output;  // on the client's thread
  // Called once the command runs, on the caller's thread, with a function that sends
  // input ('i' + bytes, 'c' for end of input, 'r' + JSON resize) and a function telling
  // whether the command has ended; returns when it is done feeding input. Optional.
  std::function<void(const std::function<void(std::string frame)>& send,
                     const std::function<bool()>& ended)>
      feed;
};

// Runs `command` in `task`'s sandbox through its agent and returns the command's exit
// code. PermissionDenied when the agent refuses the grant; Unavailable when the agent
// cannot be reached or the connection drops before the command ends.
absl::StatusOr<int> RunOnAgent(const GrantedTask& task, const RemoteCommand& command,
                               const RemoteIo& io);

// scp: the bytes of `path` in `task`'s sandbox; and writing `data` there (into the
// directory `path` under `name` when `path` is a directory).
absl::StatusOr<std::string> ReadSandboxFile(const GrantedTask& task, const std::string& path,
                                            bool executor_sandbox);
absl::Status WriteSandboxFile(const GrantedTask& task, const std::string& path,
                              const std::string& name, const std::string& data,
                              bool executor_sandbox);

}  // namespace borealis::cli
