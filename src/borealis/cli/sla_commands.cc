// The SLA commands (see sla_commands.h): Aurora's client-side SLA math over task queries.
#include "borealis/cli/sla_commands.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "borealis/base/status.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/quota_commands.h"
#include "borealis/model/schedule_status.h"

namespace borealis::cli {
namespace {

absl::Status BadParameter(std::string message) {
  return WithExitCode(absl::InvalidArgumentError(std::move(message)), kExitInvalidParameter);
}

constexpr char kDefaultDurations[] = "1m,10m,1h,12h,7d";
constexpr char kDefaultPercentiles[] = "99,95,90,85,75,60,50,30,10";

std::string JobPath(const std::string& cluster, const api::JobKey& key) {
  return absl::StrCat(cluster, "/", key.role, "/", key.environment, "/", key.name);
}

}  // namespace

std::set<api::ScheduleStatus::type> SlaLiveStatuses() {
  std::set<api::ScheduleStatus::type> out;
  for (model::ScheduleStatus s : model::AllStatuses()) {
    if (model::IsLive(s)) out.insert(static_cast<api::ScheduleStatus::type>(static_cast<int>(s)));
  }
  return out;
}

// ---------------------------------------------------------------- parsing

absl::StatusOr<int64_t> ParseSlaDuration(const std::string& text) {
  const std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  const std::string error = absl::StrCat("Invalid time string: '", text,
                                         "' (format XdYhZmWs, e.g. 30m or 1d12h)");
  int64_t total = 0;
  size_t i = 0;
  int next_unit = 0;  // d, h, m, s must come in this order
  bool any = false;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i || j == s.size()) return BadParameter(error);
    int64_t n = 0;
    if (!absl::SimpleAtoi(s.substr(i, j - i), &n) || n > 100'000'000) return BadParameter(error);
    static constexpr struct { char unit; int64_t secs; } kUnits[] = {
        {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
    int u = next_unit;
    while (u < 4 && kUnits[u].unit != s[j]) ++u;
    if (u == 4) return BadParameter(error);
    total += n * kUnits[u].secs;
    next_unit = u + 1;
    any = true;
    i = j + 1;
  }
  if (!any) return BadParameter(error);
  return total;
}

absl::StatusOr<std::vector<int64_t>> ParseSlaDurations(const std::string& text) {
  std::vector<int64_t> out;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    ASSIGN_OR_RETURN(int64_t secs, ParseSlaDuration(std::string(part)));
    out.push_back(secs);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string FormatSlaDuration(int64_t seconds) {
  if (seconds != 0 && seconds % 86400 == 0) return absl::StrCat(seconds / 86400, " days");
  if (seconds != 0 && seconds % 3600 == 0) return absl::StrCat(seconds / 3600, " hrs");
  if (seconds != 0 && seconds % 60 == 0) return absl::StrCat(seconds / 60, " mins");
  return absl::StrCat(seconds, " secs");
}

absl::StatusOr<std::vector<double>> ParsePercentiles(const std::string& text) {
  std::vector<double> out;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    double p = 0;
    if (!absl::SimpleAtod(absl::StripAsciiWhitespace(part), &p) || !(p > 0 && p < 100)) {
      return BadParameter(absl::StrCat("Invalid percentile value:", part,
                                       ". Must be between 0.0 and 100.0 exclusive."));
    }
    out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ---------------------------------------------------------------- the job vector

JobUptimeVector::JobUptimeVector(const std::vector<api::ScheduledTask>& tasks, int64_t now_ms) {
  for (const api::ScheduledTask& t : tasks) {
    for (const api::TaskEvent& e : t.taskEvents) {
      if (e.status != api::ScheduleStatus::RUNNING) continue;
      const double secs = std::floor(static_cast<double>(now_ms - e.timestamp) / 1000);
      uptimes_[t.assignedTask.instanceId] = static_cast<int64_t>(secs);
      break;
    }
  }
}

double JobUptimeVector::TaskUpCount(int64_t duration_secs, int64_t total) const {
  if (total == 0) total = total_tasks();
  int64_t above = 0;
  for (const auto& [instance, up] : uptimes_) above += up >= duration_secs ? 1 : 0;
  return total > 0 ? 100.0 * static_cast<double>(above) / static_cast<double>(total) : 0;
}

int64_t JobUptimeVector::JobUptime(double percentile) const {
  const int64_t total = total_tasks();
  const auto value = static_cast<int64_t>(std::floor(percentile / 100.0 * static_cast<double>(total)));
  const int64_t index = total - value - 1;
  if (index < 0 || index >= total) return 0;
  std::vector<int64_t> sorted;
  for (const auto& [instance, up] : uptimes_) sorted.push_back(up);
  std::sort(sorted.begin(), sorted.end());
  return sorted[static_cast<size_t>(index)];
}

std::optional<int64_t> JobUptimeVector::WaitTimeToSla(double percentile, int64_t duration_secs,
                                                      int64_t total) const {
  if (TaskUpCount(duration_secs, total) >= percentile) return 0;
  const int64_t elements = total_tasks();
  if (total == 0) total = elements;
  const auto target = static_cast<int64_t>(std::ceil(static_cast<double>(total) * percentile / 100.0));
  const int64_t index = elements - target;
  if (index < 0 || index >= elements) return std::nullopt;
  std::vector<int64_t> sorted;
  for (const auto& [instance, up] : uptimes_) sorted.push_back(up);
  std::sort(sorted.begin(), sorted.end());
  return duration_secs - sorted[static_cast<size_t>(index)];
}

std::string FormatTaskUpCount(const JobUptimeVector& vector, const std::vector<int64_t>& durations) {
  std::vector<std::string> lines;
  for (int64_t d : durations) {
    lines.push_back(absl::StrFormat("%s\t- %.2f %%", FormatSlaDuration(d), vector.TaskUpCount(d)));
  }
  return absl::StrJoin(lines, "\n");
}

std::string FormatJobUptime(const JobUptimeVector& vector, const std::vector<double>& percentiles) {
  std::vector<double> sorted = percentiles;
  std::sort(sorted.rbegin(), sorted.rend());
  std::vector<std::string> lines;
  for (double p : sorted) {
    lines.push_back(absl::StrCat(PythonFloat(p), " percentile\t- ", vector.JobUptime(p), " seconds"));
  }
  return absl::StrJoin(lines, "\n");
}

// ---------------------------------------------------------------- the domain vector

DomainUptimeVector::DomainUptimeVector(const std::string& cluster,
                                       const std::vector<api::ScheduledTask>& tasks,
                                       int32_t min_instance_count,
                                       std::vector<std::string> host_filter, int64_t now_ms)
    : now_ms_(now_ms), host_filter_(std::move(host_filter)) {
  std::map<std::string, std::vector<api::ScheduledTask>> by_job;
  for (const api::ScheduledTask& t : tasks) {
    if (t.assignedTask.task.production) by_job[JobPath(cluster, t.assignedTask.task.job)].push_back(t);
  }
  for (auto& [job, ts] : by_job) {
    if (static_cast<int64_t>(ts.size()) < min_instance_count) continue;
    for (const api::ScheduledTask& t : ts) {
      jobs_by_host_[t.assignedTask.slaveHost].insert(job);
      hosts_by_job_[job].insert(t.assignedTask.slaveHost);
    }
    tasks_by_job_[job] = std::move(ts);
  }
}

std::map<std::string, std::set<std::string>> DomainUptimeVector::GroupHosts(
    const std::set<std::string>& hosts, const std::string& grouping) const {
  std::map<std::string, std::set<std::string>> groups;
  for (const std::string& h : hosts) groups[grouping == "none" ? "_all_hosts_" : h].insert(h);
  return groups;
}

std::pair<double, JobUptimeVector> DomainUptimeVector::SimulateDown(
    const std::string& job, const std::set<std::string>& hosts, int64_t duration_secs) const {
  const std::vector<api::ScheduledTask>& all = tasks_by_job_.at(job);
  std::vector<api::ScheduledTask> left;
  for (const api::ScheduledTask& t : all) {
    if (hosts.count(t.assignedTask.slaveHost) == 0) left.push_back(t);
  }
  JobUptimeVector vector(left, now_ms_);
  const double pct = vector.TaskUpCount(duration_secs, static_cast<int64_t>(all.size()));
  return {pct, std::move(vector)};
}

DomainUptimeVector::Groups DomainUptimeVector::SafeHosts(
    double percentage, int64_t duration_secs, const std::map<std::string, JobLimit>& limits,
    const std::string& grouping) const {
  std::set<std::string> all_hosts;
  for (const auto& [host, jobs] : jobs_by_host_) all_hosts.insert(host);
  const std::set<std::string> filter(host_filter_.begin(), host_filter_.end());
  Groups out;
  for (const auto& [name, hosts] : GroupHosts(all_hosts, grouping)) {
    std::set<std::string> jobs;
    for (const std::string& h : hosts) {
      if (!filter.empty() && filter.count(h) == 0) continue;
      auto it = jobs_by_host_.find(h);
      if (it != jobs_by_host_.end()) jobs.insert(it->second.begin(), it->second.end());
    }
    std::map<std::string, std::vector<SafeJob>> safe;
    bool group_safe = true;
    for (const std::string& job : jobs) {
      std::set<std::string> job_hosts;
      for (const std::string& h : hosts_by_job_.at(job)) {
        if (hosts.count(h)) job_hosts.insert(h);
      }
      JobLimit limit{percentage, duration_secs};
      if (auto l = limits.find(job); l != limits.end()) limit = l->second;
      const double pct = SimulateDown(job, job_hosts, limit.duration_secs).first;
      if (pct < limit.percentage) {
        group_safe = false;
        break;
      }
      for (const std::string& h : job_hosts) safe[h].push_back(SafeJob{job, pct, limit.duration_secs});
    }
    if (group_safe) out.push_back(std::move(safe));
  }
  return out;
}

DomainUptimeVector::ProbeGroups DomainUptimeVector::ProbeHosts(double percentage,
                                                               int64_t duration_secs,
                                                               const std::string& grouping) const {
  const std::set<std::string> probed(host_filter_.begin(), host_filter_.end());
  ProbeGroups out;
  for (const auto& [name, hosts] : GroupHosts(probed, grouping)) {
    std::set<std::string> jobs;
    for (const std::string& h : hosts) {
      auto it = jobs_by_host_.find(h);
      if (it != jobs_by_host_.end()) jobs.insert(it->second.begin(), it->second.end());
    }
    std::map<std::string, std::vector<ProbedJob>> result;
    for (const std::string& job : jobs) {
      std::set<std::string> job_hosts;
      for (const std::string& h : hosts_by_job_.at(job)) {
        if (hosts.count(h)) job_hosts.insert(h);
      }
      auto [pct, left] = SimulateDown(job, job_hosts, duration_secs);
      ProbedJob probe{job, pct, pct >= percentage, 0};
      if (!probe.safe) {
        probe.safe_in_secs = left.WaitTimeToSla(
            percentage, duration_secs, static_cast<int64_t>(tasks_by_job_.at(job).size()));
      }
      for (const std::string& h : job_hosts) result[h].push_back(probe);
    }
    if (!result.empty()) out.push_back(std::move(result));
  }
  return out;
}

std::vector<std::string> FormatProbeResults(const DomainUptimeVector::ProbeGroups& groups) {
  std::vector<std::string> out;
  for (const auto& group : groups) {
    for (const auto& [host, jobs] : group) {
      std::vector<std::string> lines;
      for (const DomainUptimeVector::ProbedJob& j : jobs) {
        lines.push_back(absl::StrFormat(
            "%s\t%s\t%.2f\t%s\t%s", host, j.job, j.predicted_percentage, j.safe ? "True" : "False",
            j.safe_in_secs ? absl::StrCat(*j.safe_in_secs) : std::string("n/a")));
      }
      if (!lines.empty()) out.push_back(absl::StrJoin(lines, "\n"));
    }
  }
  return out;
}

std::vector<std::string> FormatSafeDomain(const DomainUptimeVector::Groups& groups,
                                          const std::set<std::string>& exclude, bool list_jobs) {
  std::vector<std::string> out;
  for (const auto& group : groups) {
    for (const auto& [host, jobs] : group) {
      if (exclude.count(host)) continue;
      if (!list_jobs) {
        out.push_back(host);
        continue;
      }
      std::vector<std::string> lines;
      for (const DomainUptimeVector::SafeJob& j : jobs) {
        lines.push_back(absl::StrFormat("%s\t%s\t%.2f\t%d", host, j.job, j.percentage, j.duration_secs));
      }
      out.push_back(absl::StrJoin(lines, "\n"));
    }
  }
  return out;
}

// ---------------------------------------------------------------- commands

namespace {

absl::StatusOr<std::vector<api::ScheduledTask>> JobLiveTasks(SchedulerClient& client,
                                                             const ClusterJobKey& key) {
  api::TaskQuery q;
  api::JobKey k;
  k.role = key.job.role;
  k.environment = key.job.environment;
  k.name = key.job.name;
  q.__set_jobKeys({k});
  q.__set_statuses(SlaLiveStatuses());
  return client.GetTasksWithoutConfigs(q);
}

// The uptime vector of the job `job_key` names, from its live tasks.
absl::StatusOr<JobUptimeVector> JobVector(CliContext& ctx, const std::string& job_key) {
  ASSIGN_OR_RETURN(ClusterJobKey key, ParseJobKey(job_key));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, key.cluster));
  ASSIGN_OR_RETURN(std::vector<api::ScheduledTask> tasks, JobLiveTasks(client, key));
  return JobUptimeVector(tasks, ctx.clock.NowMs());
}

}  // namespace

absl::Status SlaGetTaskUpCount(CliContext& ctx, const SlaJobOptions& options) {
  ASSIGN_OR_RETURN(std::vector<int64_t> durations,
                   ParseSlaDurations(options.durations.empty() ? kDefaultDurations
                                                               : options.durations));
  ASSIGN_OR_RETURN(JobUptimeVector vector, JobVector(ctx, options.job_key));
  ctx.out << FormatTaskUpCount(vector, durations) << "\n";
  return absl::OkStatus();
}

absl::Status SlaGetJobUptime(CliContext& ctx, const SlaJobOptions& options) {
  ASSIGN_OR_RETURN(std::vector<double> percentiles,
                   ParsePercentiles(options.percentiles.empty() ? kDefaultPercentiles
                                                                : options.percentiles));
  ASSIGN_OR_RETURN(JobUptimeVector vector, JobVector(ctx, options.job_key));
  if (!options.write_json) {
    ctx.out << FormatJobUptime(vector, percentiles) << "\n";
    return absl::OkStatus();
  }
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (auto it = percentiles.rbegin(); it != percentiles.rend(); ++it) {
    j.push_back({{"percentile", *it}, {"uptime_secs", vector.JobUptime(*it)}});
  }
  ctx.out << j.dump() << "\n";
  return absl::OkStatus();
}

}  // namespace borealis::cli
