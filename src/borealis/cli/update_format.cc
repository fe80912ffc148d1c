// The `update` noun's pure pieces (update_commands.h): settings from a configuration,
// status filters, and the list and info output in Aurora's layout.
#include <algorithm>
#include <cstdint>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/job_commands.h"
#include "borealis/cli/update_commands.h"
#include "borealis/wire/convert.h"

namespace borealis::cli {
namespace {

using nlohmann::json;
using S = api::JobUpdateStatus;

absl::Status ConfigError(const std::string& field, const std::string& message) {
  return WithExitCode(absl::InvalidArgumentError(absl::StrCat("update_config.", field, ": ", message)),
                      kExitInvalidConfig);
}

// The integer at `field` of `object` (`fallback` when absent); a non-integer is an error.
absl::StatusOr<int64_t> Int(const json& object, const std::string& field, const std::string& path,
                            int64_t fallback) {
  if (!object.contains(field) || object.at(field).is_null()) return fallback;
  const json& v = object.at(field);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>()))) {
    return static_cast<int64_t>(v.get<double>());
  }
  return ConfigError(path, absl::StrCat("expected an integer, got ", v.dump()));
}

absl::StatusOr<bool> Bool(const json& object, const std::string& field, bool fallback) {
  if (!object.contains(field) || object.at(field).is_null()) return fallback;
  const json& v = object.at(field);
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer()) return v.get<int64_t>() != 0;
  return ConfigError(field, absl::StrCat("expected a boolean, got ", v.dump()));
}

absl::StatusOr<int32_t> Positive(const json& object, const std::string& field,
                                 const std::string& path, int64_t fallback) {
  auto v = Int(object, field, path, fallback);
  if (!v.ok()) return v.status();
  if (*v <= 0 || *v > INT32_MAX) return ConfigError(path, "must be positive");
  return static_cast<int32_t>(*v);
}

// The update_strategy Choice, told apart by its fields as the loader writes them:
// batch_sizes -> VariableBatch, autopause_after_batch -> Batch, else Queue.
absl::Status SetStrategy(const json& strategy, api::JobUpdateSettings* s) {
  if (!strategy.is_object()) {
    return ConfigError("update_strategy", "expected a QueueUpdateStrategy, "
                                          "BatchUpdateStrategy or VariableBatchUpdateStrategy");
  }
  const std::string prefix = "update_strategy.";
  absl::StatusOr<bool> autopause = Bool(strategy, "autopause_after_batch", false);
  if (!autopause.ok()) return autopause.status();
  api::JobUpdateStrategy out;
  if (strategy.contains("batch_sizes")) {
    const json& sizes = strategy.at("batch_sizes");
    if (!sizes.is_array() || sizes.empty()) {
      return ConfigError(prefix + "batch_sizes", "must be a non-empty list of positive integers");
    }
    api::VariableBatchJobUpdateStrategy v;
    for (size_t i = 0; i < sizes.size(); ++i) {
      json one = {{"n", sizes[i]}};
      auto n = Positive(one, "n", absl::StrCat(prefix, "batch_sizes[", i, "]"), 0);
      if (!n.ok()) return n.status();
      v.groupSizes.push_back(*n);
    }
    v.autopauseAfterBatch = *autopause;
    s->updateGroupSize = v.groupSizes[0];
    out.__set_varBatchStrategy(v);
  } else {
    auto size = Positive(strategy, "batch_size", prefix + "batch_size", 1);
    if (!size.ok()) return size.status();
    s->updateGroupSize = *size;
    if (strategy.contains("autopause_after_batch")) {
      api::BatchJobUpdateStrategy b;
      b.groupSize = *size;
      b.autopauseAfterBatch = *autopause;
      s->waitForBatchCompletion = true;
      out.__set_batchStrategy(b);
    } else {
      api::QueueJobUpdateStrategy q;
      q.groupSize = *size;
      out.__set_queueStrategy(q);
    }
  }
  s->__set_updateStrategy(out);
  return absl::OkStatus();
}

}  // namespace

std::set<api::Range> InstancesToRanges(const std::set<int32_t>& instances) {
  std::set<api::Range> out;
  auto it = instances.begin();
  while (it != instances.end()) {
    api::Range r;
    r.first = r.last = *it;
    for (++it; it != instances.end() && *it == r.last + 1; ++it) r.last = *it;
    out.insert(r);
  }
  return out;
}

