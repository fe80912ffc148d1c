// Reading the health check and lifecycle sections (see health_config.h).
#include "borealis/executor/health_config.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/config/schema.h"

namespace borealis::executor {
namespace {

using nlohmann::json;

constexpr char kHealthPort[] = "health";

// The job field `name` normalized against its schema type (defaults filled in).
absl::StatusOr<json> NormalizedJobField(const json& job, const std::string& name) {
  for (const config::Field& field : config::JobType().fields) {
    if (field.name != name) continue;
    json value = job.contains(name) && !job.at(name).is_null()
                     ? job.at(name)
                     : field.default_value.value_or(json::object());
    config::NormalizeOptions lenient;
    lenient.reject_unknown_fields = false;
    absl::StatusOr<json> out = config::Normalize(value, *field.type, name, lenient);
    if (!out.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("executor data: ", out.status().message()));
    }
    return out;
  }
  return absl::InternalError(absl::StrCat("the job schema has no field '", name, "'"));
}

int64_t SecsToMs(const json& value) {
  return static_cast<int64_t>(std::llround(value.get<double>() * 1000.0));
}

absl::StatusOr<HealthCheckSpec> ReadHealth(const json& job,
                                           const std::map<std::string, int>& ports) {
  ASSIGN_OR_RETURN(json health, NormalizedJobField(job, "health_check_config"));
  HealthCheckSpec spec;
  spec.initial_interval_ms = SecsToMs(health.at("initial_interval_secs"));
  spec.interval_ms = SecsToMs(health.at("interval_secs"));
  spec.timeout_ms = SecsToMs(health.at("timeout_secs"));
  spec.max_consecutive_failures = health.at("max_consecutive_failures").get<int>();
  spec.min_consecutive_successes = health.at("min_consecutive_successes").get<int>();
  for (const char* key : {"initial_interval_secs", "interval_secs", "timeout_secs",
                          "max_consecutive_failures", "min_consecutive_successes"}) {
    if (health.at(key).get<double>() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("executor data: health_check_config.", key, ": must be >= 0"));
    }
  }
  const json& checker = health.at("health_checker");
  auto port = ports.find(kHealthPort);
  if (checker.contains("shell")) {
    spec.kind = CheckerKind::kShell;
    spec.shell_command = checker.at("shell").at("shell_command").get<std::string>();
  } else if (port == ports.end()) {
    spec.kind = CheckerKind::kNone;
  } else if (checker.contains("tcp")) {
    spec.kind = CheckerKind::kTcp;
    spec.port = port->second;
  } else if (checker.contains("http")) {
    const json& http = checker.at("http");
    spec.kind = CheckerKind::kHttp;
    spec.port = port->second;
    spec.endpoint = http.at("endpoint").get<std::string>();
    spec.expected_response = http.at("expected_response").get<std::string>();
    spec.expected_response_code = http.at("expected_response_code").get<int>();
  }
  return spec;
}

absl::StatusOr<LifecycleSpec> ReadLifecycle(const json& job,
                                            const std::map<std::string, int>& ports) {
  ASSIGN_OR_RETURN(json lifecycle, NormalizedJobField(job, "lifecycle"));
  LifecycleSpec spec;
  if (!lifecycle.contains("http")) return spec;
  const json& http = lifecycle.at("http");
  auto port = ports.find(http.at("port").get<std::string>());
  if (port == ports.end()) return spec;
  spec.enabled = true;
  spec.port = port->second;
  spec.graceful_shutdown_endpoint = http.at("graceful_shutdown_endpoint").get<std::string>();
  spec.shutdown_endpoint = http.at("shutdown_endpoint").get<std::string>();
  spec.graceful_shutdown_wait_ms =
      std::max<int64_t>(0, http.at("graceful_shutdown_wait_secs").get<int64_t>()) * 1000;
  spec.shutdown_wait_ms = std::max<int64_t>(0, http.at("shutdown_wait_secs").get<int64_t>()) * 1000;
  return spec;
}

}  // namespace

absl::StatusOr<TaskChecks> ReadTaskChecks(std::string_view executor_data,
                                          const std::map<std::string, int>& ports) {
  json job = json::parse(executor_data, nullptr, /*allow_exceptions=*/false);
  if (job.is_discarded() || !job.is_object()) {
    return absl::InvalidArgumentError("executor data: expected a job object");
  }
  TaskChecks checks;
  ASSIGN_OR_RETURN(checks.health, ReadHealth(job, ports));
  ASSIGN_OR_RETURN(checks.lifecycle, ReadLifecycle(job, ports));
  return checks;
}

}  // namespace borealis::executor
