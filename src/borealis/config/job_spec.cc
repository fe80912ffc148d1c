// Reading jobs from JSON: parse, normalize against the schema, resolve job-level
// templates, turn into JobSpec/TaskSpec, validate (docs/aurora-compatibility.md).
#include "borealis/config/job_spec.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <regex>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "borealis/base/status.h"
#include "borealis/config/job_templates.h"
#include "borealis/config/schema.h"

namespace borealis::config {
namespace {

using nlohmann::json;

absl::Status Error(const std::string& path, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(path.empty() ? "job" : path, ": ", message));
}

absl::Status WithSource(std::string_view source, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(std::string(source), ": ", status.message()));
}

// Parses JSON text; errors carry the line and column.
absl::StatusOr<json> ParseJson(std::string_view text) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string what = e.what();
    // nlohmann prefixes "[json.exception.parse_error.101] parse error at line 1, column 2: ".
    if (auto colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
    return absl::InvalidArgumentError(
        absl::StrCat("line ", line, ", column ", column, ": invalid JSON: ", what));
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON: ", e.what()));
  }
}

// Reads an int field of a normalized object (the schema guarantees an integer).
absl::StatusOr<int> GetInt(const json& obj, const std::string& key, const std::string& path) {
  int64_t v = obj.at(key).get<int64_t>();
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    return Error(FieldPath(path, key), "integer out of range");
  }
  return static_cast<int>(v);
}

std::string GetString(const json& obj, const std::string& key) {
  auto it = obj.find(key);
  return it == obj.end() ? std::string() : it->get<std::string>();
}

absl::StatusOr<TaskSpec> ExtractTask(const json& task, const std::string& path) {
  TaskSpec spec;
  spec.name = task.at("name").get<std::string>();
  const json& processes = task.at("processes");
  for (size_t i = 0; i < processes.size(); ++i) {
    const json& p = processes[i];
    std::string ppath = absl::StrCat(FieldPath(path, "processes"), "[", i, "]");
    ProcessSpec process;
    process.name = p.at("name").get<std::string>();
    process.cmdline = p.at("cmdline").get<std::string>();
    ASSIGN_OR_RETURN(process.max_failures, GetInt(p, "max_failures", ppath));
    ASSIGN_OR_RETURN(process.min_duration_secs, GetInt(p, "min_duration", ppath));
    process.daemon = p.at("daemon").get<bool>();
    process.ephemeral = p.at("ephemeral").get<bool>();
    process.final = p.at("final").get<bool>();
    spec.processes.push_back(std::move(process));
  }
  for (const json& c : task.at("constraints")) {
    std::vector<std::string> order;
    if (c.contains("order")) order = c.at("order").get<std::vector<std::string>>();
    spec.order_constraints.push_back(std::move(order));
  }
  ASSIGN_OR_RETURN(spec.max_failures, GetInt(task, "max_failures", path));
  ASSIGN_OR_RETURN(spec.max_concurrency, GetInt(task, "max_concurrency", path));
  ASSIGN_OR_RETURN(spec.finalization_wait_secs, GetInt(task, "finalization_wait", path));
  const json& r = task.at("resources");
  spec.cpu = r.at("cpu").get<double>();
  spec.ram_bytes = r.at("ram").get<int64_t>();
  spec.disk_bytes = r.at("disk").get<int64_t>();
  spec.gpu = r.at("gpu").get<int64_t>();
  return spec;
}

// Valid Unix file name that is not hidden (Process.name).
bool ValidProcessName(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name.front() != '.' &&
         name.find('\0') == std::string::npos;
}

// Finds a cycle in the "depends on predecessor" graph; returns it as "a -> b -> a".
std::optional<std::string> FindCycle(const std::map<std::string, std::set<std::string>>& deps) {
  std::map<std::string, int> color;  // 0 new, 1 on stack, 2 done
  std::vector<std::string> stack;
  std::optional<std::string> cycle;
  std::function<void(const std::string&)> visit = [&](const std::string& n) {
    color[n] = 1;
    stack.push_back(n);
    auto it = deps.find(n);
    if (it != deps.end()) {
      for (const std::string& d : it->second) {
        if (cycle) break;
        if (color[d] == 1) {
          auto start = std::find(stack.begin(), stack.end(), d);
          std::vector<std::string> loop(start, stack.end());
          loop.push_back(d);
          std::reverse(loop.begin(), loop.end());  // print in run order
          cycle = absl::StrJoin(loop, " -> ");
        } else if (color[d] == 0) {
          visit(d);
        }
      }
    }
    stack.pop_back();
    color[n] = 2;
  };
  for (const auto& [name, unused] : deps) {
    if (color[name] == 0 && !cycle) visit(name);
  }
  return cycle;
}

