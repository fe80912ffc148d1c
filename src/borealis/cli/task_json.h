// Machine-readable output (`--write-json`) from the generated Thrift structs, in the shape
// Aurora's client prints: Thrift field names as keys, lists and sets as JSON arrays, maps
// as objects (keys as strings), unions as an object with their one member, optional fields
// only when set, booleans as true/false, and ScheduleStatus values as names ("RUNNING").
//
// ThriftToJson walks any generated struct through its own write() with a protocol that
// builds an nlohmann::json tree, so new fields appear without code here. It cannot tell
// enums from integers; ScheduledTaskJson names the task and event statuses afterwards,
// as Aurora's client does. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <thrift/TBase.h>

#include "absl/status/statusor.h"
#include "gen-cpp/api_types.h"

namespace borealis::cli {

// Any generated struct or union as JSON (enums as numbers).
absl::StatusOr<nlohmann::json> ThriftToJson(const apache::thrift::TBase& value);

// A ScheduledTask with `status` and `taskEvents[].status` as names.
absl::StatusOr<nlohmann::json> ScheduledTaskJson(const api::ScheduledTask& task);

// {"job": job, "active": [task...], "inactive": [task...]}: one element of the list that
// `job status --write-json` prints.
absl::StatusOr<nlohmann::json> JobStatusJson(const std::string& job,
                                             const std::vector<api::ScheduledTask>& active,
                                             const std::vector<api::ScheduledTask>& inactive);

}  // namespace borealis::cli
