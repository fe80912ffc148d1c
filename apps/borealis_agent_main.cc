// borealis-agent: parses flags, reads the real clock and seeds, runs the agent daemon until
// SIGINT/SIGTERM. Bad flags give one line on stderr and exit code 2. Executors keep running
// when the agent stops; the next agent over the same --work-dir adopts them.
#include <signal.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <random>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "borealis/agent/agent_core.h"
#include "borealis/agent/agent_daemon.h"
#include "borealis/agent/inventory.h"
#include "borealis/agent/sandbox_gc.h"
#include "borealis/base/clock.h"
#include "borealis/base/log.h"
#include "borealis/isolation/cgroups.h"

namespace {

constexpr const char* kProgram = "borealis-agent";

int BadFlag(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", kProgram, what.c_str());
  return 2;
}

// The machine's size when --resources is not given: every cpu, memory less 1 GiB for the
// system (but at least half), the work dir's free disk, ports 31000-32000.
std::string DefaultResources(const std::string& work_dir) {
  int64_t cpus = std::max(1u, std::thread::hardware_concurrency());
  int64_t mem_mb = static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE) >> 20;
  mem_mb = std::max(mem_mb / 2, mem_mb - 1024);
  int64_t disk_mb = 0;
  struct statvfs fs;
  if (statvfs(work_dir.c_str(), &fs) == 0 || statvfs("/", &fs) == 0) {
    disk_mb = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize) >> 20;
  }
  return absl::StrCat("cpus:", cpus, ";mem:", mem_mb, ";disk:", disk_mb, ";ports:[31000-32000]");
}

// borealis-executor beside this binary.
std::string DefaultExecutorPath() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "borealis-executor";
  std::string self(buf, static_cast<size_t>(n));
  size_t slash = self.rfind('/');
  return (slash == std::string::npos ? std::string(".") : self.substr(0, slash)) +
         "/borealis-executor";
}

bool SplitHostPort(const std::string& text, std::string& host, int& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return absl::SimpleAtoi(text.substr(colon + 1), &port) && port > 0 && port <= 65535;
}

// --isolation: "auto" becomes "cgroups" when this agent can make cgroups (root, a usable
// hierarchy), else "none"; an explicit "cgroups" that cannot work is an error (returned).
absl::StatusOr<std::string> ResolveIsolation(const std::string& flag) {
  if (flag == "none") return flag;
  if (flag != "auto" && flag != "cgroups") {
    return absl::InvalidArgumentError("expected auto, cgroups or none, got '" + flag + "'");
  }
  absl::StatusOr<borealis::isolation::CgroupLayout> layout =
      borealis::isolation::DetectCgroupLayout(borealis::isolation::kDefaultCgroupRoot);
  std::string why;
  if (geteuid() != 0) {
    why = "the agent is not running as root";
  } else if (!layout.ok()) {
    why = std::string(layout.status().message());
  } else {
    LOG_INFO("isolation: a cgroup {} per task under '{}'",
             std::string(borealis::isolation::CgroupVersionName(layout->version)),
             layout->root);
    return std::string("cgroups");
  }
  if (flag == "cgroups") return absl::FailedPreconditionError("cgroups unavailable: " + why);
  LOG_WARN("isolation: none (no memory, cpu or pids limits per task): {}", why);
  return std::string("none");
}

}  // namespace

