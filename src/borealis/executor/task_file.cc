// Parsing of task.json (see task_file.h).
#include "borealis/executor/task_file.h"

#include <limits>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"

namespace borealis::executor {
namespace {

using nlohmann::json;

absl::Status FieldError(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("task.json: field '", field, "': ", what));
}

absl::StatusOr<std::string> RequiredString(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end()) return FieldError(key, "missing");
  if (!it->is_string()) return FieldError(key, "expected a string");
  return it->get<std::string>();
}

absl::StatusOr<int64_t> Integer(const json& value, const std::string& field, int64_t min,
                                int64_t max) {
  if (!value.is_number_integer()) return FieldError(field, "expected an integer");
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(max)) {
    return FieldError(field, "out of range");
  }
  int64_t v = value.get<int64_t>();
  if (v < min || v > max) return FieldError(field, "out of range");
  return v;
}

// The optional isolation fields (see task_file.h).
absl::Status ParseIsolationFields(const json& doc, TaskFile& task) {
  if (doc.contains("isolation")) {
    const json& v = doc["isolation"];
    if (!v.is_string() || (v != "cgroups" && v != "none")) {
      return FieldError("isolation", "expected \"cgroups\" or \"none\"");
    }
    task.isolation = v.get<std::string>();
  }
  if (doc.contains("cgroup_parent")) {
    const json& v = doc["cgroup_parent"];
    if (!v.is_string() || v.get<std::string>().find("..") != std::string::npos) {
      return FieldError("cgroup_parent", "expected a cgroup path without '..'");
    }
    task.cgroup_parent = v.get<std::string>();
  }
  if (doc.contains("run_as_agent_user")) {
    if (!doc["run_as_agent_user"].is_boolean()) {
      return FieldError("run_as_agent_user", "expected true or false");
    }
    task.run_as_agent_user = doc["run_as_agent_user"].get<bool>();
  }
  if (doc.contains("disk_check_interval_ms")) {
    auto v = Integer(doc["disk_check_interval_ms"], "disk_check_interval_ms", 1,
                     24LL * 3600 * 1000);
    if (!v.ok()) return v.status();
    task.disk_check_interval_ms = *v;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TaskFile> ParseTaskFile(std::string_view text) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("task.json: invalid JSON: ", e.what()));
  }
  if (!doc.is_object()) return absl::InvalidArgumentError("task.json: expected an object");
  TaskFile task;
  auto task_id = RequiredString(doc, "task_id");
  if (!task_id.ok()) return task_id.status();
  task.task_id = *task_id;
  if (task.task_id.empty() || task.task_id.find('/') != std::string::npos) {
    return FieldError("task_id", "must be a non-empty name without '/'");
  }
  auto executor_data = RequiredString(doc, "executor_data");
  if (!executor_data.ok()) return executor_data.status();
  task.executor_data = *executor_data;
  for (auto [key, out] : {std::pair<const char*, std::string*>{"hostname", &task.hostname},
                          {"agent_id", &task.agent_id},
                          {"role", &task.role}}) {
    if (!doc.contains(key)) continue;
    if (!doc[key].is_string()) return FieldError(key, "expected a string");
    *out = doc[key].get<std::string>();
  }
  if (doc.contains("instance_id")) {
    auto v = Integer(doc["instance_id"], "instance_id", 0, std::numeric_limits<int32_t>::max());
    if (!v.ok()) return v.status();
    task.instance_id = static_cast<int>(*v);
  }
  if (doc.contains("kill_grace_ms")) {
    auto v = Integer(doc["kill_grace_ms"], "kill_grace_ms", 0, 24LL * 3600 * 1000);
    if (!v.ok()) return v.status();
    task.kill_grace_ms = *v;
  }
  RETURN_IF_ERROR(ParseIsolationFields(doc, task));
  if (doc.contains("ports")) {
    const json& ports = doc["ports"];
    if (!ports.is_object()) return FieldError("ports", "expected an object of name: port");
    for (const auto& [name, port] : ports.items()) {
      auto v = Integer(port, absl::StrCat("ports.", name), 0, 65535);
      if (!v.ok()) return v.status();
      task.ports[name] = static_cast<int>(*v);
    }
  }
  return task;
}

std::string TaskFileToJson(const TaskFile& task) {
  json doc = {{"task_id", task.task_id},     {"instance_id", task.instance_id},
              {"hostname", task.hostname},   {"agent_id", task.agent_id},
              {"role", task.role},           {"ports", task.ports},
              {"executor_data", task.executor_data}, {"kill_grace_ms", task.kill_grace_ms},
              {"isolation", task.isolation},   {"cgroup_parent", task.cgroup_parent},
              {"run_as_agent_user", task.run_as_agent_user},
              {"disk_check_interval_ms", task.disk_check_interval_ms}};
  return doc.dump(2);
}

}  // namespace borealis::executor