absl::StatusOr<api::JobUpdateSettings> UpdateSettingsFromConfig(
    const json& update_config, const std::optional<std::set<int32_t>>& instances) {
  const json empty = json::object();
  const json& c = update_config.is_object() ? update_config : empty;
  api::JobUpdateSettings s;
  auto batch = Int(c, "batch_size", "batch_size", 1);
  auto watch = Int(c, "watch_secs", "watch_secs", 45);
  auto per_shard = Int(c, "max_per_shard_failures", "max_per_shard_failures", 0);
  auto total = Int(c, "max_total_failures", "max_total_failures", 0);
  auto rollback = Bool(c, "rollback_on_failure", true);
  auto wait_batch = Bool(c, "wait_for_batch_completion", false);
  auto sla_aware = Bool(c, "sla_aware", false);
  auto pulse = Int(c, "pulse_interval_secs", "pulse_interval_secs", -1);
  for (const absl::Status& st : {batch.status(), watch.status(), per_shard.status(),
                                 total.status(), rollback.status(), wait_batch.status(),
                                 sla_aware.status(), pulse.status()}) {
    if (!st.ok()) return st;
  }
  if (*batch <= 0) return ConfigError("batch_size", "must be positive");
  if (*watch < 0) return ConfigError("watch_secs", "must not be negative");
  if (*pulse != -1 && *pulse < 60) {
    return ConfigError("pulse_interval_secs", "must be at least 60 seconds");
  }
  const bool has_strategy = c.contains("update_strategy") && !c.at("update_strategy").is_null();
  if (has_strategy && *wait_batch) {
    return ConfigError("wait_for_batch_completion",
                       "may not be combined with update_strategy");
  }
  if (has_strategy && *batch > 1) {
    return ConfigError("batch_size", "may not be combined with update_strategy (set the "
                                     "strategy's own batch size)");
  }
  s.updateGroupSize = static_cast<int32_t>(*batch);
  s.maxPerInstanceFailures = static_cast<int32_t>(*per_shard);
  s.maxFailedInstances = static_cast<int32_t>(*total);
  s.minWaitInInstanceRunningMs = static_cast<int32_t>(*watch * 1000);
  s.rollbackOnFailure = *rollback;
  s.waitForBatchCompletion = *wait_batch;
  if (has_strategy) {
    if (absl::Status st = SetStrategy(c.at("update_strategy"), &s); !st.ok()) return st;
  } else {
    json legacy = {{"batch_size", *batch}};
    if (*wait_batch) legacy["autopause_after_batch"] = false;
    if (absl::Status st = SetStrategy(legacy, &s); !st.ok()) return st;
  }
  if (*pulse != -1) s.__set_blockIfNoPulsesAfterMs(static_cast<int32_t>(*pulse * 1000));
  s.__set_slaAware(*sla_aware);
  if (instances.has_value() && !instances->empty()) {
    s.__set_updateOnlyTheseInstances(InstancesToRanges(*instances));
  }
  return s;
}

absl::StatusOr<api::JobUpdateRequest> BuildUpdateRequest(
    const config::JobSpec& spec, const model::JobConfiguration& job,
    const std::optional<std::set<int32_t>>& instances, const std::set<api::Metadata>& metadata,
    const std::string& file) {
  const json update_config =
      spec.original.contains("update_config") ? spec.original.at("update_config") : json();
  auto settings = UpdateSettingsFromConfig(update_config, instances);
  if (!settings.ok()) {
    return WithExitCode(absl::InvalidArgumentError(
                            absl::StrCat(file, ": ", settings.status().message())),
                        kExitInvalidConfig);
  }
  api::JobConfiguration thrift_job = wire::ToThrift(job);
  api::JobUpdateRequest request;
  request.taskConfig = std::move(thrift_job.taskConfig);
  request.instanceCount = thrift_job.instanceCount;
  request.settings = *std::move(settings);
  if (!metadata.empty()) request.__set_metadata(metadata);
  return request;
}

namespace {

std::string FormatRanges(std::vector<api::Range> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const api::Range& a, const api::Range& b) { return a.first < b.first; });
  std::vector<std::string> parts;
  for (const api::Range& r : ranges) {
    parts.push_back(r.first == r.last ? absl::StrCat("[", r.first, "]")
                                      : absl::StrCat("[", r.first, "-", r.last, "]"));
  }
  return absl::StrJoin(parts, ", ");
}

