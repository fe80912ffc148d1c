// TaskConfig: the template every instance of a job is built from (Thrift TaskConfig), with
// the small values only it holds (Metadata, PartitionPolicy). Tasks share one immutable
// copy per job (task.h). Lists that are sets are kept sorted, so equal configs compare
// equal.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "borealis/model/constraint.h"
#include "borealis/model/container.h"
#include "borealis/model/job_key.h"
#include "borealis/model/resources.h"
#include "borealis/model/sla_policy.h"

namespace borealis::model {

struct Metadata {
  std::string key;
  std::string value;
  auto operator<=>(const Metadata&) const = default;
};

// What happens to a task whose agent is partitioned (PARTITIONED, then LOST).
struct PartitionPolicy {
  bool reschedule = true;
  std::optional<int64_t> delay_secs;
  bool operator==(const PartitionPolicy&) const = default;
};

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

}  // namespace borealis::model