// Checked before templates are resolved: the name defaults refer to processes[0].
absl::Status CheckHasProcesses(const json& task, const std::string& path) {
  if (task.at("processes").empty()) {
    return Error(FieldPath(path, "processes"), "a task needs at least one process");
  }
  return absl::OkStatus();
}

absl::Status ValidateProcesses(const TaskSpec& task, const std::string& path) {
  const std::string ppath = FieldPath(path, "processes");
  if (task.processes.empty()) return Error(ppath, "a task needs at least one process");
  std::set<std::string> names;
  for (size_t i = 0; i < task.processes.size(); ++i) {
    const ProcessSpec& p = task.processes[i];
    std::string at = absl::StrCat(ppath, "[", i, "]");
    if (!ValidProcessName(p.name)) {
      return Error(FieldPath(at, "name"),
                   absl::StrCat("invalid process name '", p.name,
                                "' (must be non-empty, without '/', not starting with '.')"));
    }
    if (!names.insert(p.name).second) {
      return Error(FieldPath(at, "name"), absl::StrCat("duplicate process name '", p.name, "'"));
    }
    if (p.max_failures < 0) return Error(FieldPath(at, "max_failures"), "must be >= 0");
    if (p.min_duration_secs < 0) return Error(FieldPath(at, "min_duration"), "must be >= 0");
  }
  return absl::OkStatus();
}

absl::Status ValidateOrder(const TaskSpec& task, const std::string& path) {
  std::map<std::string, const ProcessSpec*> by_name;
  for (const ProcessSpec& p : task.processes) by_name[p.name] = &p;
  std::map<std::string, std::set<std::string>> deps;
  for (size_t c = 0; c < task.order_constraints.size(); ++c) {
    const auto& order = task.order_constraints[c];
    std::string cpath = absl::StrCat(FieldPath(path, "constraints"), "[", c, "].order");
    for (size_t i = 0; i < order.size(); ++i) {
      std::string at = absl::StrCat(cpath, "[", i, "]");
      auto it = by_name.find(order[i]);
      if (it == by_name.end()) return Error(at, absl::StrCat("unknown process '", order[i], "'"));
      const ProcessSpec& p = *it->second;
      if (p.final != by_name[order[0]]->final) {
        return Error(cpath, "an order constraint may not mix final and regular processes");
      }
      if (i == 0) continue;
      const ProcessSpec& before = *by_name[order[i - 1]];
      if (before.daemon) {
        return Error(at, absl::StrCat("process '", p.name, "' may not depend on daemon process '",
                                      before.name, "'"));
      }
      if (before.ephemeral && !p.ephemeral) {
        return Error(at, absl::StrCat("non-ephemeral process '", p.name,
                                      "' may not depend on ephemeral process '", before.name, "'"));
      }
      deps[p.name].insert(before.name);
    }
  }
  if (auto cycle = FindCycle(deps)) {
    return Error(FieldPath(path, "constraints"),
                 absl::StrCat("order constraints form a cycle: ", *cycle));
  }
  return absl::OkStatus();
}

absl::Status ValidateTask(const TaskSpec& task, const std::string& path) {
  RETURN_IF_ERROR(ValidateProcesses(task, path));
  RETURN_IF_ERROR(ValidateOrder(task, path));
  if (task.max_failures < 0) return Error(FieldPath(path, "max_failures"), "must be >= 0");
  if (task.max_concurrency < 0) return Error(FieldPath(path, "max_concurrency"), "must be >= 0");
  if (task.finalization_wait_secs < 0) {
    return Error(FieldPath(path, "finalization_wait"), "must be >= 0");
  }
  const std::string rpath = FieldPath(path, "resources");
  if (!(task.cpu > 0)) return Error(FieldPath(rpath, "cpu"), "must be > 0");
  if (task.ram_bytes <= 0) return Error(FieldPath(rpath, "ram"), "must be > 0 (bytes)");
  if (task.disk_bytes <= 0) return Error(FieldPath(rpath, "disk"), "must be > 0 (bytes)");
  if (task.gpu < 0) return Error(FieldPath(rpath, "gpu"), "must be >= 0");
  return absl::OkStatus();
}

