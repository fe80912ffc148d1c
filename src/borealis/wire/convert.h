// Conversions between Borealis' model types (the value types of model/) and the generated
// Thrift types of api.thrift and agent.thrift.
//
// ToThrift (model -> Thrift) never fails and sets the __isset flag of every field it
// writes, so that the result encodes like a struct built by Aurora's own clients. Unions
// get exactly one member. Optional Thrift fields are written only when the model value is
// non-empty (tier, contactEmail, taskLinks, metadata, cronSchedule, event message/scheduler,
// executorConfig when name or data is non-empty).
//
// FromThrift (Thrift -> model) treats its input as outside input and checks its shape
// only: required nested keys present, enum values known, unions with exactly one member,
// resource kinds given once, numbers representable. Errors are InvalidArgument with the
// field path relative to the argument ("taskConfig.resources: numCpus appears twice");
// semantic checks (cpus > 0, names well-formed, quota) belong to the caller. Fetcher URIs
// are refused with "mesosFetcherUris: not supported yet". Containers (Docker, Mesos with an
// image or volumes) and SLA policies are decoded and kept; whether a task can run in its
// container is the agent's decision (agent/launch_checks.h).
//
// For any model value v that satisfies the model's own invariants (sorted unique lists,
// non-null task config), FromThrift(ToThrift(v)) == v. Stateless and thread-safe.
#pragma once

#include <memory>
#include <set>

#include "absl/status/statusor.h"
#include "borealis/model/agent_info.h"
#include "borealis/model/constraint.h"
#include "borealis/model/container.h"
#include "borealis/model/job_configuration.h"
#include "borealis/model/job_key.h"
#include "borealis/model/resources.h"
#include "borealis/model/schedule_status.h"
#include "borealis/model/sla_policy.h"
#include "borealis/model/task.h"
#include "borealis/model/task_config.h"
#include "gen-cpp/agent_types.h"
#include "gen-cpp/api_types.h"

namespace borealis::wire {

// --- enums -------------------------------------------------------------------------------

api::ScheduleStatus::type ToThrift(model::ScheduleStatus status);
absl::StatusOr<model::ScheduleStatus> FromThrift(api::ScheduleStatus::type status);

api::CronCollisionPolicy::type ToThrift(model::CronCollisionPolicy policy);
absl::StatusOr<model::CronCollisionPolicy> FromThrift(api::CronCollisionPolicy::type policy);

// --- task configuration ------------------------------------------------------------------

api::JobKey ToThrift(const model::JobKey& key);
model::JobKey FromThrift(const api::JobKey& key);

// numCpus = milli_cpus / 1000, ramMb, diskMb always; numGpus when non-zero; one namedPort
// per port. Decoding rounds numCpus to the nearest milli-cpu and sorts the port names.
std::set<api::Resource> ToThrift(const model::Resources& resources);
absl::StatusOr<model::Resources> FromThrift(const std::set<api::Resource>& resources);
api::ResourceAggregate ToResourceAggregate(const model::Resources& resources);
absl::StatusOr<model::Resources> FromThrift(const api::ResourceAggregate& aggregate);

api::Constraint ToThrift(const model::Constraint& constraint);
absl::StatusOr<model::Constraint> FromThrift(const api::Constraint& constraint);

api::Metadata ToThrift(const model::Metadata& metadata);
model::Metadata FromThrift(const api::Metadata& metadata);

api::PartitionPolicy ToThrift(const model::PartitionPolicy& policy);
model::PartitionPolicy FromThrift(const api::PartitionPolicy& policy);

// One member of the union (an empty mesos next to docker is the default Thrift's decoders
// leave behind, not a second member). Required strings (docker.image, image names, tags and
// ids, volume paths, parameter names) must be non-empty; volume modes RO or RW. An unset
// Container is its Thrift default, {mesos: {}}.
api::Container ToThrift(const model::Container& container);
absl::StatusOr<model::Container> FromThrift(const api::Container& container);

// Exactly one member; percentage in (0, 100], count > 0, durationSecs >= 0,
// coordinatorUrl non-empty; an empty statusKey decodes to "drain".
api::SlaPolicy ToThrift(const model::SlaPolicy& policy);
absl::StatusOr<model::SlaPolicy> FromThrift(const api::SlaPolicy& policy);

// owner_user <-> owner.user; executor_name/data <-> executorConfig; container and
// slaPolicy as above (container always written). An absent executorConfig decodes to
// empty name and data.
api::TaskConfig ToThrift(const model::TaskConfig& config);
absl::StatusOr<model::TaskConfig> FromThrift(const api::TaskConfig& config);

// A missing `key` is taken from taskConfig.job and a missing taskConfig.job from `key`
// (older clients set only one of them); if both are missing: "key: missing".
api::JobConfiguration ToThrift(const model::JobConfiguration& job);
absl::StatusOr<model::JobConfiguration> FromThrift(const api::JobConfiguration& job);

// --- tasks ---------------------------------------------------------------------------------

api::TaskEvent ToThrift(const model::TaskEvent& event);
absl::StatusOr<model::TaskEvent> FromThrift(const api::TaskEvent& event);

// The AssignedTask part of a task (what LaunchTask carries). task.config must be non-null;
// a null config yields an empty TaskConfig.
api::AssignedTask ToAssignedTask(const model::Task& task);
// The same with task.config already converted (callers launching many tasks of one job).
api::AssignedTask ToAssignedTask(const model::Task& task, api::TaskConfig config);
// A task from an AssignedTask alone: status kInit, no events, counters zero.
absl::StatusOr<model::Task> FromThrift(const api::AssignedTask& assigned);

api::ScheduledTask ToThrift(const model::Task& task);
// Decodes assignedTask.task into a new shared TaskConfig.
absl::StatusOr<model::Task> FromThrift(const api::ScheduledTask& task);
// Uses `config` (must be non-null) instead of decoding assignedTask.task, so that callers
// can share one TaskConfig between the tasks of a job (e.g. deduplicated snapshots).
absl::StatusOr<model::Task> FromThrift(const api::ScheduledTask& task,
                                       std::shared_ptr<const model::TaskConfig> config);

// --- agents ------------------------------------------------------------------------------

// agentId, host, resources (named_ports ignored), port ranges and attributes; `tasks` and
// `version` are left empty for the caller.
agentproto::RegisterAgent ToRegisterAgent(const model::AgentInfo& agent);
// Requires agentId and host; port ranges must satisfy 0 <= first <= last <= 65535.
absl::StatusOr<model::AgentInfo> FromThrift(const agentproto::RegisterAgent& registration);

}  // namespace borealis::wire
