// The schema tables and the generic checker. Field lists, required-ness and defaults
// follow docs/aurora-compatibility.md; the order of Choice alternatives follows Aurora's.
#include "borealis/config/schema.h"

#include <cmath>
#include <deque>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace borealis::config {
namespace {

using nlohmann::json;

constexpr int64_t kMiB = 1024 * 1024;

// Owns every Type; built once on first use.
class Schema {
 public:
  Schema() { Build(); }
  const Type* job = nullptr;
  const Type* task = nullptr;

 private:
  Type* New(Kind kind, std::string name) {
    types_.push_back(Type{});
    Type* t = &types_.back();
    t->kind = kind;
    t->name = std::move(name);
    return t;
  }
  const Type* Enum(std::vector<std::string> values) {
    Type* t = New(Kind::kEnum, absl::StrCat("Enum(", absl::StrJoin(values, ", "), ")"));
    t->enum_values = std::move(values);
    return t;
  }
  const Type* List(const Type* element) {
    Type* t = New(Kind::kList, absl::StrCat("List(", element->name, ")"));
    t->element = element;
    return t;
  }
  const Type* Map(const Type* value) {
    Type* t = New(Kind::kMap, absl::StrCat("Map(String, ", value->name, ")"));
    t->element = value;
    return t;
  }
  const Type* Struct(std::string name, std::vector<Field> fields) {
    Type* t = New(Kind::kStruct, std::move(name));
    t->fields = std::move(fields);
    return t;
  }
  const Type* Choice(std::vector<const Type*> choices) {
    std::vector<std::string> names;
    for (const Type* c : choices) names.push_back(c->name);
    Type* t = New(Kind::kChoice, absl::StrCat("Choice(", absl::StrJoin(names, ", "), ")"));
    t->choices = std::move(choices);
    return t;
  }
  static Field Req(std::string name, const Type* type) { return Field{std::move(name), type, true, {}}; }
  static Field Opt(std::string name, const Type* type) { return Field{std::move(name), type, false, {}}; }
  static Field Def(std::string name, const Type* type, json value) {
    return Field{std::move(name), type, false, std::move(value)};
  }

  void Build();
  void BuildThermos();
  void BuildAurora();

