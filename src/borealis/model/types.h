// Borealis' own value types for jobs, tasks and agents. Resources are integers in fixed
// units (milli-cpus, MiB); the Thrift types of api.thrift are converted to and from
// these in wire/. Plain values: copyable, comparable, no behaviour beyond small helpers.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "borealis/base/interned.h"
#include "borealis/model/ids.h"
#include "borealis/model/schedule_status.h"

namespace borealis::model {

// role/environment/name. Cluster is not part of the key inside a cluster.
struct JobKey {
  std::string role;
  std::string environment;
  std::string name;

  std::string ToString() const { return role + "/" + environment + "/" + name; }
  auto operator<=>(const JobKey&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const JobKey& k) {
    return H::combine(std::move(h), k.role, k.environment, k.name);
  }
};

// One instance of a job (Thrift InstanceKey).
struct InstanceKey {
  JobKey job;
  int32_t instance_id = 0;

  std::string ToString() const { return job.ToString() + "/" + std::to_string(instance_id); }
  auto operator<=>(const InstanceKey&) const = default;
};

// Scalar resources in integer units plus the names of the ports a task asks for.
struct Resources {
  int64_t milli_cpus = 0;
  int64_t ram_mb = 0;
  int64_t disk_mb = 0;
  int64_t gpus = 0;
  std::vector<std::string> named_ports;  // sorted, unique

  bool operator==(const Resources&) const = default;
};

// A closed range of port numbers [begin, end].
struct PortRange {
  int32_t begin = 0;
  int32_t end = 0;
  bool operator==(const PortRange&) const = default;
};

// One entry of a job's `constraints`: either a value constraint on an attribute
// ("rack": "r1,r2" or "!r1") or a limit constraint ("rack": "limit:1").
struct Constraint {
  std::string name;
  bool is_limit = false;
  int32_t limit = 0;                // when is_limit
  bool negated = false;             // when !is_limit
  std::vector<std::string> values;  // when !is_limit; sorted, unique

  bool operator==(const Constraint&) const = default;
};

struct Metadata {
  std::string key;
  std::string value;
  auto operator<=>(const Metadata&) const = default;
};

struct PartitionPolicy {
  bool reschedule = true;
  std::optional<int64_t> delay_secs;
  bool operator==(const PartitionPolicy&) const = default;
};

// A container image for the Mesos containerizer: Docker (name:tag) or AppC (name, id).
struct DockerImage {
  std::string name;
  std::string tag;
  bool operator==(const DockerImage&) const = default;
};

struct AppcImage {
  std::string name;
  std::string image_id;
  bool operator==(const AppcImage&) const = default;
};

using ContainerImage = std::variant<DockerImage, AppcImage>;

enum class VolumeMode : int { kReadWrite = 1, kReadOnly = 2 };  // Thrift Mode values

struct Volume {
  std::string container_path;
  std::string host_path;
  VolumeMode mode = VolumeMode::kReadOnly;
  bool operator==(const Volume&) const = default;
};

// The default containerizer, optionally with an image and volumes (Thrift MesosContainer).
struct MesosContainer {
  std::optional<ContainerImage> image;
  std::vector<Volume> volumes;  // in the order given
  bool operator==(const MesosContainer&) const = default;
};

struct DockerParameter {
  std::string name;
  std::string value;
  bool operator==(const DockerParameter&) const = default;
};

struct DockerContainer {
  std::string image;
  std::vector<DockerParameter> parameters;  // in the order given
  bool operator==(const DockerContainer&) const = default;
};

// Thrift Container; the default is a plain Mesos container.
using Container = std::variant<MesosContainer, DockerContainer>;

// SLA policies (Thrift SlaPolicy): which share of a job must stay up during maintenance.
struct PercentageSlaPolicy {
  double percentage = 0;  // in (0, 100]
  int64_t duration_secs = 0;
  bool operator==(const PercentageSlaPolicy&) const = default;
};

struct CountSlaPolicy {
  int64_t count = 0;
  int64_t duration_secs = 0;
  bool operator==(const CountSlaPolicy&) const = default;
};

struct CoordinatorSlaPolicy {
  std::string coordinator_url;
  std::string status_key = "drain";
  bool operator==(const CoordinatorSlaPolicy&) const = default;
};

using SlaPolicy = std::variant<PercentageSlaPolicy, CountSlaPolicy, CoordinatorSlaPolicy>;

// The template every instance of a job is built from (Thrift TaskConfig).
struct TaskConfig {
  JobKey job;
  std::string owner_user;  // Identity.user
  bool is_service = false;
  int32_t priority = 0;
  int32_t max_task_failures = 1;
  bool production = false;
  std::string tier;  // empty: unset
  Resources resources;
  std::vector<Constraint> constraints;  // sorted by name
  std::map<std::string, std::string> task_links;
  std::string contact_email;
  std::string executor_name = "AuroraExecutor";
  std::string executor_data;  // the job's JSON (Thermos processes etc.)
  std::vector<Metadata> metadata;  // sorted
  std::optional<PartitionPolicy> partition_policy;
  Container container;  // default: MesosContainer with no image and no volumes
  std::optional<SlaPolicy> sla_policy;

  bool operator==(const TaskConfig&) const = default;
};

enum class CronCollisionPolicy : int { kKillExisting = 0, kCancelNew = 1, kRunOverlap = 2 };

// A job as submitted: its key, template and instance count (Thrift JobConfiguration).
struct JobConfiguration {
  JobKey key;
  std::string owner_user;
  std::string cron_schedule;  // empty: not a cron job
  CronCollisionPolicy cron_collision_policy = CronCollisionPolicy::kKillExisting;
  TaskConfig task;
  int32_t instance_count = 0;

  bool operator==(const JobConfiguration&) const = default;
};

struct TaskEvent {
  int64_t timestamp_ms = 0;
  ScheduleStatus status = ScheduleStatus::kInit;
  std::string message;
  base::InternedString scheduler;  // host of the scheduler that recorded it (few distinct values)

  bool operator==(const TaskEvent&) const = default;
};

// One task: an instance of a job at one point of its life (Thrift ScheduledTask with
// its AssignedTask folded in). The TaskConfig is shared between the tasks of a job.
struct Task {
  TaskId task_id;
  std::shared_ptr<const TaskConfig> config;
  int32_t instance_id = 0;
  AgentId agent_id;        // empty until ASSIGNED
  std::string agent_host;  // empty until ASSIGNED
  std::map<std::string, int32_t> assigned_ports;
  ScheduleStatus status = ScheduleStatus::kInit;
  int32_t failure_count = 0;
  int32_t times_partitioned = 0;
  std::vector<TaskEvent> events;
  TaskId ancestor_id;

  const JobKey& job() const { return config->job; }
  // Time of the newest event, 0 when there is none.
  int64_t LatestEventMs() const { return events.empty() ? 0 : events.back().timestamp_ms; }
};

// Compares two tasks by value, including the pointed-to TaskConfig.
bool SameTask(const Task& a, const Task& b);

// What an agent offers: its resources, ports and attributes, as it registered.
struct AgentInfo {
  AgentId agent_id;
  std::string host;
  Resources resources;  // named_ports unused
  std::vector<PortRange> port_ranges;
  std::map<std::string, std::vector<std::string>> attributes;  // name → values

  bool operator==(const AgentInfo&) const = default;
};

}  // namespace borealis::model
