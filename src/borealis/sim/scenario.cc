#include "borealis/sim/scenario.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "nlohmann/json.hpp"

namespace borealis::sim {
namespace {

using nlohmann::json;

absl::Status FieldError(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

absl::Status CheckKeys(const json& obj, const std::string& where,
                       const std::set<std::string>& allowed) {
  if (!obj.is_object()) return FieldError(where.empty() ? "scenario" : where, "must be an object");
  for (const auto& [key, value] : obj.items()) {
    if (!allowed.contains(key)) {
      return FieldError(where.empty() ? key : where + "." + key, "unknown field");
    }
  }
  return absl::OkStatus();
}

std::string Path(const std::string& where, const std::string& key) {
  return where.empty() ? key : where + "." + key;
}

// Reads an integer field when present; refuses values below `min`.
absl::Status Int(const json& obj, const std::string& where, const std::string& key, int64_t min,
                 int64_t* out) {
  auto it = obj.find(key);
  if (it == obj.end()) return absl::OkStatus();
  if (!it->is_number_integer()) return FieldError(Path(where, key), "must be an integer");
  const int64_t v = it->get<int64_t>();
  if (v < min) return FieldError(Path(where, key), absl::StrCat("must be at least ", min));
  *out = v;
  return absl::OkStatus();
}

absl::Status Int32(const json& obj, const std::string& where, const std::string& key,
                   int64_t min, int32_t* out) {
  int64_t v = *out;
  RETURN_IF_ERROR(Int(obj, where, key, min, &v));
  if (v > INT32_MAX) return FieldError(Path(where, key), "is too large");
  *out = static_cast<int32_t>(v);
  return absl::OkStatus();
}

// Seconds (possibly fractional) into milliseconds.
absl::Status Seconds(const json& obj, const std::string& where, const std::string& key,
                     int64_t* out_ms) {
  auto it = obj.find(key);
  if (it == obj.end()) return absl::OkStatus();
  if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 1e9) {
    return FieldError(Path(where, key), "must be a number of seconds >= 0");
  }
  *out_ms = static_cast<int64_t>(it->get<double>() * 1000.0 + 0.5);
  return absl::OkStatus();
}

absl::Status Str(const json& obj, const std::string& where, const std::string& key,
                 std::string* out) {
  auto it = obj.find(key);
  if (it == obj.end()) return absl::OkStatus();
  if (!it->is_string()) return FieldError(Path(where, key), "must be a string");
  *out = it->get<std::string>();
  return absl::OkStatus();
}

absl::Status Bool(const json& obj, const std::string& where, const std::string& key, bool* out) {
  auto it = obj.find(key);
  if (it == obj.end()) return absl::OkStatus();
  if (!it->is_boolean()) return FieldError(Path(where, key), "must be true or false");
  *out = it->get<bool>();
  return absl::OkStatus();
}

absl::Status ParseHosts(const json& obj, const std::string& w, HostShape* h) {
  RETURN_IF_ERROR(CheckKeys(obj, w, {"count", "cpus", "ram_mb", "disk_mb", "ports", "attributes"}));
  if (!obj.contains("count")) return FieldError(w + ".count", "missing");
  RETURN_IF_ERROR(Int(obj, w, "count", 1, &h->count));
  if (auto it = obj.find("cpus"); it != obj.end()) {
    if (!it->is_number() || it->get<double>() <= 0) return FieldError(w + ".cpus", "must be > 0");
    h->milli_cpus = static_cast<int64_t>(it->get<double>() * 1000.0 + 0.5);
  }
  RETURN_IF_ERROR(Int(obj, w, "ram_mb", 1, &h->ram_mb));
  RETURN_IF_ERROR(Int(obj, w, "disk_mb", 1, &h->disk_mb));
  if (auto it = obj.find("ports"); it != obj.end()) {
    if (!it->is_array() || it->size() != 2 || !(*it)[0].is_number_integer() ||
        !(*it)[1].is_number_integer() || (*it)[0].get<int64_t>() < 1 ||
        (*it)[1].get<int64_t>() > 65535 || (*it)[0].get<int64_t>() > (*it)[1].get<int64_t>()) {
      return FieldError(w + ".ports", "must be [first, last] with 1 <= first <= last <= 65535");
    }
    h->port_first = (*it)[0].get<int32_t>();
    h->port_last = (*it)[1].get<int32_t>();
  }
  if (auto it = obj.find("attributes"); it != obj.end()) {
    if (!it->is_object()) return FieldError(w + ".attributes", "must be an object");
    for (const auto& [name, n] : it->items()) {
      if (!n.is_number_integer() || n.get<int64_t>() < 1) {
        return FieldError(w + ".attributes." + name, "must be a count >= 1");
      }
      h->attributes[name] = n.get<int64_t>();
    }
  }
  return absl::OkStatus();
}

absl::Status ParseJob(const json& obj, const std::string& w, JobSpec* j) {
  RETURN_IF_ERROR(CheckKeys(obj, w,
                            {"name", "role", "environment", "count", "instances", "cpus",
                             "ram_mb", "disk_mb", "ports", "service", "priority",
                             "max_task_failures", "tier", "constraints", "arrive_at_s",
                             "arrive_every_s", "run_s", "failure_rate"}));
  RETURN_IF_ERROR(Str(obj, w, "name", &j->name));
  if (j->name.empty()) return FieldError(w + ".name", "missing");
  RETURN_IF_ERROR(Str(obj, w, "role", &j->role));
  RETURN_IF_ERROR(Str(obj, w, "environment", &j->environment));
  RETURN_IF_ERROR(Int(obj, w, "count", 0, &j->count));
  RETURN_IF_ERROR(Int32(obj, w, "instances", 1, &j->instances));
  if (auto it = obj.find("cpus"); it != obj.end()) {
    if (!it->is_number() || it->get<double>() <= 0) return FieldError(w + ".cpus", "must be > 0");
    j->milli_cpus = static_cast<int64_t>(it->get<double>() * 1000.0 + 0.5);
  }
  RETURN_IF_ERROR(Int(obj, w, "ram_mb", 1, &j->ram_mb));
  RETURN_IF_ERROR(Int(obj, w, "disk_mb", 1, &j->disk_mb));
  RETURN_IF_ERROR(Int32(obj, w, "ports", 0, &j->ports));
  RETURN_IF_ERROR(Bool(obj, w, "service", &j->service));
  RETURN_IF_ERROR(Int32(obj, w, "priority", 0, &j->priority));
  RETURN_IF_ERROR(Int32(obj, w, "max_task_failures", -1, &j->max_task_failures));
  RETURN_IF_ERROR(Str(obj, w, "tier", &j->tier));
  if (auto it = obj.find("constraints"); it != obj.end()) {
    if (!it->is_object()) return FieldError(w + ".constraints", "must be an object");
    for (const auto& [name, v] : it->items()) {
      if (!v.is_string() || v.get<std::string>().empty()) {
        return FieldError(w + ".constraints." + name,
                          "must be a string like \"a,b\", \"!a\" or \"limit:N\"");
      }
      j->constraints[name] = v.get<std::string>();
    }
  }
  RETURN_IF_ERROR(Seconds(obj, w, "arrive_at_s", &j->arrive_at_ms));
  RETURN_IF_ERROR(Seconds(obj, w, "arrive_every_s", &j->arrive_every_ms));
  RETURN_IF_ERROR(Seconds(obj, w, "run_s", &j->run_ms));
  if (auto it = obj.find("failure_rate"); it != obj.end()) {
    if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 1) {
      return FieldError(w + ".failure_rate", "must be in [0, 1]");
    }
    j->failure_rate = it->get<double>();
  }
  return absl::OkStatus();
}

// The job an update names must be one the scenario creates: "<name>-<k>", k < count.
absl::Status FindUpdatedJob(const std::vector<JobSpec>& jobs, const std::string& w,
                            UpdateSpec* u) {
  for (uint32_t i = 0; i < jobs.size(); ++i) {
    const std::string prefix = jobs[i].name + "-";
    int64_t k = 0;
    if (u->job.rfind(prefix, 0) == 0 &&
        absl::SimpleAtoi(u->job.substr(prefix.size()), &k) && k >= 0 && k < jobs[i].count &&
        absl::StrCat(prefix, k) == u->job) {
      if (!jobs[i].service) return FieldError(w + ".job", "updates need a service job");
      u->job_spec = i;
      u->job_k = k;
      return absl::OkStatus();
    }
  }
  return FieldError(w + ".job", absl::StrCat("no job named '", u->job, "' in jobs"));
}

absl::Status ParseUpdate(const json& obj, const std::string& w, const std::vector<JobSpec>& jobs,
                         UpdateSpec* u) {
  RETURN_IF_ERROR(CheckKeys(obj, w,
                            {"job", "at_s", "batch_size", "watch_ms", "change", "cpus",
                             "max_per_instance_failures", "max_failed_instances"}));
  RETURN_IF_ERROR(Str(obj, w, "job", &u->job));
  if (u->job.empty()) return FieldError(w + ".job", "missing");
  RETURN_IF_ERROR(FindUpdatedJob(jobs, w, u));
  RETURN_IF_ERROR(Seconds(obj, w, "at_s", &u->at_ms));
  RETURN_IF_ERROR(Int32(obj, w, "batch_size", 1, &u->batch_size));
  RETURN_IF_ERROR(Int(obj, w, "watch_ms", 0, &u->watch_ms));
  if (u->watch_ms > INT32_MAX) return FieldError(w + ".watch_ms", "is too large");
  RETURN_IF_ERROR(Str(obj, w, "change", &u->change));
  if (u->change != "command" && u->change != "cpus") {
    return FieldError(w + ".change", "must be \"command\" or \"cpus\"");
  }
  if (auto it = obj.find("cpus"); it != obj.end()) {
    if (u->change != "cpus") return FieldError(w + ".cpus", "only with change \"cpus\"");
    if (!it->is_number() || it->get<double>() <= 0) return FieldError(w + ".cpus", "must be > 0");
    u->milli_cpus = static_cast<int64_t>(it->get<double>() * 1000.0 + 0.5);
  } else if (u->change == "cpus") {
    return FieldError(w + ".cpus", "missing (required with change \"cpus\")");
  }
  if (u->change == "cpus" && u->milli_cpus == jobs[u->job_spec].milli_cpus) {
    return FieldError(w + ".cpus", "is the job's cpus already: the update would change nothing");
  }
  RETURN_IF_ERROR(Int32(obj, w, "max_per_instance_failures", 0, &u->max_per_instance_failures));
  RETURN_IF_ERROR(Int32(obj, w, "max_failed_instances", 0, &u->max_failed_instances));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Scenario> ParseScenario(const std::string& json_text) {
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return absl::InvalidArgumentError("scenario: not valid JSON");
  Scenario s;
  RETURN_IF_ERROR(CheckKeys(doc, "",
                            {"name", "description", "seed", "duration_s", "tick_ms",
                             "stop_when_idle", "realtime", "store", "starting_ms", "running_ms", "kill_ms",
                             "hosts", "host_shapes", "jobs", "agent_losses", "updates"}));
  RETURN_IF_ERROR(Str(doc, "", "name", &s.name));
  int64_t seed = 1;
  RETURN_IF_ERROR(Int(doc, "", "seed", 0, &seed));
  s.seed = static_cast<uint64_t>(seed);
  RETURN_IF_ERROR(Seconds(doc, "", "duration_s", &s.duration_ms));
  RETURN_IF_ERROR(Int(doc, "", "tick_ms", 1, &s.tick_ms));
  RETURN_IF_ERROR(Bool(doc, "", "stop_when_idle", &s.stop_when_idle));
  RETURN_IF_ERROR(Bool(doc, "", "realtime", &s.realtime));
  RETURN_IF_ERROR(Str(doc, "", "store", &s.store));
  if (s.store != "sqlite" && s.store != "memory") {
    return FieldError("store", "must be \"sqlite\" or \"memory\"");
  }
  RETURN_IF_ERROR(Int(doc, "", "starting_ms", 0, &s.starting_ms));
  RETURN_IF_ERROR(Int(doc, "", "running_ms", 0, &s.running_ms));
  RETURN_IF_ERROR(Int(doc, "", "kill_ms", 0, &s.kill_ms));
  if (s.running_ms < s.starting_ms) return FieldError("running_ms", "must be >= starting_ms");
  if (doc.contains("hosts") == doc.contains("host_shapes")) {
    return FieldError("hosts", doc.contains("hosts") ? "give either hosts or host_shapes, not both"
                                                     : "missing (or host_shapes)");
  }
  if (auto it = doc.find("host_shapes"); it != doc.end()) {
    if (!it->is_array() || it->empty()) return FieldError("host_shapes", "must be a non-empty list");
    for (size_t i = 0; i < it->size(); ++i) {
      HostShape h;
      RETURN_IF_ERROR(ParseHosts((*it)[i], absl::StrCat("host_shapes[", i, "]"), &h));
      s.host_shapes.push_back(std::move(h));
    }
    s.hosts = s.host_shapes.front();
  } else {
    RETURN_IF_ERROR(ParseHosts(doc["hosts"], "hosts", &s.hosts));
    s.host_shapes = {s.hosts};
  }
  if (auto it = doc.find("jobs"); it != doc.end()) {
    if (!it->is_array()) return FieldError("jobs", "must be a list");
    for (size_t i = 0; i < it->size(); ++i) {
      JobSpec j;
      RETURN_IF_ERROR(ParseJob((*it)[i], absl::StrCat("jobs[", i, "]"), &j));
      s.jobs.push_back(std::move(j));
    }
  }
  if (auto it = doc.find("agent_losses"); it != doc.end()) {
    if (!it->is_array()) return FieldError("agent_losses", "must be a list");
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string w = absl::StrCat("agent_losses[", i, "]");
      RETURN_IF_ERROR(CheckKeys((*it)[i], w, {"at_s", "count"}));
      AgentLoss loss;
      RETURN_IF_ERROR(Seconds((*it)[i], w, "at_s", &loss.at_ms));
      RETURN_IF_ERROR(Int((*it)[i], w, "count", 0, &loss.count));
      s.agent_losses.push_back(loss);
    }
  }
  if (auto it = doc.find("updates"); it != doc.end()) {
    if (!it->is_array()) return FieldError("updates", "must be a list");
    for (size_t i = 0; i < it->size(); ++i) {
      UpdateSpec u;
      RETURN_IF_ERROR(ParseUpdate((*it)[i], absl::StrCat("updates[", i, "]"), s.jobs, &u));
      s.updates.push_back(std::move(u));
    }
  }
  return s;
}

int64_t HostCount(const Scenario& s) {
  int64_t n = 0;
  for (const HostShape& h : s.host_shapes) n += h.count;
  return n;
}

absl::StatusOr<Scenario> LoadScenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read scenario file ", path));
  std::stringstream buf;
  buf << in.rdbuf();
  auto s = ParseScenario(buf.str());
  if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.status().message()));
  return s;
}

}  // namespace borealis::sim