  std::deque<Type> types_;
  const Type* str = nullptr;
  const Type* integer = nullptr;
  const Type* flt = nullptr;
  const Type* boolean = nullptr;
  const Type* str_map = nullptr;
};

void Schema::Build() {
  str = New(Kind::kString, "String");
  integer = New(Kind::kInteger, "Integer");
  flt = New(Kind::kFloat, "Float");
  boolean = New(Kind::kBoolean, "Boolean");
  str_map = Map(str);
  BuildThermos();
  BuildAurora();
}

// Thermos.
void Schema::BuildThermos() {
  const Type* rotate = Struct("RotatePolicy", {Def("log_size", integer, 100 * kMiB),
                                               Def("backups", integer, 5)});
  const Type* logger = Struct(
      "Logger", {Def("destination", Enum({"file", "console", "both", "none"}), "file"),
                 Def("mode", Enum({"standard", "rotate"}), "standard"), Opt("rotate", rotate)});
  const Type* resources = Struct("Resources", {Req("cpu", flt), Req("ram", integer),
                                               Req("disk", integer), Def("gpu", integer, 0)});
  const Type* process = Struct(
      "Process", {Req("name", str), Req("cmdline", str), Def("max_failures", integer, 1),
                  Def("daemon", boolean, false), Def("ephemeral", boolean, false),
                  Def("min_duration", integer, 5), Def("final", boolean, false),
                  Opt("logger", logger), Opt("resources", resources)});
  const Type* order = Struct("Constraint", {Opt("order", List(str))});
  task = Struct("Task", {Def("name", str, "{{processes[0].name}}"),
                         Req("processes", List(process)),
                         Def("constraints", List(order), json::array()),
                         Req("resources", resources), Def("max_failures", integer, 1),
                         Def("max_concurrency", integer, 0),
                         Def("finalization_wait", integer, 30), Opt("user", str)});
}

// Aurora.
void Schema::BuildAurora() {
  const Type* queue = Struct("QueueUpdateStrategy", {Def("batch_size", integer, 1)});
  const Type* batch = Struct("BatchUpdateStrategy", {Def("batch_size", integer, 1),
                                                     Def("autopause_after_batch", boolean, false)});
  const Type* variable = Struct("VariableBatchUpdateStrategy",
                                {Req("batch_sizes", List(integer)),
                                 Def("autopause_after_batch", boolean, false)});
  const Type* update = Struct(
      "UpdateConfig",
      {Def("batch_size", integer, 1), Def("watch_secs", integer, 45),
       Def("max_per_shard_failures", integer, 0), Def("max_total_failures", integer, 0),
       Def("rollback_on_failure", boolean, true), Def("wait_for_batch_completion", boolean, false),
       Opt("pulse_interval_secs", integer), Def("sla_aware", boolean, false),
       Opt("update_strategy", Choice({queue, batch, variable}))});
  const Type* http_checker = Struct(
      "HttpHealthChecker", {Def("endpoint", str, "/health"), Def("expected_response", str, "ok"),
                            Def("expected_response_code", integer, 0)});
  const Type* shell_checker = Struct("ShellHealthChecker", {Req("shell_command", str)});
  const Type* tcp_checker = Struct("TcpHealthChecker", {});  // connects to the `health` port
  const Type* checker = Struct("HealthCheckerConfig", {Opt("http", http_checker),
                                                       Opt("shell", shell_checker),
                                                       Opt("tcp", tcp_checker)});
  const Type* health = Struct(
      "HealthCheckConfig",
      {Def("health_checker", checker, json{{"http", json::object()}}),
       Def("initial_interval_secs", flt, 15.0), Def("interval_secs", flt, 10.0),
       Def("max_consecutive_failures", integer, 0), Def("min_consecutive_successes", integer, 1),
       Def("timeout_secs", flt, 1.0)});
  const Type* http_lifecycle = Struct(
      "HttpLifecycleConfig",
      {Def("port", str, "health"), Def("graceful_shutdown_endpoint", str, "/quitquitquit"),
       Def("shutdown_endpoint", str, "/abortabortabort"),
       Def("graceful_shutdown_wait_secs", integer, 5), Def("shutdown_wait_secs", integer, 5)});
  const Type* lifecycle = Struct("LifecycleConfig", {Opt("http", http_lifecycle)});
  const Type* announcer = Struct(
      "Announcer", {Def("primary_port", str, "http"),
                    Def("portmap", str_map, json{{"aurora", "{{primary_port}}"}}),
                    Opt("zk_path", str)});
  const Type* parameter = Struct("Parameter", {Req("name", str), Req("value", str)});
  const Type* docker = Struct("Docker", {Req("image", str),
                                         Def("parameters", List(parameter), json::array())});
  const Type* appc = Struct("AppcImage", {Req("name", str), Req("image_id", str)});
  const Type* docker_image = Struct("DockerImage", {Req("name", str), Req("tag", str)});
  const Type* volume = Struct("Volume", {Req("container_path", str), Req("host_path", str),
                                         Req("mode", Enum({"RO", "RW"}))});
  const Type* mesos = Struct("Mesos", {Opt("image", Choice({appc, docker_image})),
                                       Def("volumes", List(volume), json::array())});
  const Type* container = Struct("Container", {Opt("docker", docker)});
  const Type* metadata = Struct("Metadata", {Req("key", str), Req("value", str)});
  const Type* executor = Struct("ExecutorConfig", {Def("name", str, "AuroraExecutor"),
                                                   Def("data", str, "")});
  const Type* partition = Struct("PartitionPolicy", {Def("reschedule", boolean, true),
                                                     Def("delay_secs", integer, 0)});
  const Type* coordinator_sla = Struct(
      "CoordinatorSlaPolicy", {Req("coordinator_url", str), Def("status_key", str, "drain")});
  const Type* count_sla = Struct("CountSlaPolicy", {Req("count", integer),
                                                    Req("duration_secs", integer)});
  const Type* percentage_sla = Struct("PercentageSlaPolicy", {Req("percentage", flt),
                                                              Req("duration_secs", integer)});
  job = Struct(
      "Job",
      {Def("name", str, "{{task.name}}"), Req("role", str), Req("cluster", str),
       Req("environment", str), Opt("contact", str), Def("instances", integer, 1),
       Req("task", task), Opt("announce", announcer), Opt("tier", str), Opt("cron_schedule", str),
       Def("cron_collision_policy", str, "KILL_EXISTING"),
       Def("update_config", update, json::object()), Opt("constraints", str_map),
       Def("metadata", List(metadata), json::array()), Def("service", boolean, false),
       Def("max_task_failures", integer, 1), Def("production", boolean, false),
       Def("priority", integer, 0), Def("health_check_config", health, json::object()),
       Def("lifecycle", lifecycle, json{{"http", json::object()}}), Opt("task_links", str_map),
       Def("executor_config", executor, json::object()), Def("enable_hooks", boolean, false),
       Opt("partition_policy", partition),
       Opt("sla_policy", Choice({coordinator_sla, count_sla, percentage_sla})),
       Opt("container", Choice({container, docker, mesos}))});
}

const Schema& TheSchema() {
  static const Schema* schema = new Schema();
  return *schema;
}

absl::Status Error(const std::string& path, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(path.empty() ? "job" : path, ": ", message));
}