absl::Status ValidateUpdateConfig(const json& update, int instances, const std::string& path) {
  auto non_negative = [&](const char* key) -> absl::Status {
    if (update.contains(key) && update.at(key).get<int64_t>() < 0) {
      return Error(FieldPath(path, key), "must be >= 0");
    }
    return absl::OkStatus();
  };
  if (update.at("batch_size").get<int64_t>() <= 0) {
    return Error(FieldPath(path, "batch_size"), "must be > 0");
  }
  RETURN_IF_ERROR(non_negative("watch_secs"));
  RETURN_IF_ERROR(non_negative("max_per_shard_failures"));
  RETURN_IF_ERROR(non_negative("max_total_failures"));
  if (update.at("max_total_failures").get<int64_t>() >= instances) {
    return Error(FieldPath(path, "max_total_failures"),
                 absl::StrCat("must be less than instances (", instances, ")"));
  }
  if (update.contains("pulse_interval_secs") &&
      update.at("pulse_interval_secs").get<int64_t>() < 60) {
    return Error(FieldPath(path, "pulse_interval_secs"), "must be at least 60");
  }
  return absl::OkStatus();
}

absl::Status ValidateHealthCheck(const json& health, const std::string& path) {
  for (const char* key : {"initial_interval_secs", "interval_secs", "timeout_secs"}) {
    if (health.at(key).get<double>() < 0) return Error(FieldPath(path, key), "must be >= 0");
  }
  for (const char* key : {"max_consecutive_failures", "min_consecutive_successes"}) {
    if (health.at(key).get<int64_t>() < 0) return Error(FieldPath(path, key), "must be >= 0");
  }
  const json& checker = health.at("health_checker");
  if (checker.size() > 1) {
    return Error(FieldPath(path, "health_checker"), "set only one of http, shell, tcp");
  }
  return absl::OkStatus();
}

absl::Status ValidateJob(const JobSpec& job, const std::string& path) {
  RETURN_IF_ERROR(ValidateTask(job.task, FieldPath(path, "task")));
  static const std::regex kKeyPart(R"(^[\w\-\.]+$)");
  for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"role", &job.role},
                                   {"environment", &job.environment},
                                   {"name", &job.name}}) {
    if (!std::regex_match(*value, kKeyPart)) {
      return Error(FieldPath(path, key),
                   absl::StrCat("'", *value, "' must match ^[\\w\\-\\.]+$"));
    }
  }
  if (job.cluster.empty()) return Error(FieldPath(path, "cluster"), "must not be empty");
  if (job.instances < 1) return Error(FieldPath(path, "instances"), "must be >= 1");
  if (job.max_task_failures < -1) {
    return Error(FieldPath(path, "max_task_failures"), "must be >= -1 (-1: unlimited)");
  }
  if (job.cron_collision_policy != "KILL_EXISTING" && job.cron_collision_policy != "CANCEL_NEW") {
    return Error(FieldPath(path, "cron_collision_policy"),
                 absl::StrCat("'", job.cron_collision_policy,
                              "' is not one of KILL_EXISTING, CANCEL_NEW"));
  }
  if (!job.cron_schedule.empty() && job.service) {
    return Error(FieldPath(path, "cron_schedule"), "a service may not have a cron schedule");
  }
  for (const auto& [name, spec] : job.constraints) {
    auto c = ParseConstraint(name, spec);
    if (!c.ok()) return Error(absl::StrCat(FieldPath(path, "constraints"), "[", name, "]"),
                              c.status().message());
  }
  RETURN_IF_ERROR(ValidateUpdateConfig(job.original.at("update_config"), job.instances,
                                       FieldPath(path, "update_config")));
  RETURN_IF_ERROR(ValidateHealthCheck(job.original.at("health_check_config"),
                                      FieldPath(path, "health_check_config")));
  return absl::OkStatus();
}

absl::StatusOr<JobSpec> ReadJob(const json& given, const std::string& path) {
  NormalizeOptions options;
  ASSIGN_OR_RETURN(json job, Normalize(given, JobType(), path, options));
  RETURN_IF_ERROR(CheckHasProcesses(job.at("task"), FieldPath(path, "task")));
  RETURN_IF_ERROR(InterpolateJob(job, path, /*keep_unbound=*/false));
  JobSpec spec;
  spec.name = job.at("name").get<std::string>();
  spec.role = job.at("role").get<std::string>();
  spec.environment = job.at("environment").get<std::string>();
  spec.cluster = job.at("cluster").get<std::string>();
  spec.contact = GetString(job, "contact");
  spec.tier = GetString(job, "tier");
  spec.cron_schedule = GetString(job, "cron_schedule");
  // Aurora upper-cases the policy name when it converts the job.
  spec.cron_collision_policy = absl::AsciiStrToUpper(job.at("cron_collision_policy").get<std::string>());
  ASSIGN_OR_RETURN(spec.instances, GetInt(job, "instances", path));
  spec.service = job.at("service").get<bool>();
  spec.production = job.at("production").get<bool>();
  ASSIGN_OR_RETURN(spec.max_task_failures, GetInt(job, "max_task_failures", path));
  ASSIGN_OR_RETURN(spec.priority, GetInt(job, "priority", path));
  if (job.contains("constraints")) {
    spec.constraints = job.at("constraints").get<std::map<std::string, std::string>>();
  }
  for (const json& m : job.at("metadata")) {
    spec.metadata.push_back({m.at("key").get<std::string>(), m.at("value").get<std::string>()});
  }
  std::sort(spec.metadata.begin(), spec.metadata.end());
  if (job.contains("partition_policy")) {
    const json& p = job.at("partition_policy");
    model::PartitionPolicy policy;
    policy.reschedule = p.at("reschedule").get<bool>();
    policy.delay_secs = p.at("delay_secs").get<int64_t>();
    spec.partition_policy = policy;
  }
  ASSIGN_OR_RETURN(spec.task, ExtractTask(job.at("task"), FieldPath(path, "task")));
  spec.original = std::move(job);
  RETURN_IF_ERROR(ValidateJob(spec, path));
  return spec;
}

}  // namespace

