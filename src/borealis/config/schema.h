// The Aurora job schema (Thermos and Job; docs/aurora-compatibility.md) as data: typed structs
// with required fields and defaults, the way Pystachio declares them. Normalize()
// checks a JSON value against a type and returns it with every default filled in,
// naming the path of the first problem ("jobs[0].task.processes[1].cmdline: expected a
// string"). The schema objects are immutable statics; everything here is thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace borealis::config {

enum class Kind { kString, kInteger, kFloat, kBoolean, kEnum, kList, kMap, kStruct, kChoice };

struct Type;

struct Field {
  std::string name;
  const Type* type = nullptr;
  bool required = false;
  std::optional<nlohmann::json> default_value;  // unset: the field stays absent (Empty)
};

struct Type {
  Kind kind = Kind::kString;
  std::string name;                       // "String", "Process", "Choice(...)", ...
  std::vector<Field> fields;              // kStruct
  std::vector<std::string> enum_values;   // kEnum
  const Type* element = nullptr;          // kList element, kMap value (keys are strings)
  std::vector<const Type*> choices;       // kChoice, tried in order
};

struct NormalizeOptions {
  // Unknown struct fields are errors when true, silently dropped when false (the
  // executor reads data written by newer clients leniently, as Thermos does).
  bool reject_unknown_fields = true;
};

// Checks `value` against `type` and fills defaults. `path` prefixes error messages;
// an empty path is the document root. JSON null counts as an absent field.
absl::StatusOr<nlohmann::json> Normalize(const nlohmann::json& value, const Type& type,
                                         const std::string& path,
                                         const NormalizeOptions& options);

// Joins a path and a field name: ("jobs[0]", "task") -> "jobs[0].task".
std::string FieldPath(const std::string& path, const std::string& field);

const Type& JobType();
const Type& TaskType();

}  // namespace borealis::config