int32_t MinStart(const api::ConfigGroup& g) {
  int32_t least = INT32_MAX;
  for (const api::Range& r : g.instances) least = std::min(least, r.first);
  return least;
}

void AppendGroups(const std::string& header, const std::set<api::ConfigGroup>& groups,
                  const model::JobConfiguration* local, std::string* out) {
  if (groups.empty()) return;
  std::vector<const api::ConfigGroup*> sorted;
  for (const api::ConfigGroup& g : groups) sorted.push_back(&g);
  std::sort(sorted.begin(), sorted.end(), [](const api::ConfigGroup* a, const api::ConfigGroup* b) {
    return MinStart(*a) < MinStart(*b);
  });
  if (local == nullptr) {
    std::vector<api::Range> all;
    for (const api::ConfigGroup* g : sorted) all.insert(all.end(), g->instances.begin(), g->instances.end());
    absl::StrAppend(out, header, " ", FormatRanges(all), "\n");
    return;
  }
  for (const api::ConfigGroup* g : sorted) {
    absl::StrAppend(out, header, " ",
                    FormatRanges({g->instances.begin(), g->instances.end()}), "\n", "with diff:\n\n");
    auto running = wire::FromThrift(g->config);
    if (!running.ok()) {
      absl::StrAppend(out, "  (the scheduler's configuration is unreadable: ",
                      running.status().message(), ")\n\n");
      continue;
    }
    model::JobConfiguration remote = *local;
    remote.task = *running;
    for (const std::string& line : DiffJobs(remote, *local)) absl::StrAppend(out, "  ", line, "\n");
    absl::StrAppend(out, "\n");
  }
}

}  // namespace

std::string FormatUpdateDiff(const api::GetJobUpdateDiffResult& diff,
                             const model::JobConfiguration* local) {
  std::string out = "This job update will:\n";
  AppendGroups("add instances:", diff.add, nullptr, &out);
  AppendGroups("remove instances:", diff.remove, nullptr, &out);
  AppendGroups("update instances:", diff.update, local, &out);
  AppendGroups("not change instances:", diff.unchanged, nullptr, &out);
  return out;
}

bool IsActiveUpdateStatus(api::JobUpdateStatus::type status) {
  switch (status) {
    case S::ROLLING_FORWARD:
    case S::ROLLING_BACK:
    case S::ROLL_FORWARD_PAUSED:
    case S::ROLL_BACK_PAUSED:
    case S::ROLL_FORWARD_AWAITING_PULSE:
    case S::ROLL_BACK_AWAITING_PULSE:
      return true;
    default:
      return false;
  }
}

absl::StatusOr<std::set<api::JobUpdateStatus::type>> ParseStatusFilters(
    const std::vector<std::string>& names) {
  std::set<S::type> all;
  for (const auto& [value, name] : api::_JobUpdateStatus_VALUES_TO_NAMES) {
    all.insert(static_cast<S::type>(value));
  }
  std::set<S::type> out;
  for (const std::string& raw : names) {
    const std::string name = absl::AsciiStrToLower(raw);
    std::set<S::type> add;
    if (name == "active" || name == "inactive") {
      for (S::type s : all) {
        if (IsActiveUpdateStatus(s) == (name == "active")) add.insert(s);
      }
    } else if (name == "all") {
      add = all;
    } else if (name == "blocked") {
      add = {S::ROLL_FORWARD_AWAITING_PULSE, S::ROLL_BACK_AWAITING_PULSE};
    } else if (name == "failed") {
      add = {S::ERROR, S::FAILED, S::ROLLED_BACK};
    } else if (name == "paused") {
      add = {S::ROLL_FORWARD_PAUSED, S::ROLL_BACK_PAUSED};
    } else if (name == "succeeded") {
      add = {S::ROLLED_FORWARD};
    } else {
      const std::string upper = absl::AsciiStrToUpper(raw);
      for (S::type s : all) {
        if (UpdateStatusName(s) == upper) add.insert(s);
      }
      if (add.empty()) {
        return WithExitCode(
            absl::InvalidArgumentError(absl::StrCat(
                "--status '", raw, "': expected active, all, blocked, failed, inactive, paused, "
                                   "succeeded or an update status such as ROLLED_FORWARD")),
            kExitInvalidParameter);
      }
    }
    out.insert(add.begin(), add.end());
  }
  return out;
}

