// aurora_admin's get_scheduler, get_cluster_config, increase_quota and query (see
// admin_commands.h).
#include "borealis/cli/admin_commands.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "borealis/base/status.h"
#include "borealis/cli/clusters.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/task_json.h"
#include "gen-cpp/api_constants.h"

namespace borealis::cli {
namespace {

std::string PythonBool(bool b) { return b ? "True" : "False"; }

// What Python's shlex/pipes.quote gives: safe words as they are, anything else in single
// quotes with embedded quotes spelled '"'"'.
std::string ShellQuote(const std::string& s) {
  if (s.empty()) return "''";
  bool safe = std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("@%+=:,./-_").find(c) != std::string_view::npos;
  });
  if (safe) return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\"'\"'";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void Shellify(const std::string& key, const nlohmann::json& v, const std::string& prefix,
              std::vector<std::string>* out) {
  if (v.is_boolean()) {
    out->push_back(absl::StrCat(prefix, key, "=", v.get<bool>() ? 1 : 0));
  } else if (v.is_number_integer()) {
    out->push_back(absl::StrCat(prefix, key, "=", v.dump()));
  } else if (v.is_string()) {
    out->push_back(absl::StrCat(prefix, key, "=", ShellQuote(v.get<std::string>())));
  } else if (v.is_object()) {
    for (const auto& item : v.items()) {
      Shellify(Upper(item.key()), item.value(), absl::StrCat(prefix, key, "_"), out);
    }
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      Shellify(absl::StrCat(i), v[i], absl::StrCat(prefix, key, "_"), out);
    }
  }
}

absl::StatusOr<ClusterConfig> Cluster(const CliContext& ctx, const std::string& name) {
  auto cluster = FindCluster(ctx.clusters, name);
  if (!cluster.ok()) return WithExitCode(cluster.status(), kExitInvalidConfig);
  return cluster;
}

}  // namespace

absl::Status AdminGetScheduler(CliContext& ctx, const std::string& cluster) {
  ASSIGN_OR_RETURN(ClusterConfig config, Cluster(ctx, cluster));
  auto uri = SchedulerUri(config);
  if (!uri.ok()) return WithExitCode(uri.status(), kExitInvalidConfig);
  ctx.out << "Found leading scheduler at: " << *uri << std::endl;
  return absl::OkStatus();
}

absl::Status AdminGetClusterConfig(CliContext& ctx, const std::string& cluster, bool sh,
                                   bool export_vars) {
  ASSIGN_OR_RETURN(ClusterConfig config, Cluster(ctx, cluster));
  if (!sh) {
    ctx.out << PythonJsonDump(config.raw) << std::flush;
    return absl::OkStatus();
  }
  for (const std::string& line : ShellifyJson(config.raw, export_vars, "AURORA_CLUSTER_")) {
    ctx.out << line << "\n";
  }
  ctx.out << std::flush;
  return absl::OkStatus();
}

absl::Status AdminIncreaseQuota(CliContext& ctx, const SetQuotaOptions& options) {
  ASSIGN_OR_RETURN(int64_t milli_cpus, ParseMilliCpus(options.cpus));
  ASSIGN_OR_RETURN(int64_t ram_mb, ParseSizeMb(options.ram, "ram"));
  ASSIGN_OR_RETURN(int64_t disk_mb, ParseSizeMb(options.disk, "disk"));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, options.cluster));
  ASSIGN_OR_RETURN(api::GetQuotaResult current, client.GetQuota(options.role));
  for (const api::Resource& r : current.quota.resources) {
    if (r.__isset.numCpus) milli_cpus += static_cast<int64_t>(r.numCpus * 1000 + 0.5);
    if (r.__isset.ramMb) ram_mb += r.ramMb;
    if (r.__isset.diskMb) disk_mb += r.diskMb;
  }
  SetQuotaOptions total = options;
  total.cpus = absl::StrFormat("%.3f", static_cast<double>(milli_cpus) / 1000);
  total.ram = absl::StrCat(ram_mb, "MB");
  total.disk = absl::StrCat(disk_mb, "MB");
  return AdminSetQuota(ctx, total);
}

absl::StatusOr<std::set<api::ScheduleStatus::type>> ParseQueryStates(const std::string& text,
                                                                     const std::string& field) {
  std::set<api::ScheduleStatus::type> states;
  for (absl::string_view name : absl::StrSplit(text, ',')) {
    auto it = std::find_if(
        api::_ScheduleStatus_VALUES_TO_NAMES.begin(), api::_ScheduleStatus_VALUES_TO_NAMES.end(),
        [&](const auto& entry) { return name == entry.second; });
    if (it == api::_ScheduleStatus_VALUES_TO_NAMES.end()) {
      std::vector<std::string> valid;
      for (const auto& entry : api::_ScheduleStatus_VALUES_TO_NAMES) valid.push_back(entry.second);
      std::sort(valid.begin(), valid.end());
      return absl::InvalidArgumentError(absl::StrCat(field, ": unknown state '", name,
                                                     "'; valid states are: ",
                                                     absl::StrJoin(valid, ",")));
    }
    states.insert(static_cast<api::ScheduleStatus::type>(it->first));
  }
  return states;
}

