// Task: one instance of a job at one point of its life, with the events of its state
// changes. Tasks of a job share their TaskConfig (a shared pointer to an immutable
// value), so SameTask compares the configs by value, not by address.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "borealis/base/interned.h"
#include "borealis/model/ids.h"
#include "borealis/model/job_key.h"
#include "borealis/model/schedule_status.h"
#include "borealis/model/task_config.h"

namespace borealis::model {

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

}  // namespace borealis::model
