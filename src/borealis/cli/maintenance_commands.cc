// Host maintenance commands (see maintenance_commands.h).
#include "borealis/cli/maintenance_commands.h"

#include <spawn.h>
#include <sys/wait.h>

#include <cmath>
#include <functional>
#include <set>

#include <CLI/CLI.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "borealis/base/status.h"
#include "borealis/cli/files.h"
#include "gen-cpp/api_types.h"

extern char** environ;

namespace borealis::cli {
namespace {

std::string ModeName(api::MaintenanceMode::type mode) {
  auto it = api::_MaintenanceMode_VALUES_TO_NAMES.find(static_cast<int>(mode));
  return it == api::_MaintenanceMode_VALUES_TO_NAMES.end() ? absl::StrCat(static_cast<int>(mode))
                                                             : std::string(it->second);
}

void Log(CliContext& ctx, const std::string& message) {
  ctx.out << "INFO " << message << std::endl;
}

absl::StatusOr<std::vector<std::string>> Hosts(const HostMaintenanceOptions& o) {
  std::string text;
  if (!o.filename.empty()) {
    auto read = ReadFile(o.filename);
    if (!read.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--filename: cannot read ", o.filename, ": ", read.status().message()));
    }
    text = *read;
  }
  return ParseHostList(o.hosts, o.filename, text);
}

void PrintStatuses(CliContext& ctx, const std::set<api::HostStatus>& statuses) {
  for (const api::HostStatus& s : statuses) Log(ctx, HostStateLine(s.host, ModeName(s.mode)));
}

// Polls maintenanceStatus until every host is DRAINED or `wait_secs` passed, printing
// which hosts are still waited for whenever that changes.
absl::Status WaitForDrained(CliContext& ctx, SchedulerClient& client,
                            const std::vector<std::string>& hosts, int64_t wait_secs) {
  const int64_t deadline = ctx.clock.NowMs() + wait_secs * 1000;
  std::string last;
  std::set<api::HostStatus> statuses;
  for (;;) {
    ASSIGN_OR_RETURN(statuses, client.MaintenanceStatus({hosts.begin(), hosts.end()}));
    std::vector<std::string> waiting;
    for (const api::HostStatus& s : statuses) {
      if (s.mode != api::MaintenanceMode::DRAINED) waiting.push_back(s.host);
    }
    if (waiting.empty()) return absl::OkStatus();
    const std::string line =
        absl::StrCat("Waiting for hosts to be in DRAINED: ", absl::StrJoin(waiting, ", "));
    if (line != last) Log(ctx, line);
    last = line;
    if (ctx.clock.NowMs() >= deadline) break;
    ctx.sleep_ms(1000);
  }
  std::vector<std::string> lines;
  for (const api::HostStatus& s : statuses) {
    if (s.mode != api::MaintenanceMode::DRAINED) {
      lines.push_back(absl::StrCat("\tHost:", s.host, "\tStatus:", ModeName(s.mode)));
    }
  }
  return absl::DeadlineExceededError(absl::StrCat("Failed to move all hosts into DRAINED within ",
                                                  wait_secs, " seconds:\n",
                                                  absl::StrJoin(lines, "\n")));
}

// Calls `method` with the hosts of `o` and prints their modes.
absl::Status CallAndPrint(CliContext& ctx, const HostMaintenanceOptions& o,
                          absl::StatusOr<std::set<api::HostStatus>> (SchedulerClient::*method)(
                              const std::set<std::string>&)) {
  ASSIGN_OR_RETURN(std::vector<std::string> hosts, Hosts(o));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, o.cluster));
  ASSIGN_OR_RETURN(auto statuses, (client.*method)({hosts.begin(), hosts.end()}));
  PrintStatuses(ctx, statuses);
  return absl::OkStatus();
}

absl::Status RunScript(const std::string& script, const std::string& host) {
  std::vector<std::string> args = {script, host};
  std::vector<char*> argv = {args[0].data(), args[1].data(), nullptr};
  pid_t pid = 0;
  if (int rc = posix_spawnp(&pid, script.c_str(), nullptr, nullptr, argv.data(), environ);
      rc != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("--post_drain_script: cannot run ", script, ": error ", rc));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("--post_drain_script ", script, " failed for host ", host));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseHostList(const std::string& hosts,
                                                       const std::string& filename,
                                                       const std::string& file_text) {
  if (hosts.empty() == filename.empty()) {
    return absl::InvalidArgumentError("give exactly one of --hosts and --filename");
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  if (!hosts.empty()) {
    for (absl::string_view h : absl::StrSplit(hosts, ',')) {
      const std::string host(absl::StripAsciiWhitespace(h));
      if (host.empty()) return absl::InvalidArgumentError("--hosts: an empty host name");
      if (!seen.insert(host).second) {
        return absl::InvalidArgumentError(absl::StrCat("--hosts: host '", host,
                                                       "' is listed twice"));
      }
      out.push_back(host);
    }
    return out;
  }
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(file_text, '\n')) {
    ++line_no;
    const std::string host(absl::StripAsciiWhitespace(line));
    if (host.empty()) continue;
    if (!seen.insert(host).second) {
      return absl::InvalidArgumentError(absl::StrCat(filename, ":", line_no, ": host '", host,
                                                     "' is listed twice"));
    }
    out.push_back(host);
  }
  if (out.empty()) return absl::InvalidArgumentError(absl::StrCat(filename, ": no host"));
  return out;
}

