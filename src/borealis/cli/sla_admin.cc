// aurora_admin sla_list_safe_domain and sla_probe_hosts (see sla_commands.h): their
// arguments, host lists and override files, and the task queries behind the domain vector.
#include <fstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "borealis/base/status.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/sla_commands.h"

namespace borealis::cli {
namespace {

absl::Status BadParameter(std::string message) {
  return WithExitCode(absl::InvalidArgumentError(std::move(message)), kExitInvalidParameter);
}

absl::StatusOr<double> ParseSlaPercentage(const std::string& text) {
  double v = 0;
  if (!absl::SimpleAtod(absl::StripAsciiWhitespace(text), &v) || !(v > 0 && v <= 100)) {
    return BadParameter(absl::StrCat("Invalid percentage ", text, ". Must be within (0, 100]."));
  }
  return v;
}

absl::StatusOr<std::vector<std::string>> ReadLines(const std::string& filename) {
  std::ifstream in(filename);
  if (!in) return BadParameter(absl::StrCat("cannot read '", filename, "'"));
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::vector<std::string> HostList(const std::string& list) {
  std::vector<std::string> out;
  for (absl::string_view h : absl::StrSplit(list, ',')) {
    out.emplace_back(absl::StripAsciiWhitespace(h));
  }
  return out;
}

// Hosts from a comma list or a file (one per line); neither: empty; both: an error.
absl::StatusOr<std::vector<std::string>> OptionalHosts(const std::string& list,
                                                       const std::string& file) {
  if (!list.empty() && !file.empty()) {
    return BadParameter("Cannot specify both filename and list for the same option.");
  }
  if (!file.empty()) {
    ASSIGN_OR_RETURN(std::vector<std::string> lines, ReadLines(file));
    std::vector<std::string> hosts;
    for (const std::string& l : lines) hosts.emplace_back(absl::StripAsciiWhitespace(l));
    if (hosts.empty()) return BadParameter(absl::StrCat("No valid hosts found in ", file, "."));
    return hosts;
  }
  if (!list.empty()) return HostList(list);
  return std::vector<std::string>();
}

// Override lines "cluster/role/env/job percentage duration" by job path.
absl::StatusOr<std::map<std::string, DomainUptimeVector::JobLimit>> ParseOverrides(
    const std::string& filename) {
  std::map<std::string, DomainUptimeVector::JobLimit> out;
  if (filename.empty()) return out;
  ASSIGN_OR_RETURN(std::vector<std::string> lines, ReadLines(filename));
  for (size_t i = 0; i < lines.size(); ++i) {
    std::vector<std::string> tokens = absl::StrSplit(lines[i], absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (tokens.empty()) continue;
    if (tokens.size() != 3) {
      return BadParameter(absl::StrCat("Invalid line in ", filename, ":", i + 1, ": ", lines[i]));
    }
    ASSIGN_OR_RETURN(ClusterJobKey key, ParseJobKey(tokens[0]));
    ASSIGN_OR_RETURN(double pct, ParseSlaPercentage(tokens[1]));
    ASSIGN_OR_RETURN(int64_t secs, ParseSlaDuration(tokens[2]));
    out[key.ToString()] = DomainUptimeVector::JobLimit{pct, secs};
  }
  return out;
}

absl::Status CheckGrouping(const std::string& grouping) {
  if (grouping == "by_host" || grouping == "none") return absl::OkStatus();
  return BadParameter(absl::StrCat("Unknown grouping function ", grouping,
                                   ". Must be one of: by_host, none"));
}

// The live tasks of every job with a task on `hosts` (every live task when `hosts` is
// empty), as Aurora's get_domain_uptime_vector queries them.
absl::StatusOr<std::vector<api::ScheduledTask>> DomainTasks(SchedulerClient& client,
                                                            const std::vector<std::string>& hosts) {
  api::TaskQuery q;
  q.__set_statuses(SlaLiveStatuses());
  if (hosts.empty()) return client.GetTasksWithoutConfigs(q);
  api::TaskQuery on_hosts = q;
  on_hosts.__set_slaveHosts(std::set<std::string>(hosts.begin(), hosts.end()));
  ASSIGN_OR_RETURN(std::vector<api::ScheduledTask> there, client.GetTasksWithoutConfigs(on_hosts));
  std::set<api::JobKey> jobs;
  for (const api::ScheduledTask& t : there) jobs.insert(t.assignedTask.task.job);
  if (jobs.empty()) return std::vector<api::ScheduledTask>();
  q.__set_jobKeys(jobs);
  return client.GetTasksWithoutConfigs(q);
}

void Print(CliContext& ctx, const std::vector<std::string>& lines) {
  for (const std::string& l : lines) ctx.out << l << "\n";
}

}  // namespace

absl::Status AdminSlaListSafeDomain(CliContext& ctx, const SlaDomainOptions& o) {
  ASSIGN_OR_RETURN(double pct, ParseSlaPercentage(o.percentage));
  ASSIGN_OR_RETURN(int64_t secs, ParseSlaDuration(o.duration));
  ASSIGN_OR_RETURN(std::vector<std::string> exclude, OptionalHosts(o.exclude_hosts, o.exclude_file));
  ASSIGN_OR_RETURN(std::vector<std::string> include, OptionalHosts(o.include_hosts, o.include_file));
  ASSIGN_OR_RETURN(auto overrides, ParseOverrides(o.override_file));
  RETURN_IF_ERROR(CheckGrouping(o.grouping));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, o.cluster));
  ASSIGN_OR_RETURN(std::vector<api::ScheduledTask> tasks, DomainTasks(client, include));
  DomainUptimeVector vector(o.cluster, tasks, o.min_instance_count, include, ctx.clock.NowMs());
  Print(ctx, FormatSafeDomain(vector.SafeHosts(pct, secs, overrides, o.grouping),
                              std::set<std::string>(exclude.begin(), exclude.end()), o.list_jobs));
  return absl::OkStatus();
}

absl::Status AdminSlaProbeHosts(CliContext& ctx, const SlaDomainOptions& o) {
  ASSIGN_OR_RETURN(double pct, ParseSlaPercentage(o.percentage));
  ASSIGN_OR_RETURN(int64_t secs, ParseSlaDuration(o.duration));
  if (o.filename.empty() == o.hosts.empty()) {
    return BadParameter("Please specify either --filename or --hosts");
  }
  ASSIGN_OR_RETURN(std::vector<std::string> hosts, OptionalHosts(o.hosts, o.filename));
  RETURN_IF_ERROR(CheckGrouping(o.grouping));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, o.cluster));
  ASSIGN_OR_RETURN(std::vector<api::ScheduledTask> tasks, DomainTasks(client, hosts));
  DomainUptimeVector vector(o.cluster, tasks, o.min_instance_count, hosts, ctx.clock.NowMs());
  Print(ctx, FormatProbeResults(vector.ProbeHosts(pct, secs, o.grouping)));
  return absl::OkStatus();
}

}  // namespace borealis::cli