std::map<std::string, std::string> FlattenTaskForQuery(const api::ScheduledTask& task) {
  const api::AssignedTask& a = task.assignedTask;
  const api::TaskConfig& t = a.task;
  std::vector<std::string> ports;
  for (const auto& [name, port] : a.assignedPorts) {
    ports.push_back(absl::StrCat("'", name, "': ", port));
  }
  std::map<std::string, std::string> flat = {
      {"taskId", a.taskId},
      {"slaveId", a.slaveId},
      {"slaveHost", a.slaveHost},
      {"instanceId", absl::StrCat(a.instanceId)},
      {"role", t.job.role},
      {"environment", t.job.environment},
      {"name", t.job.name},
      {"user", t.owner.user},
      {"isService", PythonBool(t.isService)},
      {"priority", absl::StrCat(t.priority)},
      {"maxTaskFailures", absl::StrCat(t.maxTaskFailures)},
      {"production", PythonBool(t.production)},
      {"tier", t.tier},
      {"contactEmail", t.contactEmail},
      {"status", api::to_string(task.status)},
      {"failureCount", absl::StrCat(task.failureCount)},
      {"timesPartitioned", absl::StrCat(task.timesPartitioned)},
      {"ancestorId", task.ancestorId},
      {"assignedPorts", absl::StrCat("{", absl::StrJoin(ports, ", "), "}")},
      {"host", a.slaveHost},
  };
  for (const auto& [name, port] : a.assignedPorts) flat[absl::StrCat("port:", name)] = absl::StrCat(port);
  return flat;
}

absl::StatusOr<std::string> FormatQueryLine(const std::string& format,
                                            const std::map<std::string, std::string>& task) {
  std::string out;
  size_t i = 0;
  while (i < format.size()) {
    size_t end = format[i] == '%' ? format.find('%', i + 1) : std::string::npos;
    absl::string_view key =
        end == std::string::npos ? "" : absl::string_view(format).substr(i + 1, end - i - 1);
    auto is_word = [](absl::string_view w) {
      return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
      });
    };
    bool word = is_word(key) || (absl::StartsWith(key, "port:") && is_word(key.substr(5)));
    if (!word) {
      out += format[i++];
      continue;
    }
    auto it = task.find(std::string(key));
    if (it == task.end()) {
      std::vector<std::string> keys;
      for (const auto& entry : task) keys.push_back(entry.first);
      return absl::InvalidArgumentError(absl::StrCat("--listformat: unknown key '", key,
                                                     "'; valid keys are: ",
                                                     absl::StrJoin(keys, ",")));
    }
    out += it->second;
    i = end + 1;
  }
  return out;
}

absl::Status AdminQuery(CliContext& ctx, const AdminQueryOptions& options) {
  ASSIGN_OR_RETURN(auto states, ParseQueryStates(options.states));
  if (options.args.empty() || options.args.size() > 3) {
    return absl::InvalidArgumentError("usage: query [--force] [--listformat=FORMAT] "
                                      "[--shards=N[,N,...]] [--states=State[,State,...]] "
                                      "cluster [role [job]]");
  }
  api::TaskQuery query;
  if (options.args.size() > 1) query.__set_role(options.args[1]);
  if (options.args.size() > 2) query.__set_jobName(options.args[2]);
  std::set<int32_t> instances;
  for (absl::string_view shard : absl::StrSplit(options.shards, ',', absl::SkipEmpty())) {
    int32_t id = 0;
    if (!absl::SimpleAtoi(shard, &id) || id < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--shards: '", shard, "' is not an instance id"));
    }
    instances.insert(id);
  }
  if (!instances.empty()) query.__set_instanceIds(instances);
  query.__set_statuses(states);
  if (!options.force) {
    const char* why = query.role.empty()      ? "no role specified"
                      : query.jobName.empty() ? "no job specified"
                      : !std::includes(api::g_api_constants.ACTIVE_STATES.begin(),
                                       api::g_api_constants.ACTIVE_STATES.end(), states.begin(),
                                       states.end())
                          ? "states outside ACTIVE states"
                          : nullptr;
    if (why != nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("--force is required for expensive queries (", why, ")"));
    }
  }
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, options.args[0]));
  ASSIGN_OR_RETURN(std::vector<api::ScheduledTask> tasks, client.GetTasksStatus(query));
  if (options.write_json) {
    nlohmann::json list = nlohmann::json::array();
    for (const api::ScheduledTask& task : tasks) {
      ASSIGN_OR_RETURN(nlohmann::json one, ScheduledTaskJson(task));
      list.push_back(std::move(one));
    }
    ctx.out << list.dump() << std::endl;
    return absl::OkStatus();
  }
  for (const api::ScheduledTask& task : tasks) {
    ASSIGN_OR_RETURN(std::string line,
                     FormatQueryLine(options.listformat, FlattenTaskForQuery(task)));
    ctx.out << line << "\n";
  }
  ctx.out << std::flush;
  return absl::OkStatus();
}

