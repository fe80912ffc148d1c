// JSON codecs for task.json, status.json and agent_task.json (see task_files.h).
// nlohmann::json throws on type mismatches; every decoder catches at this edge.
#include "borealis/agent/task_files.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace borealis::agent {
namespace {

using nlohmann::json;

absl::Status FieldError(absl::string_view file, absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(file, " field '", field, "': ", why));
}

absl::StatusOr<json> ParseObject(absl::string_view file, std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(file, ": not valid JSON"));
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": expected a JSON object"));
  }
  return doc;
}

// Reads an optional integer field; wrong types are errors.
absl::Status GetInt(absl::string_view file, const json& obj, const char* field, int64_t& out) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_number_integer()) return FieldError(file, field, "expected an integer");
  out = it->get<int64_t>();
  return absl::OkStatus();
}

absl::Status GetString(absl::string_view file, const json& obj, const char* field,
                       std::string& out) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_string()) return FieldError(file, field, "expected a string");
  out = it->get<std::string>();
  return absl::OkStatus();
}

absl::StatusOr<ExecutorStatus> DecodeStatusObject(const json& doc) {
  constexpr absl::string_view kFile = "status.json";
  ExecutorStatus out;
  int64_t pid = 0;
  RETURN_IF_ERROR(GetString(kFile, doc, "task_id", out.task_id));
  RETURN_IF_ERROR(GetInt(kFile, doc, "executor_pid", pid));
  out.executor_pid = static_cast<int>(pid);
  RETURN_IF_ERROR(GetInt(kFile, doc, "executor_start_ticks", out.executor_start_ticks));
  if (auto it = doc.find("updates"); it != doc.end() && !it->is_null()) {
    if (!it->is_array()) return FieldError(kFile, "updates", "expected a list");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& u = (*it)[i];
      std::string where = absl::StrCat("updates[", i, "]");
      if (!u.is_object()) return FieldError(kFile, where, "expected an object");
      ExecutorUpdate update;
      RETURN_IF_ERROR(GetInt(kFile, u, "seq", update.seq));
      RETURN_IF_ERROR(GetString(kFile, u, "state", update.state));
      RETURN_IF_ERROR(GetString(kFile, u, "message", update.message));
      RETURN_IF_ERROR(GetInt(kFile, u, "timestamp_ms", update.timestamp_ms));
      if (update.seq <= 0) return FieldError(kFile, where + ".seq", "expected a positive seq");
      out.updates.push_back(std::move(update));
    }
  }
  if (auto it = doc.find("pgids"); it != doc.end() && !it->is_null()) {
    if (!it->is_array()) return FieldError(kFile, "pgids", "expected a list");
    for (const json& p : *it) {
      if (!p.is_number_integer()) return FieldError(kFile, "pgids", "expected integers");
      out.pgids.push_back(p.get<int>());
    }
  }
  if (auto it = doc.find("groups"); it != doc.end() && !it->is_null()) {
    if (!it->is_array()) return FieldError(kFile, "groups", "expected a list");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& g = (*it)[i];
      std::string where = absl::StrCat("groups[", i, "]");
      if (!g.is_object()) return FieldError(kFile, where, "expected an object");
      int64_t pgid = 0;
      int64_t ticks = 0;
      RETURN_IF_ERROR(GetInt(kFile, g, "pgid", pgid));
      RETURN_IF_ERROR(GetInt(kFile, g, "start_ticks", ticks));
      if (pgid > 0 && ticks > 0) out.group_start_ticks[static_cast<int>(pgid)] = ticks;
    }
  }
  return out;
}

absl::StatusOr<AgentTaskRecord> DecodeRecordObject(const json& doc) {
  constexpr absl::string_view kFile = "agent_task.json";
  AgentTaskRecord out;
  int64_t pid = 0;
  RETURN_IF_ERROR(GetString(kFile, doc, "task_id", out.task_id));
  RETURN_IF_ERROR(GetInt(kFile, doc, "executor_pid", pid));
  out.executor_pid = static_cast<int>(pid);
  RETURN_IF_ERROR(GetInt(kFile, doc, "executor_start_ticks", out.executor_start_ticks));
  RETURN_IF_ERROR(GetInt(kFile, doc, "forwarded_seq", out.forwarded_seq));
  RETURN_IF_ERROR(GetInt(kFile, doc, "launched_ms", out.launched_ms));
  out.executor_gone = doc.value("executor_gone", false);
  out.kill_requested = doc.value("kill_requested", false);
  std::string state;
  RETURN_IF_ERROR(GetString(kFile, doc, "state", state));
  if (!state.empty()) {
    out.state = model::ParseStatus(state);
    if (!out.state) return FieldError(kFile, "state", absl::StrCat("unknown state '", state, "'"));
  }
  if (out.task_id.empty()) return FieldError(kFile, "task_id", "missing");
  return out;
}

}  // namespace

std::string EncodeTaskFile(const TaskFile& file) {
  json doc = {
      {"task_id", file.task_id},
      {"instance_id", file.instance_id},
      {"hostname", file.hostname},
      {"agent_id", file.agent_id},
      {"role", file.role},
      {"ports", file.ports},
      {"executor_data", file.executor_data},
      {"kill_grace_ms", file.kill_grace_ms},
      {"isolation", file.isolation.mode},
      {"cgroup_parent", file.isolation.cgroup_parent},
      {"run_as_agent_user", file.isolation.run_as_agent_user},
      {"disk_check_interval_ms", file.isolation.disk_check_interval_ms},
  };
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

absl::StatusOr<ExecutorStatus> DecodeExecutorStatus(std::string_view text) {
  try {
    ASSIGN_OR_RETURN(json doc, ParseObject("status.json", text));
    return DecodeStatusObject(doc);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("status.json: ", e.what()));
  }
}

std::string EncodeAgentTaskRecord(const AgentTaskRecord& record) {
  json doc = {
      {"task_id", record.task_id},
      {"executor_pid", record.executor_pid},
      {"executor_start_ticks", record.executor_start_ticks},
      {"executor_gone", record.executor_gone},
      {"forwarded_seq", record.forwarded_seq},
      {"kill_requested", record.kill_requested},
      {"launched_ms", record.launched_ms},
  };
  if (record.state) doc["state"] = std::string(model::StatusName(*record.state));
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

absl::StatusOr<AgentTaskRecord> DecodeAgentTaskRecord(std::string_view text) {
  try {
    ASSIGN_OR_RETURN(json doc, ParseObject("agent_task.json", text));
    return DecodeRecordObject(doc);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("agent_task.json: ", e.what()));
  }
}

}  // namespace borealis::agent
