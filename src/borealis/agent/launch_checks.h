// Checks the agent makes before it starts an executor for a task: features of the task's
// configuration that borealis-agent cannot provide are refused with a clear message, so
// that the task fails instead of running without them. Pure; thread-safe.
#pragma once

#include "absl/status/status.h"
#include "gen-cpp/api_types.h"

namespace borealis::agent {

// OK when the agent can run `task` as configured. Refused (FailedPrecondition, the message
// says what is not supported): a Docker container, a Mesos container with an image
// (Docker or AppC), and a Mesos container with volumes. The agent has no container
// runtime and no bind mounts.
absl::Status CheckLaunchable(const api::TaskConfig& task);

}  // namespace borealis::agent
