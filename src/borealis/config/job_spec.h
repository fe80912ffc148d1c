// Aurora jobs read from JSON (`--read-json`, docs/aurora-compatibility.md) and the Thermos task the
// executor reads from `executorConfig.data`. One reader serves both.
//
// ParseJobsJson checks a document against the schema (schema.h), fills every default,
// resolves job-level templates ({{role}}, {{name}}, {{task.name}}, {{primary_port}}, ...;
// Pystachio scoping: innermost struct first), leaves the machine-bound ones
// ({{mesos.instance}}, {{mesos.hostname}}, {{thermos.task_id}}, {{thermos.ports[X]}}) in
// place, and validates what Aurora asks of a JSON job. Every error names the source and
// the field path. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "borealis/model/constraint.h"
#include "borealis/model/task_config.h"

namespace borealis::config {

struct ProcessSpec {
  std::string name;
  std::string cmdline;
  int max_failures = 1;  // 0: retry forever
  bool daemon = false;
  bool ephemeral = false;
  bool final = false;
  int min_duration_secs = 5;
};

struct TaskSpec {
  std::string name;
  std::vector<ProcessSpec> processes;
  // Each entry is one Constraint's `order`: every process depends on its predecessor.
  std::vector<std::vector<std::string>> order_constraints;
  int max_failures = 1;  // failed processes that fail the task; 0: unlimited
  int max_concurrency = 0;  // 0: unlimited
  int finalization_wait_secs = 30;
  // Resources as written in the job (bytes).
  double cpu = 0;
  int64_t ram_bytes = 0;
  int64_t disk_bytes = 0;
  int64_t gpu = 0;
};

struct JobSpec {
  std::string name;
  std::string role;
  std::string environment;
  std::string cluster;
  std::string contact;
  std::string tier;
  std::string cron_schedule;
  std::string cron_collision_policy = "KILL_EXISTING";
  int instances = 1;
  bool service = false;
  bool production = false;
  int max_task_failures = 1;
  int priority = 0;
  std::map<std::string, std::string> constraints;  // scheduling constraints
  std::vector<model::Metadata> metadata;          // sorted
  std::optional<model::PartitionPolicy> partition_policy;
  TaskSpec task;
  // The job object as given, with every schema default filled in and job-level
  // templates resolved (machine-bound templates left in place).
  nlohmann::json original;
};

// Reads a single Job object or {"jobs": [...]}. `source_name` (a file name) prefixes
// every error: "hello.json: jobs[0].task.processes[1].cmdline: expected a string".
// Unknown fields are errors.
absl::StatusOr<std::vector<JobSpec>> ParseJobsJson(std::string_view text,
                                                   std::string_view source_name);

// Reads the task out of executor data (the job JSON written by ToJobConfiguration or
// by Aurora's client). Unknown fields are ignored, job-level fields are not required;
// the task is validated as in ParseJobsJson. Errors start with "executor data: ".
absl::StatusOr<TaskSpec> ParseExecutorData(std::string_view executor_data);

// Parses one value of a job's `constraints` map: "limit:N", "!a,b" or "a,b".
absl::StatusOr<model::Constraint> ParseConstraint(const std::string& name,
                                                  const std::string& spec);

}  // namespace borealis::config
