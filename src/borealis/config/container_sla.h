// A job's `container` and `sla_policy` (docs/aurora-compatibility.md) from its Pystachio JSON
// into the
// model's TaskConfig. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "borealis/model/task_config.h"

namespace borealis::config {

// Reads job_json["container"] and job_json["sla_policy"] (absent or null: the defaults, a
// plain Mesos container and no SLA policy) into task->container and task->sla_policy.
// The shapes are those Aurora's JSON (and our .aurora loader) emits, untagged Choices:
//  - container: Docker {image: "name:tag", parameters: [{name, value}]}; the deprecated
//    wrapper Container {docker: Docker}; or Mesos {image: DockerImage {name, tag} or
//    AppcImage {name, image_id} (optional), volumes: [{container_path, host_path,
//    mode: "RO"|"RW"}]}. {mesos: Mesos} is accepted too.
//  - sla_policy: PercentageSlaPolicy {percentage, duration_secs}, CountSlaPolicy {count,
//    duration_secs} or CoordinatorSlaPolicy {coordinator_url, status_key = "drain"}.
// Errors are InvalidArgument naming the JSON field path ("container.volumes[1].mode:
// expected \"RO\" or \"RW\"", "sla_policy.percentage: must be in (0, 100]"); `task` is
// left unchanged on error.
absl::Status FillContainerAndSla(const nlohmann::json& job_json, model::TaskConfig* task);

}  // namespace borealis::config