absl::StatusOr<int64_t> ParseDurationSecs(const std::string& text, const std::string& option) {
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        option, ": '", text, "' is not a time amount (e.g. 30m, 7d, 1h30m, 45s or seconds)"));
  };
  int64_t plain = 0;
  if (absl::SimpleAtoi(text, &plain)) return plain >= 0 ? absl::StatusOr<int64_t>(plain) : bad();
  int64_t total = 0;
  int64_t number = -1;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      number = (number < 0 ? 0 : number) * 10 + (c - '0');
      if (number > 1'000'000'000) return bad();
      continue;
    }
    int64_t unit = 0;
    switch (c) {
      case 'd': unit = 86400; break;
      case 'h': unit = 3600; break;
      case 'm': unit = 60; break;
      case 's': unit = 1; break;
      default: return bad();
    }
    if (number < 0) return bad();
    total += number * unit;
    number = -1;
  }
  if (number >= 0 || text.empty()) return bad();
  return total;
}

absl::StatusOr<double> ParsePercentage(const std::string& text, const std::string& option) {
  double p = 0;
  if (!absl::SimpleAtod(text, &p) || !std::isfinite(p) || p <= 0 || p > 100) {
    return absl::InvalidArgumentError(
        absl::StrCat(option, ": '", text, "' is not a percentage in (0, 100]"));
  }
  return p;
}

absl::StatusOr<std::vector<std::vector<std::string>>> GroupHosts(
    const std::vector<std::string>& hosts, const std::string& grouping) {
  std::vector<std::vector<std::string>> groups;
  if (grouping == "by_host") {
    for (const std::string& h : hosts) groups.push_back({h});
  } else if (grouping == "none") {
    groups.push_back(hosts);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "--grouping: unknown grouping '", grouping, "' (by_host or none)"));
  }
  return groups;
}

std::string HostStateLine(const std::string& host, const std::string& mode) {
  return absl::StrCat(host, " is in state: ", mode);
}

absl::Status HostDeactivate(CliContext& ctx, const HostMaintenanceOptions& o) {
  return CallAndPrint(ctx, o, &SchedulerClient::StartMaintenance);
}

absl::Status HostActivate(CliContext& ctx, const HostMaintenanceOptions& o) {
  return CallAndPrint(ctx, o, &SchedulerClient::EndMaintenance);
}

absl::Status HostDrain(CliContext& ctx, const HostMaintenanceOptions& o) {
  if (!o.override_percentage.empty() || !o.override_duration.empty() ||
      !o.override_reason.empty() || !o.unsafe_hosts_file.empty()) {
    return absl::UnimplementedError(
        "--override_percentage, --override_duration, --override_reason and "
        "--unsafe_hosts_file (the client-side SLA check of host_drain) are not supported "
        "yet; use sla_host_drain for an SLA-aware drain");
  }
  if (o.batch_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--batch_size: must be at least 1, got ", o.batch_size));
  }
  ASSIGN_OR_RETURN(std::vector<std::string> hosts, Hosts(o));
  ASSIGN_OR_RETURN(auto groups, GroupHosts(hosts, o.grouping));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, o.cluster));
  RETURN_IF_ERROR(client.StartMaintenance({hosts.begin(), hosts.end()}).status());
  for (size_t g = 0; g < groups.size(); g += static_cast<size_t>(o.batch_size)) {
    std::vector<std::string> batch;
    for (size_t i = g; i < groups.size() && i < g + static_cast<size_t>(o.batch_size); ++i) {
      batch.insert(batch.end(), groups[i].begin(), groups[i].end());
    }
    Log(ctx, absl::StrCat("Draining hosts: ", absl::StrJoin(batch, ", ")));
    RETURN_IF_ERROR(client.DrainHosts({batch.begin(), batch.end()}).status());
    RETURN_IF_ERROR(WaitForDrained(ctx, client, batch, o.drain_wait_secs));
    for (const std::string& host : batch) {
      Log(ctx, HostStateLine(host, "DRAINED"));
      if (!o.post_drain_script.empty()) RETURN_IF_ERROR(RunScript(o.post_drain_script, host));
    }
  }
  return absl::OkStatus();
}

