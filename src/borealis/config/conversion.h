// JobSpec -> model::JobConfiguration, as Aurora's client builds the Thrift
// JobConfiguration (docs/aurora-compatibility.md). Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "borealis/config/job_spec.h"
#include "borealis/model/job_configuration.h"

namespace borealis::config {

// The executor name Aurora's client gives Thermos tasks.
inline constexpr char kAuroraExecutorName[] = "AuroraExecutor";

// Converts a job read by ParseJobsJson:
//  - resources: cpu -> milli-cpus (rounded), ram/disk bytes -> MiB (floor, at least 1),
//    gpus; named ports: every {{thermos.ports[NAME]}} in any string of the job plus the
//    announcer's primary port and portmap targets (sorted, unique);
//  - constraints map -> model::Constraint (sorted by name);
//  - executor data: the job's JSON (defaults filled, machine-bound templates left in
//    place) without `update_config` and `instances`, keys sorted; a custom
//    `executor_config` (name other than AuroraExecutor) gives its own name and data;
//  - tier is left as written (the tier backfill needs the scheduler's tier list).
absl::StatusOr<model::JobConfiguration> ToJobConfiguration(const JobSpec& job,
                                                           const std::string& owner_user);

// The named ports the job asks for (see above), sorted and unique.
absl::StatusOr<std::vector<std::string>> NamedPorts(const JobSpec& job);

}  // namespace borealis::config
