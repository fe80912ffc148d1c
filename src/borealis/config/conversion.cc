// Conversion of a read job to the model's JobConfiguration (docs/aurora-compatibility.md).
#include "borealis/config/conversion.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/config/container_sla.h"
#include "borealis/config/template.h"
#include "borealis/model/resources.h"
#include "borealis/model/task_config.h"

namespace borealis::config {
namespace {

using nlohmann::json;

constexpr int64_t kMiB = 1024 * 1024;

void CollectPortRefs(const json& node, std::set<std::string>& ports) {
  if (node.is_string()) {
    for (const Ref& ref : FindRefs(node.get<std::string>())) {
      if (IsRuntimeRef(ref) && ref.parts.size() == 3) ports.insert(ref.parts[2].name);
    }
  } else if (node.is_array() || node.is_object()) {
    for (const auto& item : node) CollectPortRefs(item, ports);
  }
}

// Follows portmap aliases from `name`; returns the port name to request, or nothing
// for a static (numeric) port.
absl::StatusOr<std::optional<std::string>> ResolvePortAlias(const json& portmap,
                                                            std::string name) {
  std::set<std::string> seen;
  while (portmap.contains(name)) {
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("announce.portmap: aliases form a cycle through '", name, "'"));
    }
    name = portmap.at(name).get<std::string>();
  }
  int port = 0;
  if (absl::SimpleAtoi(name, &port)) return std::optional<std::string>();
  return std::optional<std::string>(name);
}

absl::StatusOr<model::Resources> ConvertResources(const JobSpec& job) {
  model::Resources r;
  r.milli_cpus = std::llround(job.task.cpu * 1000);
  if (r.milli_cpus <= 0) {
    return absl::InvalidArgumentError("task.resources.cpu: must be at least 0.001");
  }
  r.ram_mb = job.task.ram_bytes / kMiB;
  if (r.ram_mb <= 0) return absl::InvalidArgumentError("task.resources.ram: must be at least 1 MiB");
  r.disk_mb = job.task.disk_bytes / kMiB;
  if (r.disk_mb <= 0) {
    return absl::InvalidArgumentError("task.resources.disk: must be at least 1 MiB");
  }
  r.gpus = job.task.gpu;
  ASSIGN_OR_RETURN(r.named_ports, NamedPorts(job));
  return r;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> NamedPorts(const JobSpec& job) {
  std::set<std::string> ports;
  CollectPortRefs(job.original, ports);
  if (job.original.contains("announce")) {
    const json& announce = job.original.at("announce");
    const json& portmap = announce.at("portmap");
    std::vector<std::string> starts = {announce.at("primary_port").get<std::string>()};
    for (const auto& [key, unused] : portmap.items()) starts.push_back(key);
    for (const std::string& start : starts) {
      ASSIGN_OR_RETURN(std::optional<std::string> name, ResolvePortAlias(portmap, start));
      if (name.has_value()) ports.insert(*name);
    }
  }
  return std::vector<std::string>(ports.begin(), ports.end());
}

absl::StatusOr<model::JobConfiguration> ToJobConfiguration(const JobSpec& job,
                                                           const std::string& owner_user) {
  model::JobConfiguration config;
  config.key = {job.role, job.environment, job.name};
  config.owner_user = owner_user;
  config.cron_schedule = job.cron_schedule;
  if (job.cron_collision_policy == "KILL_EXISTING") {
    config.cron_collision_policy = model::CronCollisionPolicy::kKillExisting;
  } else if (job.cron_collision_policy == "CANCEL_NEW") {
    config.cron_collision_policy = model::CronCollisionPolicy::kCancelNew;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "cron_collision_policy: '", job.cron_collision_policy, "' is not supported"));
  }
  config.instance_count = job.instances;

  model::TaskConfig& task = config.task;
  task.job = config.key;
  task.owner_user = owner_user;
  task.is_service = job.service;
  task.priority = job.priority;
  task.max_task_failures = job.max_task_failures;
  task.production = job.production;
  task.tier = job.tier;
  task.contact_email = job.contact;
  task.metadata = job.metadata;
  std::sort(task.metadata.begin(), task.metadata.end());
  task.partition_policy = job.partition_policy;
  RETURN_IF_ERROR(FillContainerAndSla(job.original, &task));
  ASSIGN_OR_RETURN(task.resources, ConvertResources(job));
  for (const auto& [name, spec] : job.constraints) {  // std::map: sorted by name
    auto constraint = ParseConstraint(name, spec);
    if (!constraint.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("constraints[", name, "]: ", constraint.status().message()));
    }
    task.constraints.push_back(*std::move(constraint));
  }
  const json& executor = job.original.contains("executor_config")
                             ? job.original.at("executor_config")
                             : json::object();
  std::string executor_name = executor.value("name", std::string(kAuroraExecutorName));
  if (executor_name != kAuroraExecutorName) {
    task.executor_name = executor_name;
    task.executor_data = executor.value("data", std::string());
  } else {
    json data = job.original;
    data.erase("update_config");
    data.erase("instances");
    task.executor_name = kAuroraExecutorName;
    task.executor_data = data.dump();
  }
  return config;
}

}  // namespace borealis::config