int main(int argc, char** argv) {
  std::string master, work_dir, host = "127.0.0.1", port_file, resources, attributes;
  std::string executor, agent_id, log_level = "info";
  int http_port = 0;
  int64_t kill_grace_ms = 5000;
  std::string isolation = "auto", cgroup_parent = borealis::isolation::kDefaultCgroupParent;
  bool run_as_agent_user = false;
  int64_t disk_check_interval_ms = 10'000;
  std::string gc_age = "2d", gc_interval = "1m";
  int gc_watermark = 90;
  CLI::App app{"borealis-agent: runs tasks for a Borealis scheduler"};
  app.add_option("--master", master, "Scheduler HOST:PORT")->required();
  app.add_option("--work-dir", work_dir, "Directory of the agent's state and sandboxes")
      ->required();
  app.add_option("--host", host, "This agent's host name, and the address its HTTP port binds");
  app.add_option("--http-port", http_port, "HTTP port (0: ephemeral)");
  app.add_option("--port-file", port_file, "Write the bound HTTP port to this file");
  app.add_option("--resources", resources,
                 "cpus:4;mem:8192;disk:20000;gpus:0;ports:[31000-32000] (default: the machine)");
  app.add_option("--attributes", attributes, "rack:r1;zone:z1 (host is always added)");
  app.add_option("--executor", executor, "Executor binary (default: beside this binary)");
  app.add_option("--agent-id", agent_id, "Agent id (default: generated once, kept in work dir)");
  app.add_option("--kill-grace-ms", kill_grace_ms, "Time a killed task's processes get");
  app.add_option("--isolation", isolation,
                 "auto (cgroups when available), cgroups or none (docs/isolation.md)");
  app.add_option("--cgroup-parent", cgroup_parent,
                 "Task cgroups go under this cgroup: relative to the agent's own, or absolute");
  app.add_flag("--run-as-agent-user", run_as_agent_user,
               "Run tasks as this agent's user instead of their role's (development)");
  app.add_option("--disk-check-interval-ms", disk_check_interval_ms,
                 "How often executors measure a sandbox's disk usage");
  app.add_option("--sandbox-gc-age", gc_age,
                 "Delete a finished task's directory this long after it ended (2d, 36h, 90m)");
  app.add_option("--sandbox-gc-disk-watermark", gc_watermark,
                 "Delete finished tasks' directories earlier, oldest first, while the work "
                 "dir's filesystem is more than this percent full (0: never)");
  app.add_option("--sandbox-gc-interval", gc_interval, "How often sandbox GC runs (0: never)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  std::string log_format = "text";
  app.add_option("--log-format", log_format, "text, or json (one JSON object per line)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    return BadFlag(e.what());
  }

  borealis::agent::AgentDaemonOptions opts;
  if (!SplitHostPort(master, opts.master_host, opts.master_port)) {
    return BadFlag("--master: expected HOST:PORT, got '" + master + "'");
  }
  if (http_port < 0 || http_port > 65535) return BadFlag("--http-port: not a port number");
  if (kill_grace_ms < 0) return BadFlag("--kill-grace-ms: must not be negative");
  absl::StatusOr<int64_t> gc_age_ms = borealis::agent::ParseGcDuration(gc_age);
  if (!gc_age_ms.ok()) {
    return BadFlag("--sandbox-gc-age: " + std::string(gc_age_ms.status().message()));
  }
  absl::StatusOr<int64_t> gc_interval_ms = borealis::agent::ParseGcDuration(gc_interval);
  if (!gc_interval_ms.ok()) {
    return BadFlag("--sandbox-gc-interval: " + std::string(gc_interval_ms.status().message()));
  }
  if (gc_watermark < 0 || gc_watermark > 100) {
    return BadFlag("--sandbox-gc-disk-watermark: expected a percent from 0 to 100");
  }
  if (host.empty()) return BadFlag("--host: must not be empty");
  if (resources.empty()) resources = DefaultResources(work_dir);
  absl::StatusOr<borealis::agent::ResourceSpec> spec = borealis::agent::ParseResources(resources);
  if (!spec.ok()) return BadFlag("--resources: " + std::string(spec.status().message()));
  absl::StatusOr<borealis::agent::Attributes> attrs = borealis::agent::ParseAttributes(attributes);
  if (!attrs.ok()) return BadFlag("--attributes: " + std::string(attrs.status().message()));
  if (executor.empty()) executor = DefaultExecutorPath();
  if (access(executor.c_str(), X_OK) != 0) {
    return BadFlag("--executor: '" + executor + "' is not an executable file");
  }

  borealis::base::LogFormat format;
  if (!borealis::base::ParseLogFormat(log_format, &format)) {
    return BadFlag("--log-format: '" + log_format + "' is not text or json");
  }
  borealis::base::InitLogging("agent", log_level);
  borealis::base::SetLogFormat(format);
  signal(SIGPIPE, SIG_IGN);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // threads inherit the mask

  std::random_device rd;
  const uint64_t seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  if (agent_id.empty()) {
    absl::StatusOr<std::string> id = borealis::agent::LoadOrCreateAgentId(work_dir, host, seed);
    if (!id.ok()) {
      LOG_ERROR("cannot start: {}", id.status().ToString());
      return 1;
    }
    agent_id = *id;
  }

  opts.core.work_dir = work_dir;
  opts.core.info = borealis::agent::BuildAgentInfo(agent_id, host, *spec, *attrs);
  opts.core.executor_path = executor;
  opts.core.kill_grace_ms = kill_grace_ms;
  absl::StatusOr<std::string> isolation_mode = ResolveIsolation(isolation);
  if (!isolation_mode.ok()) {
    return BadFlag("--isolation: " + std::string(isolation_mode.status().message()));
  }
  if (disk_check_interval_ms <= 0) return BadFlag("--disk-check-interval-ms: must be positive");
  if (cgroup_parent.find("..") != std::string::npos) {
    return BadFlag("--cgroup-parent: must not contain '..'");
  }
  opts.core.isolation.mode = *isolation_mode;
  opts.core.isolation.cgroup_parent = cgroup_parent;
  opts.core.isolation.run_as_agent_user = run_as_agent_user;
  opts.core.isolation.disk_check_interval_ms = disk_check_interval_ms;
  opts.core.seed = seed ^ 0x9e3779b97f4a7c15ULL;
  opts.core.version = "borealis-agent 0.1";
  opts.http_bind_address = host;
  opts.http_port = http_port;
  opts.port_file = port_file;
  opts.sandbox_gc.max_age_ms = *gc_age_ms;
  opts.sandbox_gc.disk_watermark_percent = gc_watermark;
  opts.sandbox_gc.interval_ms = *gc_interval_ms;

  absl::StatusOr<std::unique_ptr<borealis::agent::AgentDaemon>> daemon =
      borealis::agent::AgentDaemon::Start(opts, borealis::base::RealClock::Get());
  if (!daemon.ok()) {
    LOG_ERROR("cannot start: {}", daemon.status().ToString());
    return 1;
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  LOG_INFO("signal {} received, stopping (executors keep running)", sig);
  (*daemon)->Stop();
  return 0;
}
