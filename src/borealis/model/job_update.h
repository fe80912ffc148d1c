// Job updates as values: Aurora's JobUpdate* structs (api.thrift) as thin model structs,
// so that core/ (the update's decisions) and state/ (its records) stay free of Thrift.
// wire/convert_update.cc converts them. Numeric values of the enums are Aurora's.
// Instance sets are kept as sorted, non-overlapping ranges (Aurora's set<Range>).
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "borealis/model/job_key.h"
#include "borealis/model/task_config.h"

namespace borealis::model {

enum class UpdateStatus : int {
  kRollingForward = 0,
  kRollingBack = 1,
  kRollForwardPaused = 2,
  kRollBackPaused = 3,
  kRolledForward = 4,
  kRolledBack = 5,
  kAborted = 6,
  kError = 7,
  kFailed = 8,
  kRollForwardAwaitingPulse = 9,
  kRollBackAwaitingPulse = 10,
};

enum class UpdateAction : int {
  kInstanceUpdated = 1,
  kInstanceRolledBack = 2,
  kInstanceUpdating = 3,
  kInstanceRollingBack = 4,
  kInstanceUpdateFailed = 5,
  kInstanceRollbackFailed = 6,
};

// "ROLLING_FORWARD", ... as Aurora spells them.
const std::string& UpdateStatusName(UpdateStatus s);
std::optional<UpdateStatus> UpdateStatusFromInt(int value);
std::optional<UpdateAction> UpdateActionFromInt(int value);

// An inclusive range of instance ids.
struct Range {
  int32_t first = 0;
  int32_t last = 0;
  auto operator<=>(const Range&) const = default;
};
// Sorted ids → the fewest ranges; ranges → sorted, distinct ids.
std::vector<Range> ToRanges(std::vector<int32_t> ids);
std::vector<int32_t> FromRanges(const std::vector<Range>& ranges);

struct JobUpdateKey {
  JobKey job;
  std::string id;
  std::string ToString() const { return job.ToString() + "/" + id; }
  auto operator<=>(const JobUpdateKey&) const = default;
};

// Which instances may move next (JobUpdateStrategy). kNone: the request set none, and the
// legacy fields (updateGroupSize, waitForBatchCompletion) decide.
struct UpdateStrategy {
  enum class Kind { kQueue, kBatch, kVariableBatch };
  Kind kind = Kind::kQueue;
  std::vector<int32_t> group_sizes;  // one for Queue and Batch
  bool autopause_after_batch = false;
  bool operator==(const UpdateStrategy&) const = default;
};

struct JobUpdateSettings {
  int32_t update_group_size = 0;  // deprecated: used only when no strategy is set
  int32_t max_per_instance_failures = 0;
  int32_t max_failed_instances = 0;
  int32_t min_wait_in_instance_running_ms = 0;
  bool rollback_on_failure = false;
  std::vector<Range> update_only_these_instances;
  bool wait_for_batch_completion = false;  // deprecated, as update_group_size
  std::optional<int32_t> block_if_no_pulses_after_ms;
  std::optional<bool> sla_aware;
  std::optional<UpdateStrategy> strategy;
  bool operator==(const JobUpdateSettings&) const = default;
};

struct JobUpdateEvent {
  UpdateStatus status = UpdateStatus::kRollingForward;
  int64_t timestamp_ms = 0;
  std::optional<std::string> user;
  std::optional<std::string> message;
  bool operator==(const JobUpdateEvent&) const = default;
};

struct JobInstanceUpdateEvent {
  int32_t instance_id = 0;
  int64_t timestamp_ms = 0;
  UpdateAction action = UpdateAction::kInstanceUpdating;
  std::optional<std::string> message;
  bool operator==(const JobInstanceUpdateEvent&) const = default;
};

struct InstanceTaskConfig {
  std::shared_ptr<const TaskConfig> task;
  std::vector<Range> instances;
};
bool operator==(const InstanceTaskConfig& a, const InstanceTaskConfig& b);

struct JobUpdateSummary {
  JobUpdateKey key;
  std::string user;
  // JobUpdateState: kept by state::JobUpdateTable from the events.
  UpdateStatus status = UpdateStatus::kRollingForward;
  int64_t created_ms = 0;
  int64_t last_modified_ms = 0;
  std::vector<Metadata> metadata;  // sorted
  bool operator==(const JobUpdateSummary&) const = default;
};

struct JobUpdateInstructions {
  std::vector<InstanceTaskConfig> initial_state;
  std::optional<InstanceTaskConfig> desired_state;  // none when the update only removes
  JobUpdateSettings settings;
  bool operator==(const JobUpdateInstructions&) const = default;
};

struct JobUpdate {
  JobUpdateSummary summary;
  JobUpdateInstructions instructions;
  bool operator==(const JobUpdate&) const = default;
};

struct JobUpdateDetails {
  JobUpdate update;
  std::vector<JobUpdateEvent> update_events;            // oldest first
  std::vector<JobInstanceUpdateEvent> instance_events;  // oldest first
  bool operator==(const JobUpdateDetails&) const = default;
};

}  // namespace borealis::model
