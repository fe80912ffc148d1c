// The health check and lifecycle settings of a task (HealthCheckConfig,
// LifecycleConfig; docs/health-checks.md), read from the executor data (the job JSON) with the
// schema's defaults filled in, and bound to the task's ports.
//
// Which checker applies: `shell` when given; `tcp` or `http` only when the task has a
// `health` port; otherwise none, and the task is RUNNING as soon as it starts. The
// lifecycle applies when `lifecycle.http` is set and its `port` is one of the task's
// ports. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace borealis::executor {

enum class CheckerKind { kNone, kHttp, kShell, kTcp };

struct HealthCheckSpec {
  CheckerKind kind = CheckerKind::kNone;
  int port = 0;  // the `health` port (http, tcp)
  std::string endpoint = "/health";
  std::string expected_response = "ok";  // empty: the body is not checked
  int expected_response_code = 0;        // 0: any 2xx status
  std::string shell_command;             // templates not yet resolved
  int64_t initial_interval_ms = 15'000;
  int64_t interval_ms = 10'000;
  int64_t timeout_ms = 1'000;
  int max_consecutive_failures = 0;
  int min_consecutive_successes = 1;
};

struct LifecycleSpec {
  bool enabled = false;
  int port = 0;
  std::string graceful_shutdown_endpoint = "/quitquitquit";
  std::string shutdown_endpoint = "/abortabortabort";
  int64_t graceful_shutdown_wait_ms = 5'000;
  int64_t shutdown_wait_ms = 5'000;
};

struct TaskChecks {
  HealthCheckSpec health;
  LifecycleSpec lifecycle;
};

// Reads `health_check_config` and `lifecycle` from the executor data; absent sections
// take the schema defaults. Errors start with "executor data: " and name the field.
absl::StatusOr<TaskChecks> ReadTaskChecks(std::string_view executor_data,
                                          const std::map<std::string, int>& ports);

}  // namespace borealis::executor
