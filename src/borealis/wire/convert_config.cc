// convert.h, configuration half: enums, job keys, resources, constraints, metadata,
// partition policy, TaskConfig and JobConfiguration (containers and SLA policies are in
// convert_container.cc).
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/model/constraint.h"
#include "borealis/model/job_configuration.h"
#include "borealis/model/job_key.h"
#include "borealis/model/resources.h"
#include "borealis/model/task_config.h"
#include "borealis/wire/convert.h"
#include "borealis/wire/field_path.h"

namespace borealis::wire {
namespace {

// Cpus beyond this many cores cannot be expressed in int64 milli-cpus with margin.
constexpr double kMaxCpus = 1e15;

// A JobKey field is "missing" when the peer did not send it. Structs built in C++ without
// the __set_ helpers count as present when any component is non-empty.
bool Missing(bool isset, const api::JobKey& key) {
  return !isset && key.role.empty() && key.environment.empty() && key.name.empty();
}

int CountMembers(const api::Resource& r) {
  return int{r.__isset.numCpus} + int{r.__isset.ramMb} + int{r.__isset.diskMb} +
         int{r.__isset.namedPort} + int{r.__isset.numGpus};
}

// Records one scalar resource, refusing a second occurrence of the same kind.
absl::Status TakeOnce(const char* kind, bool* seen, int64_t value, int64_t* out) {
  if (*seen) return absl::InvalidArgumentError(absl::StrCat(kind, " appears more than once"));
  *seen = true;
  *out = value;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<model::Constraint>> DecodeConstraints(
    const std::set<api::Constraint>& constraints) {
  std::vector<model::Constraint> out;
  out.reserve(constraints.size());
  for (const api::Constraint& c : constraints) {
    ASSIGN_OR_RETURN(model::Constraint decoded,
                     InField(absl::StrCat("[", c.name, "]"), FromThrift(c)));
    out.push_back(std::move(decoded));
  }
  std::stable_sort(out.begin(), out.end(), [](const model::Constraint& a,
                                               const model::Constraint& b) {
    return a.name < b.name;
  });
  return out;
}

// The TaskConfig decoder; `fallback_job` (may be null) stands in for a missing job key.
absl::StatusOr<model::TaskConfig> DecodeTaskConfig(const api::TaskConfig& t,
                                                   const api::JobKey* fallback_job) {
  model::TaskConfig c;
  if (!Missing(t.__isset.job, t.job)) {
    c.job = FromThrift(t.job);
  } else if (fallback_job != nullptr) {
    c.job = FromThrift(*fallback_job);
  } else {
    return FieldError("job", "missing");
  }
  c.owner_user = t.owner.user;
  c.is_service = t.isService;
  c.priority = t.priority;
  c.max_task_failures = t.maxTaskFailures;
  c.production = t.__isset.production && t.production;
  if (t.__isset.tier) c.tier = t.tier;
  ASSIGN_OR_RETURN(c.resources, InField("resources", FromThrift(t.resources)));
  ASSIGN_OR_RETURN(c.constraints, InField("constraints", DecodeConstraints(t.constraints)));
  if (t.__isset.mesosFetcherUris && !t.mesosFetcherUris.empty()) {
    return FieldError("mesosFetcherUris", "not supported yet");
  }
  if (t.__isset.taskLinks) c.task_links = t.taskLinks;
  if (t.__isset.contactEmail) c.contact_email = t.contactEmail;
  if (t.__isset.executorConfig) {
    c.executor_name = t.executorConfig.name;
    c.executor_data = t.executorConfig.data;
  } else {
    c.executor_name.clear();
    c.executor_data.clear();
  }
  if (t.__isset.metadata) {
    for (const api::Metadata& m : t.metadata) c.metadata.push_back(FromThrift(m));
    std::sort(c.metadata.begin(), c.metadata.end());
  }
  if (t.__isset.partitionPolicy) c.partition_policy = FromThrift(t.partitionPolicy);
  if (t.__isset.slaPolicy) {
    ASSIGN_OR_RETURN(c.sla_policy, InField("slaPolicy", FromThrift(t.slaPolicy)));
  }
  ASSIGN_OR_RETURN(c.container, InField("container", FromThrift(t.container)));
  return c;
}

}  // namespace

api::ScheduleStatus::type ToThrift(model::ScheduleStatus status) {
  // The model enum carries Aurora's numeric values.
  return static_cast<api::ScheduleStatus::type>(static_cast<int>(status));
}

absl::StatusOr<model::ScheduleStatus> FromThrift(api::ScheduleStatus::type status) {
  std::optional<model::ScheduleStatus> s = model::StatusFromInt(static_cast<int>(status));
  if (!s) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown ScheduleStatus value ", static_cast<int>(status)));
  }
  return *s;
}

api::CronCollisionPolicy::type ToThrift(model::CronCollisionPolicy policy) {
  return static_cast<api::CronCollisionPolicy::type>(static_cast<int>(policy));
}

absl::StatusOr<model::CronCollisionPolicy> FromThrift(api::CronCollisionPolicy::type policy) {
  switch (policy) {
    case api::CronCollisionPolicy::KILL_EXISTING:
      return model::CronCollisionPolicy::kKillExisting;
    case api::CronCollisionPolicy::CANCEL_NEW:
      return model::CronCollisionPolicy::kCancelNew;
    case api::CronCollisionPolicy::RUN_OVERLAP:
      return model::CronCollisionPolicy::kRunOverlap;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown CronCollisionPolicy value ", static_cast<int>(policy)));
}

api::JobKey ToThrift(const model::JobKey& key) {
  api::JobKey k;
  k.__set_role(key.role);
  k.__set_environment(key.environment);
  k.__set_name(key.name);
  return k;
}

model::JobKey FromThrift(const api::JobKey& key) {
  return model::JobKey{key.role, key.environment, key.name};
}

std::set<api::Resource> ToThrift(const model::Resources& resources) {
  std::set<api::Resource> out;
  api::Resource cpus;
  cpus.__set_numCpus(static_cast<double>(resources.milli_cpus) / 1000.0);
  out.insert(std::move(cpus));
  api::Resource ram;
  ram.__set_ramMb(resources.ram_mb);
  out.insert(std::move(ram));
  api::Resource disk;
  disk.__set_diskMb(resources.disk_mb);
  out.insert(std::move(disk));
  if (resources.gpus != 0) {
    api::Resource gpus;
    gpus.__set_numGpus(resources.gpus);
    out.insert(std::move(gpus));
  }
  for (const std::string& port : resources.named_ports) {
    api::Resource named;
    named.__set_namedPort(port);
    out.insert(std::move(named));
  }
  return out;
}

absl::StatusOr<model::Resources> FromThrift(const std::set<api::Resource>& resources) {
  model::Resources out;
  bool cpus = false, ram = false, disk = false, gpus = false;
  for (const api::Resource& r : resources) {
    const int members = CountMembers(r);
    if (members != 1) {
      return absl::InvalidArgumentError(members == 0 ? "a Resource has no member set"
                                                     : "a Resource has more than one member set");
    }
    if (r.__isset.numCpus) {
      if (!std::isfinite(r.numCpus) || std::fabs(r.numCpus) > kMaxCpus) {
        return absl::InvalidArgumentError(absl::StrCat("numCpus ", r.numCpus, " is out of range"));
      }
      RETURN_IF_ERROR(TakeOnce("numCpus", &cpus, std::llround(r.numCpus * 1000.0),
                               &out.milli_cpus));
    } else if (r.__isset.ramMb) {
      RETURN_IF_ERROR(TakeOnce("ramMb", &ram, r.ramMb, &out.ram_mb));
    } else if (r.__isset.diskMb) {
      RETURN_IF_ERROR(TakeOnce("diskMb", &disk, r.diskMb, &out.disk_mb));
    } else if (r.__isset.numGpus) {
      RETURN_IF_ERROR(TakeOnce("numGpus", &gpus, r.numGpus, &out.gpus));
    } else {
      out.named_ports.push_back(r.namedPort);
    }
  }
  std::sort(out.named_ports.begin(), out.named_ports.end());
  auto dup = std::adjacent_find(out.named_ports.begin(), out.named_ports.end());
  if (dup != out.named_ports.end()) {
    return absl::InvalidArgumentError(absl::StrCat("duplicate namedPort '", *dup, "'"));
  }
  return out;
}

api::ResourceAggregate ToResourceAggregate(const model::Resources& resources) {
  api::ResourceAggregate aggregate;
  aggregate.__set_resources(ToThrift(resources));
  return aggregate;
}

absl::StatusOr<model::Resources> FromThrift(const api::ResourceAggregate& aggregate) {
  return InField("resources", FromThrift(aggregate.resources));
}

api::Constraint ToThrift(const model::Constraint& constraint) {
  api::TaskConstraint inner;
  if (constraint.is_limit) {
    api::LimitConstraint limit;
    limit.__set_limit(constraint.limit);
    inner.__set_limit(limit);
  } else {
    api::ValueConstraint value;
    value.__set_negated(constraint.negated);
    value.__set_values(std::set<std::string>(constraint.values.begin(), constraint.values.end()));
    inner.__set_value(std::move(value));
  }
  api::Constraint c;
  c.__set_name(constraint.name);
  c.__set_constraint(std::move(inner));
  return c;
}

absl::StatusOr<model::Constraint> FromThrift(const api::Constraint& constraint) {
  const api::TaskConstraint& inner = constraint.constraint;
  if (inner.__isset.value == inner.__isset.limit) {
    return FieldError("constraint", inner.__isset.value ? "both value and limit are set"
                                                        : "neither value nor limit is set");
  }
  model::Constraint c;
  c.name = constraint.name;
  if (inner.__isset.limit) {
    c.is_limit = true;
    c.limit = inner.limit.limit;
  } else {
    c.negated = inner.value.negated;
    c.values.assign(inner.value.values.begin(), inner.value.values.end());
  }
  return c;
}

api::Metadata ToThrift(const model::Metadata& metadata) {
  api::Metadata m;
  m.__set_key(metadata.key);
  m.__set_value(metadata.value);
  return m;
}

model::Metadata FromThrift(const api::Metadata& metadata) {
  return model::Metadata{metadata.key, metadata.value};
}

api::PartitionPolicy ToThrift(const model::PartitionPolicy& policy) {
  api::PartitionPolicy p;
  p.__set_reschedule(policy.reschedule);
  if (policy.delay_secs) p.__set_delaySecs(*policy.delay_secs);
  return p;
}

model::PartitionPolicy FromThrift(const api::PartitionPolicy& policy) {
  model::PartitionPolicy p;
  p.reschedule = policy.reschedule;
  if (policy.__isset.delaySecs) p.delay_secs = policy.delaySecs;
  return p;
}

api::TaskConfig ToThrift(const model::TaskConfig& config) {
  api::TaskConfig t;
  t.__set_job(ToThrift(config.job));
  api::Identity owner;
  owner.__set_user(config.owner_user);
  t.__set_owner(std::move(owner));
  t.__set_isService(config.is_service);
  t.__set_priority(config.priority);
  t.__set_maxTaskFailures(config.max_task_failures);
  t.__set_production(config.production);
  if (!config.tier.empty()) t.__set_tier(config.tier);
  t.__set_resources(ToThrift(config.resources));
  std::set<api::Constraint> constraints;
  for (const model::Constraint& c : config.constraints) constraints.insert(ToThrift(c));
  t.__set_constraints(std::move(constraints));
  if (!config.task_links.empty()) t.__set_taskLinks(config.task_links);
  if (!config.contact_email.empty()) t.__set_contactEmail(config.contact_email);
  if (!config.executor_name.empty() || !config.executor_data.empty()) {
    api::ExecutorConfig executor;
    executor.__set_name(config.executor_name);
    executor.__set_data(config.executor_data);
    t.__set_executorConfig(std::move(executor));
  }
  if (!config.metadata.empty()) {
    std::set<api::Metadata> metadata;
    for (const model::Metadata& m : config.metadata) metadata.insert(ToThrift(m));
    t.__set_metadata(std::move(metadata));
  }
  if (config.partition_policy) t.__set_partitionPolicy(ToThrift(*config.partition_policy));
  if (config.sla_policy) t.__set_slaPolicy(ToThrift(*config.sla_policy));
  t.__set_container(ToThrift(config.container));
  return t;
}

absl::StatusOr<model::TaskConfig> FromThrift(const api::TaskConfig& config) {
  return DecodeTaskConfig(config, nullptr);
}

api::JobConfiguration ToThrift(const model::JobConfiguration& job) {
  api::JobConfiguration j;
  j.__set_key(ToThrift(job.key));
  api::Identity owner;
  owner.__set_user(job.owner_user);
  j.__set_owner(std::move(owner));
  if (!job.cron_schedule.empty()) j.__set_cronSchedule(job.cron_schedule);
  j.__set_cronCollisionPolicy(ToThrift(job.cron_collision_policy));
  j.__set_taskConfig(ToThrift(job.task));
  j.__set_instanceCount(job.instance_count);
  return j;
}

absl::StatusOr<model::JobConfiguration> FromThrift(const api::JobConfiguration& job) {
  const api::JobKey* key = &job.key;
  if (Missing(job.__isset.key, job.key)) {
    if (Missing(job.taskConfig.__isset.job, job.taskConfig.job)) {
      return FieldError("key", "missing");
    }
    key = &job.taskConfig.job;
  }
  model::JobConfiguration j;
  j.key = FromThrift(*key);
  j.owner_user = job.owner.user;
  if (job.__isset.cronSchedule) j.cron_schedule = job.cronSchedule;
  ASSIGN_OR_RETURN(j.cron_collision_policy,
                   InField("cronCollisionPolicy", FromThrift(job.cronCollisionPolicy)));
  ASSIGN_OR_RETURN(j.task, InField("taskConfig", DecodeTaskConfig(job.taskConfig, key)));
  j.instance_count = job.instanceCount;
  return j;
}

}  // namespace borealis::wire