absl::StatusOr<std::vector<JobSpec>> ParseJobsJson(std::string_view text,
                                                   std::string_view source_name) {
  auto parsed = ParseJson(text);
  if (!parsed.ok()) return WithSource(source_name, parsed.status());
  const json& doc = *parsed;
  std::vector<JobSpec> jobs;
  if (doc.is_object() && doc.contains("jobs")) {
    if (doc.size() != 1) {
      for (const auto& [key, unused] : doc.items()) {
        if (key != "jobs") {
          return WithSource(source_name, Error(key, "unknown field (next to 'jobs')"));
        }
      }
    }
    const json& list = doc.at("jobs");
    if (!list.is_array()) return WithSource(source_name, Error("jobs", "expected a list of jobs"));
    if (list.empty()) return WithSource(source_name, Error("jobs", "no job defined"));
    for (size_t i = 0; i < list.size(); ++i) {
      auto job = ReadJob(list[i], absl::StrCat("jobs[", i, "]"));
      if (!job.ok()) return WithSource(source_name, job.status());
      jobs.push_back(*std::move(job));
    }
  } else {
    auto job = ReadJob(doc, "");
    if (!job.ok()) return WithSource(source_name, job.status());
    jobs.push_back(*std::move(job));
  }
  return jobs;
}

absl::StatusOr<TaskSpec> ParseExecutorData(std::string_view executor_data) {
  constexpr std::string_view kSource = "executor data";
  auto parsed = ParseJson(executor_data);
  if (!parsed.ok()) return WithSource(kSource, parsed.status());
  json doc = *std::move(parsed);
  if (!doc.is_object()) return WithSource(kSource, Error("", "expected a job object"));
  if (!doc.contains("task") || doc.at("task").is_null()) {
    return WithSource(kSource, Error("task", "required field missing"));
  }
  NormalizeOptions lenient;
  lenient.reject_unknown_fields = false;
  absl::Status s;
  auto task = Normalize(doc.at("task"), TaskType(), "task", lenient);
  if (!task.ok()) return WithSource(kSource, task.status());
  doc["task"] = *std::move(task);
  s = CheckHasProcesses(doc.at("task"), "task");
  if (!s.ok()) return WithSource(kSource, s);
  // Already resolved by the client; this settles defaults such as the task name.
  s = InterpolateJob(doc, "", /*keep_unbound=*/true);
  if (!s.ok()) return WithSource(kSource, s);
  auto spec = ExtractTask(doc.at("task"), "task");
  if (!spec.ok()) return WithSource(kSource, spec.status());
  s = ValidateTask(*spec, "task");
  if (!s.ok()) return WithSource(kSource, s);
  return spec;
}

absl::StatusOr<model::Constraint> ParseConstraint(const std::string& name,
                                                  const std::string& spec) {
  model::Constraint c;
  c.name = name;
  if (name.empty()) return absl::InvalidArgumentError("constraint name must not be empty");
  absl::string_view rest = spec;
  if (rest.rfind("limit:", 0) == 0) {
    rest.remove_prefix(6);
    int32_t limit = 0;
    if (!absl::SimpleAtoi(rest, &limit) || limit <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", spec, "': limit must be a positive integer"));
    }
    c.is_limit = true;
    c.limit = limit;
    return c;
  }
  if (!rest.empty() && rest.front() == '!') {
    c.negated = true;
    rest.remove_prefix(1);
  }
  std::set<std::string> values;
  for (absl::string_view v : absl::StrSplit(rest, ',')) {
    if (v.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("'", spec, "': empty value"));
    }
    values.insert(std::string(v));
  }
  c.values.assign(values.begin(), values.end());
  return c;
}

}  // namespace borealis::config
