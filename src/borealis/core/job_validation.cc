#include "borealis/core/job_validation.h"

#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/core/cron.h"

namespace borealis::core {

namespace {

// Aurora's defaults (-allowed_container_types=MESOS, -allow_container_volumes=false), and
// images need a container runtime the agent does not have yet.
absl::Status ValidateContainer(const model::Container& container) {
  if (std::holds_alternative<model::DockerContainer>(container)) {
    return absl::InvalidArgumentError(
        "taskConfig.container: the container type DOCKER is not allowed (allowed: MESOS)");
  }
  const auto& mesos = std::get<model::MesosContainer>(container);
  if (!mesos.volumes.empty()) {
    return absl::InvalidArgumentError(
        "taskConfig.container.mesos.volumes: the container may not mount volumes");
  }
  if (mesos.image.has_value()) {
    return absl::UnimplementedError(
        "taskConfig.container.mesos.image: container images are not supported yet");
  }
  return absl::OkStatus();
}

}  // namespace

bool IsGoodIdentifier(std::string_view value) {
  if (value.empty()) return false;
  for (const char c : value) {
    const bool good = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!good) return false;
  }
  return true;
}

JobValidator::JobValidator(JobLimits limits)
    : limits_(std::move(limits)), environment_re_(limits_.environment_pattern) {}

absl::Status JobValidator::Validate(const model::JobConfiguration& job) const {
  const std::pair<const char*, const std::string*> parts[] = {
      {"role", &job.key.role}, {"environment", &job.key.environment}, {"name", &job.key.name}};
  for (const auto& [field, value] : parts) {
    if (!IsGoodIdentifier(*value)) {
      return absl::InvalidArgumentError(absl::StrCat("key.", field, ": '", *value,
                                                     "' is not a valid identifier "
                                                     "(letters, digits, '_', '-' and '.')"));
    }
  }
  if (!std::regex_match(job.key.environment, environment_re_)) {
    return absl::InvalidArgumentError(
        absl::StrCat("key.environment: '", job.key.environment, "' does not match ",
                     limits_.environment_pattern));
  }
  if (!job.cron_schedule.empty() && job.task.is_service) {
    return absl::InvalidArgumentError(
        "cronSchedule: a job may not be both a service and a cron job");
  }
  if (!job.cron_schedule.empty()) {
    if (auto schedule = ParseCronSchedule(job.cron_schedule); !schedule.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("cronSchedule: ", schedule.status().message()));
    }
  }
  if (job.instance_count <= 0) {
    return absl::InvalidArgumentError("instanceCount: must be at least 1");
  }
  if (job.instance_count > limits_.max_instances_per_job) {
    return absl::InvalidArgumentError(absl::StrCat("instanceCount: ", job.instance_count,
                                                   " exceeds the limit of ",
                                                   limits_.max_instances_per_job));
  }
  const model::Resources& r = job.task.resources;
  if (r.milli_cpus <= 0) {
    return absl::InvalidArgumentError("taskConfig.resources: numCpus must be > 0");
  }
  if (r.ram_mb <= 0) return absl::InvalidArgumentError("taskConfig.resources: ramMb must be > 0");
  if (r.disk_mb <= 0) {
    return absl::InvalidArgumentError("taskConfig.resources: diskMb must be > 0");
  }
  RETURN_IF_ERROR(ValidateContainer(job.task.container));
  if (job.task.job != job.key) {
    return absl::InvalidArgumentError(absl::StrCat("taskConfig.job: '", job.task.job.ToString(),
                                                   "' differs from the job key '",
                                                   job.key.ToString(), "'"));
  }
  return absl::OkStatus();
}

}  // namespace borealis::core
