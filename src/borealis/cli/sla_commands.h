// The SLA commands, computed on the client from task queries as Aurora's client did
// (docs/aurora-compatibility.md, "SLA"):
//   borealis sla get-task-up-count CLUSTER/ROLE/ENV/NAME [--durations=1m,10m,...]
//   borealis sla get-job-uptime CLUSTER/ROLE/ENV/NAME [--percentiles=99,95,...] [--write-json]
//   aurora_admin sla_list_safe_domain CLUSTER PERCENTAGE DURATION [filters]
//   aurora_admin sla_probe_hosts CLUSTER PERCENTAGE DURATION --hosts=H1,H2|--filename=F
// plus the pure pieces they are built from: the job uptime vector (per live instance, the
// seconds since its first RUNNING event) and the domain vector (per host, what each
// production job's up count would be if the host's tasks went down).
//
// Exit codes: bad arguments kExitInvalidParameter (aurora_admin: 1), API failures
// kExitApiError. Thread contract: commands run on the caller's thread and block.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/cli/context.h"
#include "borealis/cli/job_key.h"
#include "gen-cpp/api_types.h"

namespace borealis::cli {

struct SlaJobOptions {
  std::string job_key;      // CLUSTER/ROLE/ENV/NAME
  std::string durations;    // get-task-up-count: "1m,10m,1h,12h,7d" when empty
  std::string percentiles;  // get-job-uptime: "99,95,90,85,75,60,50,30,10" when empty
  bool write_json = false;  // get-job-uptime
};

absl::Status SlaGetTaskUpCount(CliContext& ctx, const SlaJobOptions& options);
absl::Status SlaGetJobUptime(CliContext& ctx, const SlaJobOptions& options);

struct SlaDomainOptions {
  std::string cluster;
  std::string percentage;  // (0, 100]
  std::string duration;    // XdYhZmWs
  std::string grouping = "by_host";
  int32_t min_instance_count = 10;
  // sla_list_safe_domain
  std::string exclude_hosts, exclude_file, include_hosts, include_file, override_file;
  bool list_jobs = false;
  // sla_probe_hosts
  std::string hosts, filename;
};

absl::Status AdminSlaListSafeDomain(CliContext& ctx, const SlaDomainOptions& options);
absl::Status AdminSlaProbeHosts(CliContext& ctx, const SlaDomainOptions& options);

// --- pure pieces --------------------------------------------------------------------------

// Aurora's LIVE_STATES, what the SLA task queries ask for.
std::set<api::ScheduleStatus::type> SlaLiveStatuses();

// "XdYhZmWs" (each part optional, in that order, at least one) in seconds.
absl::StatusOr<int64_t> ParseSlaDuration(const std::string& text);
// A comma list of durations, sorted ascending.
absl::StatusOr<std::vector<int64_t>> ParseSlaDurations(const std::string& text);
// As Aurora prints a duration: in the largest of days, hrs, mins, secs that divides it
// ("3 mins", "54 hrs", "7 days").
std::string FormatSlaDuration(int64_t seconds);
// A comma list of percentiles in (0, 100), sorted ascending; a bad one is
// "Invalid percentile value:X. Must be between 0.0 and 100.0 exclusive."
absl::StatusOr<std::vector<double>> ParsePercentiles(const std::string& text);

class JobUptimeVector {
 public:
  // `tasks` of one job; an instance's uptime is now - its task's first RUNNING event,
  // in whole seconds (instances never RUNNING are left out).
  JobUptimeVector(const std::vector<api::ScheduledTask>& tasks, int64_t now_ms);

  int64_t total_tasks() const { return static_cast<int64_t>(uptimes_.size()); }
  // Percent of instances up at least `duration_secs`, out of `total` (0: the vector's own
  // count).
  double TaskUpCount(int64_t duration_secs, int64_t total = 0) const;
  // Uptime (seconds) at `percentile` in (0, 100): the instance that this percent of
  // instances have been up at least as long as.
  int64_t JobUptime(double percentile) const;
  // Seconds until `percentile` % of `total` instances will have been up `duration_secs`:
  // 0 when they already are, nullopt when too few instances are up to ever reach it.
  std::optional<int64_t> WaitTimeToSla(double percentile, int64_t duration_secs,
                                       int64_t total = 0) const;

 private:
  std::map<int32_t, int64_t> uptimes_;  // instance → seconds
};

// "1 mins\t- 10.65 %" lines (no trailing newline), as `sla get-task-up-count` prints them.
std::string FormatTaskUpCount(const JobUptimeVector& vector, const std::vector<int64_t>& durations);
// "99.0 percentile\t- 915 seconds" lines, highest percentile first.
std::string FormatJobUptime(const JobUptimeVector& vector, const std::vector<double>& percentiles);

// Live production tasks of the cluster by job and host, for the admin SLA verbs.
class DomainUptimeVector {
 public:
  struct JobLimit {
    double percentage = 0;
    int64_t duration_secs = 0;
  };
  struct SafeJob {  // sla_list_safe_domain --list_jobs
    std::string job;  // cluster/role/env/name
    double percentage = 0;
    int64_t duration_secs = 0;
  };
  struct ProbedJob {  // sla_probe_hosts
    std::string job;
    double predicted_percentage = 0;
    bool safe = false;
    std::optional<int64_t> safe_in_secs;
  };
  using Groups = std::vector<std::map<std::string, std::vector<SafeJob>>>;
  using ProbeGroups = std::vector<std::map<std::string, std::vector<ProbedJob>>>;

  // Jobs with fewer production tasks than `min_instance_count` are ignored. `host_filter`
  // (may be empty) limits the hosts whose jobs are looked at.
  DomainUptimeVector(const std::string& cluster, const std::vector<api::ScheduledTask>& tasks,
                     int32_t min_instance_count, std::vector<std::string> host_filter,
                     int64_t now_ms);

  // Groups of hosts (by `grouping`: "by_host" or "none") where every job keeps at least
  // its percentage (from `limits` by job path, else the defaults) with the group down.
  Groups SafeHosts(double percentage, int64_t duration_secs,
                   const std::map<std::string, JobLimit>& limits,
                   const std::string& grouping) const;
  // For each group of the filter hosts: each job's predicted up count with the group down.
  ProbeGroups ProbeHosts(double percentage, int64_t duration_secs,
                         const std::string& grouping) const;

 private:
  // The job's up count (and the vector of what is left) with `hosts` down.
  std::pair<double, JobUptimeVector> SimulateDown(const std::string& job,
                                                  const std::set<std::string>& hosts,
                                                  int64_t duration_secs) const;
  std::map<std::string, std::set<std::string>> GroupHosts(const std::set<std::string>& hosts,
                                                          const std::string& grouping) const;

  int64_t now_ms_;
  std::vector<std::string> host_filter_;
  std::map<std::string, std::vector<api::ScheduledTask>> tasks_by_job_;
  std::map<std::string, std::set<std::string>> jobs_by_host_;
  std::map<std::string, std::set<std::string>> hosts_by_job_;
};

// sla_probe_hosts lines: "HOST\tJOB\tPREDICTED\tSAFE\tSAFE_IN" (True/False, n/a).
std::vector<std::string> FormatProbeResults(const DomainUptimeVector::ProbeGroups& groups);
// sla_list_safe_domain lines: hosts, or with `list_jobs` "HOST\tJOB\tPCT\tDURATION".
std::vector<std::string> FormatSafeDomain(const DomainUptimeVector::Groups& groups,
                                          const std::set<std::string>& exclude, bool list_jobs);

}  // namespace borealis::cli