std::string FormatUpdateTimestamp(int64_t ms) {
  // Python 2's integer division, as Aurora's client: whole seconds, floored.
  const int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(secs), absl::UTCTimeZone());
}

std::string UpdateStatusName(api::JobUpdateStatus::type status) {
  auto it = api::_JobUpdateStatus_VALUES_TO_NAMES.find(status);
  if (it == api::_JobUpdateStatus_VALUES_TO_NAMES.end()) {
    return absl::StrCat("status ", static_cast<int>(status));
  }
  return it->second;
}

namespace {

std::string ActionName(api::JobUpdateAction::type action) {
  auto it = api::_JobUpdateAction_VALUES_TO_NAMES.find(action);
  if (it == api::_JobUpdateAction_VALUES_TO_NAMES.end()) {
    return absl::StrCat("action ", static_cast<int>(action));
  }
  return it->second;
}

std::string JobPath(const std::string& cluster, const api::JobKey& job) {
  return absl::StrCat(cluster, "/", job.role, "/", job.environment, "/", job.name);
}

// Python's "{0:N}" for a string: left-aligned, padded to N, never cut.
std::string Pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string Row(const std::vector<std::string>& cells) {
  static constexpr size_t kWidths[] = {47, 36, 15, 11, 19, 19};
  std::vector<std::string> padded;
  for (size_t i = 0; i < cells.size(); ++i) padded.push_back(Pad(cells[i], kWidths[i]));
  return absl::StrJoin(padded, " ") + "\n";
}

std::vector<api::Metadata> SortedMetadata(const api::JobUpdateSummary& summary) {
  std::vector<api::Metadata> out(summary.metadata.begin(), summary.metadata.end());
  std::sort(out.begin(), out.end(), [](const api::Metadata& a, const api::Metadata& b) {
    return std::tie(a.key, a.value) < std::tie(b.key, b.value);
  });
  return out;
}

}  // namespace

std::string FormatUpdateList(const std::string& cluster,
                             const std::vector<api::JobUpdateSummary>& summaries) {
  if (summaries.empty()) return "";
  std::string out =
      Row({"JOB", "UPDATE ID", "STATUS", "CREATED BY", "STARTED", "LAST MODIFIED"});
  for (const api::JobUpdateSummary& s : summaries) {
    absl::StrAppend(&out, Row({JobPath(cluster, s.key.job), s.key.id,
                               UpdateStatusName(s.state.status), s.user,
                               FormatUpdateTimestamp(s.state.createdTimestampMs),
                               FormatUpdateTimestamp(s.state.lastModifiedTimestampMs)}));
  }
  return out;
}

std::string UpdateListJson(const std::string& cluster,
                           const std::vector<api::JobUpdateSummary>& summaries) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const api::JobUpdateSummary& s : summaries) {
    out.push_back({{"job", JobPath(cluster, s.key.job)},
                   {"id", s.key.id},
                   {"user", s.user},
                   {"started", FormatUpdateTimestamp(s.state.createdTimestampMs)},
                   {"last_modified", FormatUpdateTimestamp(s.state.lastModifiedTimestampMs)},
                   {"status", UpdateStatusName(s.state.status)}});
  }
  return out.dump(2);
}