absl::StatusOr<json> NormalizeStruct(const json& value, const Type& type, const std::string& path,
                                     const NormalizeOptions& options) {
  if (!value.is_object()) return Error(path, absl::StrCat("expected an object (", type.name, ")"));
  json out = json::object();
  for (const auto& [key, item] : value.items()) {
    bool known = false;
    for (const Field& f : type.fields) known = known || f.name == key;
    if (!known && options.reject_unknown_fields) {
      std::vector<std::string> names;
      for (const Field& f : type.fields) names.push_back(f.name);
      return Error(FieldPath(path, key), absl::StrCat("unknown field of ", type.name, " (known: ",
                                                      absl::StrJoin(names, ", "), ")"));
    }
  }
  for (const Field& f : type.fields) {
    std::string field_path = FieldPath(path, f.name);
    auto it = value.find(f.name);
    const json* given = (it != value.end() && !it->is_null()) ? &*it : nullptr;
    if (given == nullptr && f.default_value.has_value()) given = &*f.default_value;
    if (given == nullptr) {
      if (f.required) return Error(field_path, "required field missing");
      continue;
    }
    auto normalized = Normalize(*given, *f.type, field_path, options);
    if (!normalized.ok()) return normalized.status();
    out[f.name] = *std::move(normalized);
  }
  return out;
}

}  // namespace

std::string FieldPath(const std::string& path, const std::string& field) {
  return path.empty() ? field : absl::StrCat(path, ".", field);
}

absl::StatusOr<json> Normalize(const json& value, const Type& type, const std::string& path,
                               const NormalizeOptions& options) {
  switch (type.kind) {
    case Kind::kString:
      if (!value.is_string()) return Error(path, "expected a string");
      return value;
    case Kind::kInteger:
      if (value.is_number_unsigned() &&
          value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Error(path, "integer out of range");
      }
      if (!value.is_number_integer()) return Error(path, "expected an integer");
      return json(value.get<int64_t>());
    case Kind::kFloat:
      if (!value.is_number() || !std::isfinite(value.get<double>())) {
        return Error(path, "expected a number");
      }
      return json(value.get<double>());
    case Kind::kBoolean:
      if (!value.is_boolean()) return Error(path, "expected a boolean");
      return value;
    case Kind::kEnum:
      if (value.is_string()) {
        for (const std::string& v : type.enum_values) {
          if (value.get<std::string>() == v) return value;
        }
      }
      return Error(path, absl::StrCat("expected one of ", absl::StrJoin(type.enum_values, ", ")));
    case Kind::kList: {
      if (!value.is_array()) return Error(path, absl::StrCat("expected a list (", type.name, ")"));
      json out = json::array();
      for (size_t i = 0; i < value.size(); ++i) {
        auto item = Normalize(value[i], *type.element, absl::StrCat(path, "[", i, "]"), options);
        if (!item.ok()) return item.status();
        out.push_back(*std::move(item));
      }
      return out;
    }
    case Kind::kMap: {
      if (!value.is_object()) return Error(path, absl::StrCat("expected an object (", type.name, ")"));
      json out = json::object();
      for (const auto& [key, item] : value.items()) {
        auto normalized =
            Normalize(item, *type.element, absl::StrCat(path, "[", key, "]"), options);
        if (!normalized.ok()) return normalized.status();
        out[key] = *std::move(normalized);
      }
      return out;
    }
    case Kind::kStruct:
      return NormalizeStruct(value, type, path, options);
    case Kind::kChoice: {
      // Strictly first, so that a lenient reader does not pick the first alternative
      // merely because it drops the fields it does not know.
      std::vector<std::string> why;
      NormalizeOptions strict = options;
      strict.reject_unknown_fields = true;
      for (const Type* choice : type.choices) {
        auto normalized = Normalize(value, *choice, path, strict);
        if (normalized.ok()) return normalized;
        why.push_back(absl::StrCat(choice->name, ": ", normalized.status().message()));
      }
      if (!options.reject_unknown_fields) {
        for (const Type* choice : type.choices) {
          auto normalized = Normalize(value, *choice, path, options);
          if (normalized.ok()) return normalized;
        }
      }
      return Error(path, absl::StrCat("matches none of ", type.name, " [",
                                      absl::StrJoin(why, "; "), "]"));
    }
  }
  return Error(path, "unsupported type");
}

const Type& JobType() { return *TheSchema().job; }
const Type& TaskType() { return *TheSchema().task; }

}  // namespace borealis::config