std::string FormatSchedulerResponse(const api::Response& response) {
  std::vector<std::string> messages;
  for (const api::ResponseDetail& d : response.details) {
    messages.push_back(d.message.empty() ? "Unknown error" : d.message);
  }
  return absl::StrCat("Response from scheduler: ", api::to_string(response.responseCode),
                      " (message: ", absl::StrJoin(messages, ", "), ")");
}

absl::Status AdminReconcileTasks(CliContext& ctx, const AdminReconcileOptions& options) {
  if (options.type != "explicit" && options.type != "implicit") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--type: invalid choice: '", options.type, "' (choose from 'implicit', 'explicit')"));
  }
  api::ExplicitReconciliationSettings settings;
  if (!options.batch_size.empty()) {
    int32_t size = 0;
    if (!absl::SimpleAtoi(options.batch_size, &size)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--batch_size: '", options.batch_size, "' is not an integer"));
    }
    settings.__set_batchSize(size);
  }
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, options.cluster));
  absl::StatusOr<api::Response> response =
      options.type == "implicit" ? client.TriggerImplicitTaskReconciliation()
                                 : client.TriggerExplicitTaskReconciliation(settings);
  if (!response.ok()) return response.status();
  ctx.err << FormatSchedulerResponse(*response) << std::endl;
  return absl::OkStatus();
}

absl::Status AdminPruneTasks(CliContext& ctx, const AdminPruneOptions& options) {
  api::TaskQuery query;
  if (!options.states.empty()) {
    ASSIGN_OR_RETURN(auto states, ParseQueryStates(options.states));
    query.__set_statuses(states);
  }
  if (!options.role.empty()) query.__set_role(options.role);
  if (!options.environment.empty()) query.__set_environment(options.environment);
  if (options.limit < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--limit: ", options.limit, " is negative"));
  }
  if (options.limit > 0) query.__set_limit(options.limit);
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, options.cluster));
  absl::StatusOr<api::Response> response = client.PruneTasks(query);
  if (!response.ok()) {
    return absl::Status(response.status().code(),
                        absl::StrCat("Failed to prune tasks: ", response.status().message()));
  }
  ctx.out << "Tasks pruned." << std::endl;
  return absl::OkStatus();
}

absl::Status AdminForceTaskState(CliContext& ctx, const AdminForceStateOptions& options) {
  ASSIGN_OR_RETURN(auto states, ParseQueryStates(options.status, "status"));
  if (states.size() != 1 || absl::StrContains(options.status, ',')) {
    return absl::InvalidArgumentError(
        absl::StrCat("status: '", options.status, "' must name one state"));
  }
  const api::ScheduleStatus::type status = *states.begin();
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, options.cluster));
  ASSIGN_OR_RETURN(api::Response response, client.ForceTaskState(options.task_id, status));
  ctx.out << "Task " << options.task_id << ": " << FormatSchedulerResponse(response)
          << std::endl;
  return absl::OkStatus();
}

std::vector<std::string> ShellifyJson(const nlohmann::json& object, bool export_vars,
                                      const std::string& prefix) {
  std::vector<std::string> out;
  const std::string full_prefix = export_vars ? "export " + prefix : prefix;
  for (const auto& item : object.items()) {
    Shellify(Upper(item.key()), item.value(), full_prefix, &out);
  }
  return out;
}

std::string PythonJsonDump(const nlohmann::json& value) {
  if (value.is_object()) {
    std::vector<std::string> parts;
    for (const auto& item : value.items()) {
      parts.push_back(absl::StrCat(nlohmann::json(item.key()).dump(), ": ",
                                   PythonJsonDump(item.value())));
    }
    return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
  }
  if (value.is_array()) {
    std::vector<std::string> parts;
    for (const auto& v : value) parts.push_back(PythonJsonDump(v));
    return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
  }
  return value.dump(-1, ' ', /*ensure_ascii=*/true);
}

}  // namespace borealis::cli