absl::Status SlaHostDrain(CliContext& ctx, const HostMaintenanceOptions& o) {
  ASSIGN_OR_RETURN(double percentage, ParsePercentage(o.default_percentage, "--default_percentage"));
  ASSIGN_OR_RETURN(int64_t duration, ParseDurationSecs(o.default_duration, "--default_duration"));
  ASSIGN_OR_RETURN(int64_t timeout,
                   ParseDurationSecs(o.force_drain_timeout, "--force_drain_timeout"));
  ASSIGN_OR_RETURN(std::vector<std::string> hosts, Hosts(o));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, o.cluster));
  api::PercentageSlaPolicy p;
  p.__set_percentage(percentage);
  p.__set_durationSecs(duration);
  api::SlaPolicy policy;
  policy.__set_percentageSlaPolicy(p);
  ASSIGN_OR_RETURN(auto statuses,
                   client.SlaDrainHosts({hosts.begin(), hosts.end()}, policy, timeout));
  PrintStatuses(ctx, statuses);
  if (!o.wait) return absl::OkStatus();
  // Forced after `timeout`: waiting a little longer than that is enough.
  RETURN_IF_ERROR(WaitForDrained(ctx, client, hosts, timeout + 600));
  for (const std::string& host : hosts) Log(ctx, HostStateLine(host, "DRAINED"));
  return absl::OkStatus();
}

absl::Status HostStatus(CliContext& ctx, const HostMaintenanceOptions& o) {
  return CallAndPrint(ctx, o, &SchedulerClient::MaintenanceStatus);
}

void AddHostMaintenanceVerbs(CLI::App& parent, CliContext& ctx, HostMaintenanceOptions& o,
                             std::function<absl::Status()>& action, bool aurora_spelling) {
  struct Verb {
    const char* aurora;
    const char* borealis;
    const char* help;
    absl::Status (*run)(CliContext&, const HostMaintenanceOptions&);
  };
  for (const Verb& v :
       {Verb{"host_deactivate", "host-maintenance-start",
             "Put hosts into maintenance (SCHEDULED): placement avoids them", &HostDeactivate},
        Verb{"host_activate", "host-activate", "Take hosts out of maintenance (NONE)",
             &HostActivate},
        Verb{"host_drain", "host-drain",
             "Drain hosts now (their tasks are killed and rescheduled elsewhere) and wait "
             "for DRAINED",
             &HostDrain},
        Verb{"sla_host_drain", "sla-host-drain",
             "Drain hosts as their jobs' SLA allows, forced after --force_drain_timeout",
             &SlaHostDrain},
        Verb{"host_status", "host-status", "Print each host's maintenance mode",
             &HostStatus}}) {
    CLI::App* verb = parent.add_subcommand(aurora_spelling ? v.aurora : v.borealis, v.help);
    verb->add_option("cluster", o.cluster, "Cluster name")->required();
    verb->add_option("--hosts", o.hosts, "Comma-separated host names");
    verb->add_option("--filename", o.filename, "File with one host name per line");
    const std::string name = v.aurora;
    if (name == "host_drain") {
      verb->add_option("--grouping", o.grouping, "by_host (default) or none");
      verb->add_option("--batch_size", o.batch_size, "Groups drained at a time (default 1)");
      verb->add_option("--post_drain_script", o.post_drain_script,
                       "Run with each drained host as its argument");
      verb->add_option("--override_percentage", o.override_percentage, "Not supported yet");
      verb->add_option("--override_duration", o.override_duration, "Not supported yet");
      verb->add_option("--override_reason", o.override_reason, "Not supported yet");
      verb->add_option("--unsafe_hosts_file", o.unsafe_hosts_file, "Not supported yet");
    } else if (name == "sla_host_drain") {
      verb->add_option("--default_percentage", o.default_percentage,
                       "SLA percentage for jobs without a policy (default 95)");
      verb->add_option("--default_duration", o.default_duration,
                       "SLA duration for jobs without a policy (default 30m)");
      verb->add_option("--force_drain_timeout", o.force_drain_timeout,
                       "Drain regardless of SLA after this long (default 7d)");
      verb->add_flag("--wait", o.wait, "Wait for DRAINED, printing progress");
    }
    auto run = v.run;
    verb->callback([&ctx, &o, &action, run] { action = [&ctx, &o, run] { return run(ctx, o); }; });
  }
}

}  // namespace borealis::cli
