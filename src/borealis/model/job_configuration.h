// JobConfiguration: a job as submitted (Thrift JobConfiguration), its key, task template,
// instance count and cron settings.
#pragma once

#include <cstdint>
#include <string>

#include "borealis/model/job_key.h"
#include "borealis/model/task_config.h"

namespace borealis::model {

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

}  // namespace borealis::model