std::string FormatUpdateInfo(const std::string& job, const api::JobUpdateDetails& details) {
  const api::JobUpdateSummary& summary = details.update.summary;
  std::string out = absl::StrCat("Job: ", job, ", UpdateID: ", summary.key.id, "\n");
  absl::StrAppend(&out, "Started ", FormatUpdateTimestamp(summary.state.createdTimestampMs),
                  ", last activity: ", FormatUpdateTimestamp(summary.state.lastModifiedTimestampMs),
                  "\n");
  absl::StrAppend(&out, "Current status: ", UpdateStatusName(summary.state.status), "\n");
  if (!details.updateEvents.empty()) {
    absl::StrAppend(&out, "Update events:\n");
    for (const api::JobUpdateEvent& e : details.updateEvents) {
      absl::StrAppend(&out, "  Status: ", UpdateStatusName(e.status), " at ",
                      FormatUpdateTimestamp(e.timestampMs), "\n");
      if (!e.message.empty()) absl::StrAppend(&out, "      message: ", e.message, "\n");
    }
  }
  if (!details.instanceEvents.empty()) {
    absl::StrAppend(&out, "Instance events:\n");
    for (const api::JobInstanceUpdateEvent& e : details.instanceEvents) {
      absl::StrAppend(&out, "  Instance ", e.instanceId, " at ", FormatUpdateTimestamp(e.timestampMs),
                      ": ", ActionName(e.action), "\n");
    }
  }
  if (summary.__isset.metadata) {
    absl::StrAppend(&out, "Metadata:\n");
    for (const api::Metadata& m : SortedMetadata(summary)) {
      absl::StrAppend(&out, "  ", m.key, ": ", m.value, "\n");
    }
  }
  return out;
}

std::string UpdateInfoJson(const std::string& job, const api::JobUpdateDetails& details) {
  const api::JobUpdateSummary& summary = details.update.summary;
  nlohmann::ordered_json out = {
      {"updateId", summary.key.id},
      {"job", job},
      {"started", summary.state.createdTimestampMs},  // raw milliseconds, as Aurora
      {"last_modified", FormatUpdateTimestamp(summary.state.lastModifiedTimestampMs)},
      {"status", UpdateStatusName(summary.state.status)},
      {"update_events", nlohmann::ordered_json::array()},
      {"instance_update_events", nlohmann::ordered_json::array()}};
  if (summary.__isset.metadata) {
    nlohmann::ordered_json metadata = nlohmann::ordered_json::array();
    for (const api::Metadata& m : SortedMetadata(summary)) metadata.push_back({{m.key, m.value}});
    out["metadata"] = std::move(metadata);
  }
  for (const api::JobUpdateEvent& e : details.updateEvents) {
    nlohmann::ordered_json event = {{"status", UpdateStatusName(e.status)},
                                    {"timestampMs", e.timestampMs}};
    if (!e.message.empty()) event["message"] = e.message;
    out["update_events"].push_back(std::move(event));
  }
  for (const api::JobInstanceUpdateEvent& e : details.instanceEvents) {
    out["instance_update_events"].push_back({{"instance", e.instanceId},
                                             {"timestamp", e.timestampMs},
                                             {"action", ActionName(e.action)}});
  }
  return out.dump(2);
}

std::string UpdateUrl(const std::string& scheduler_uri, const api::JobUpdateKey& key) {
  return absl::StrCat(scheduler_uri, "/scheduler/", key.job.role, "/", key.job.environment, "/",
                      key.job.name, "/update/", key.id);
}

int UpdateWaitExitCode(api::JobUpdateStatus::type status, bool rolling_back) {
  const S::type success = rolling_back ? S::ROLLED_BACK : S::ROLLED_FORWARD;
  const S::type opposite = rolling_back ? S::ROLLED_FORWARD : S::ROLLED_BACK;
  if (status == success) return kExitOk;
  if (status == opposite) return kExitCommandFailure;
  return kExitUnknownError;
}

absl::Status CheckPromotable(const api::JobUpdateSummary& summary) {
  const bool canary = std::any_of(summary.metadata.begin(), summary.metadata.end(),
                                  [](const api::Metadata& m) { return m.key == kCanaryKey; });
  const std::string id = absl::StrCat("update ", summary.key.id, " of ",
                                      summary.key.job.role, "/", summary.key.job.environment,
                                      "/", summary.key.job.name);
  if (!canary) {
    return absl::FailedPreconditionError(
        absl::StrCat(id, " is not a canary update (started without --canary); nothing to promote"));
  }
  if (summary.state.status != S::ROLL_FORWARD_PAUSED) {
    return absl::FailedPreconditionError(absl::StrCat(
        id, " is ", UpdateStatusName(summary.state.status),
        ", not a canary waiting for promotion (ROLL_FORWARD_PAUSED)"));
  }
  for (const api::Metadata& m : summary.metadata) {
    if (m.key == kCanaryStateKey && m.value != "awaiting_promotion") {
      return absl::FailedPreconditionError(absl::StrCat(
          id, " is paused but its canary is not waiting for promotion (", kCanaryStateKey, "=",
          m.value, ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace borealis::cli
