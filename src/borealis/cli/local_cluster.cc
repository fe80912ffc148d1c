// `local start` and the local.json record (see local_cluster.h).
#include "borealis/cli/local_cluster.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "borealis/base/status.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/files.h"
#include "borealis/cli/job_key.h"
#include "borealis/cli/process.h"

namespace borealis::cli {
namespace {

using nlohmann::json;

constexpr int64_t kPollMs = 100;
constexpr int kMaxAgents = 200;

std::string Basename(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

json DaemonJson(const LocalDaemon& d, bool agent) {
  json j = {{"pid", d.pid},     {"port", d.port},           {"binary", d.binary},
            {"log", d.log},     {"start_ticks", d.start_ticks}};
  if (agent) {
    j["host"] = d.host;
    j["work_dir"] = d.work_dir;
  } else {
    j["data_dir"] = d.work_dir;
  }
  return j;
}

absl::StatusOr<LocalDaemon> DaemonFromJson(const json& j, bool agent, const std::string& where) {
  if (!j.is_object()) return absl::InvalidArgumentError(where + ": expected an object");
  LocalDaemon d;
  try {
    d.pid = j.at("pid").get<pid_t>();
    d.port = j.value("port", 0);
    d.binary = j.value("binary", "");
    d.log = j.value("log", "");
    d.start_ticks = j.value("start_ticks", int64_t{0});
    d.host = j.value("host", "");
    d.work_dir = j.value(agent ? "work_dir" : "data_dir", "");
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", e.what()));
  }
  return d;
}

std::string LastLogLine(const std::string& log) {
  auto text = ReadFile(log);
  if (!text.ok()) return "";
  std::vector<absl::string_view> lines = absl::StrSplit(*text, '\n', absl::SkipWhitespace());
  if (lines.empty()) return "";
  std::string last(absl::StripAsciiWhitespace(lines.back()));
  return last.size() > 300 ? last.substr(0, 300) + "..." : last;
}

std::string SeeLog(const std::string& log) {
  const std::string last = LastLogLine(log);
  return absl::StrCat("; see ", log, last.empty() ? "" : " (last line: " + last + ")");
}

// The daemons started so far; stops them all unless Release()d.
class Launch {
 public:
  explicit Launch(CliContext& ctx) : ctx_(ctx) {}
  ~Launch() { StopAll(); }
  void Add(pid_t pid) { pids_.push_back(pid); }
  void Release() { pids_.clear(); }

 private:
  void StopAll() {
    for (pid_t pid : pids_) (void)SendSignal(pid, SIGTERM);
    const int64_t deadline = ctx_.clock.MonoNowNs() + 5'000'000'000;
    for (pid_t pid : pids_) {
      while (!ReapIfExited(pid).has_value() && ProcessAlive(pid) &&
             ctx_.clock.MonoNowNs() < deadline) {
        ctx_.sleep_ms(kPollMs);
      }
      if (ProcessAlive(pid)) {
        (void)SendSignal(pid, SIGKILL);
        ctx_.sleep_ms(kPollMs);
        (void)ReapIfExited(pid);
      }
    }
  }

  CliContext& ctx_;
  std::vector<pid_t> pids_;
};

absl::StatusOr<int> WaitForPortFile(CliContext& ctx, const std::string& what, pid_t pid,
                                    const std::string& port_file, const std::string& log,
                                    int64_t deadline_ns, int timeout_secs) {
  while (true) {
    auto text = ReadFile(port_file);
    int port = 0;
    if (text.ok() && absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &port) && port > 0) {
      return port;
    }
    if (auto how = ReapIfExited(pid); how.has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat(what, " (pid ", pid, ") ", *how, " before it was ready", SeeLog(log)));
    }
    if (ctx.clock.MonoNowNs() >= deadline_ns) {
      return WithExitCode(absl::DeadlineExceededError(absl::StrCat(
                              what, " did not write ", port_file, " within ", timeout_secs, " s",
                              SeeLog(log))),
                          kExitTimeout);
    }
    ctx.sleep_ms(kPollMs);
  }
}

// The value of `name` in /vars text ("name value" lines).
std::optional<int64_t> VarValue(const std::string& vars, const std::string& name) {
  for (absl::string_view line : absl::StrSplit(vars, '\n')) {
    std::vector<absl::string_view> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
    int64_t value = 0;
    if (parts.size() == 2 && parts[0] == name && absl::SimpleAtoi(parts[1], &value)) return value;
  }
  return std::nullopt;
}

absl::Status WaitForAgents(CliContext& ctx, const LocalState& state, int64_t deadline_ns,
                           int timeout_secs) {
  ASSIGN_OR_RETURN(SchedulerClient client,
                   SchedulerClient::Create(absl::StrCat("http://127.0.0.1:", state.scheduler.port),
                                           5000));
  std::string last = "no answer yet";
  while (true) {
    auto vars = client.Get("/vars");
    if (vars.ok()) {
      std::optional<int64_t> connected = VarValue(*vars, "agents_connected");
      if (connected.has_value() && *connected >= static_cast<int64_t>(state.agents.size())) {
        return absl::OkStatus();
      }
      last = absl::StrCat("agents_connected ", connected.value_or(0));
    } else {
      last = std::string(vars.status().message());
    }
    std::vector<const LocalDaemon*> all = {&state.scheduler};
    for (const LocalDaemon& a : state.agents) all.push_back(&a);
    for (const LocalDaemon* d : all) {
      if (auto how = ReapIfExited(d->pid); how.has_value()) {
        return absl::FailedPreconditionError(absl::StrCat(Basename(d->binary), " (pid ", d->pid,
                                                          ") ", *how, SeeLog(d->log)));
      }
    }
    if (ctx.clock.MonoNowNs() >= deadline_ns) {
      return WithExitCode(
          absl::DeadlineExceededError(absl::StrCat("agents did not all connect within ",
                                                   timeout_secs, " s (", last, "); see ",
                                                   state.agents.empty() ? state.scheduler.log
                                                                        : state.agents[0].log)),
          kExitTimeout);
    }
    ctx.sleep_ms(kPollMs * 2);
  }
}

// Refuses when local.json names processes that still run.
absl::Status CheckNotRunning(const std::string& dir) {
  const std::string path = dir + "/local.json";
  auto text = ReadFile(path);
  if (!text.ok()) return absl::OkStatus();
  auto state = ParseLocalState(*text, path);
  if (!state.ok()) return absl::OkStatus();  // unreadable: nothing we could stop anyway
  std::vector<std::string> live;
  if (IsSameProcess(state->scheduler)) live.push_back(absl::StrCat("scheduler pid ", state->scheduler.pid));
  for (size_t i = 0; i < state->agents.size(); ++i) {
    if (IsSameProcess(state->agents[i])) live.push_back(absl::StrCat("agent-", i, " pid ", state->agents[i].pid));
  }
  if (live.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "a local cluster is already running in ", dir, " (", absl::StrJoin(live, ", "),
      "); stop it first with 'borealis local stop --dir ", dir, "'"));
}

absl::Status CheckBinary(const std::string& path) {
  if (access(path.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        Basename(path), " not found at ", path, " (it must sit beside the borealis binary)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<LocalDaemon> Start(const std::string& binary, std::vector<std::string> args,
                                  const std::string& log, Launch& launch) {
  // One generation of old logs is kept, so a failure report quotes this run's log.
  std::error_code ec;
  if (std::filesystem::exists(log, ec)) std::filesystem::rename(log, log + ".1", ec);
  ASSIGN_OR_RETURN(pid_t pid, SpawnDetached({binary, std::move(args), log}));
  launch.Add(pid);
  LocalDaemon d;
  d.pid = pid;
  d.binary = binary;
  d.log = log;
  d.start_ticks = ProcessStartTicks(pid).value_or(0);
  return d;
}

absl::Status WriteClusterFiles(CliContext& ctx, const std::string& dir, const LocalState& state) {
  const std::string uri = absl::StrCat("http://127.0.0.1:", state.scheduler.port);
  const json entry = ClusterEntryJson(state.cluster, uri);
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/local.json", LocalStateToJson(state).dump(2) + "\n"));
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/clusters.json", json::array({entry}).dump(2) + "\n"));
  if (!ctx.home.empty()) {
    absl::Status merged = MergeClusterEntry(ctx.home + "/.borealis/clusters.json", entry);
    if (!merged.ok()) ctx.err << "warning: " << merged.message() << std::endl;
  }
  return absl::OkStatus();
}

}  // namespace

std::string AgentResources(int index) {
  const int first = 31000 + index * 1000;
  return absl::StrCat("cpus:4;mem:8192;disk:20000;ports:[", first, "-", first + 999, "]");
}

std::string AgentHost(int index) { return absl::StrCat("127.0.0.", index + 2); }

json LocalStateToJson(const LocalState& state) {
  json agents = json::array();
  for (const LocalDaemon& a : state.agents) agents.push_back(DaemonJson(a, true));
  return json{{"cluster", state.cluster},
              {"scheduler", DaemonJson(state.scheduler, false)},
              {"agents", agents}};
}

absl::StatusOr<LocalState> ParseLocalState(const std::string& text, const std::string& source) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not a JSON object"));
  }
  LocalState state;
  if (doc.contains("cluster") && doc["cluster"].is_string()) state.cluster = doc["cluster"];
  if (!doc.contains("scheduler")) return absl::InvalidArgumentError(source + ": no scheduler");
  ASSIGN_OR_RETURN(state.scheduler, DaemonFromJson(doc["scheduler"], false, source + ": scheduler"));
  if (doc.contains("agents") && doc["agents"].is_array()) {
    for (size_t i = 0; i < doc["agents"].size(); ++i) {
      ASSIGN_OR_RETURN(LocalDaemon a, DaemonFromJson(doc["agents"][i], true,
                                                     absl::StrCat(source, ": agents[", i, "]")));
      state.agents.push_back(std::move(a));
    }
  }
  return state;
}

bool IsSameProcess(const LocalDaemon& daemon) {
  if (daemon.pid <= 0 || !ProcessAlive(daemon.pid)) return false;
  if (daemon.start_ticks != 0) {
    auto ticks = ProcessStartTicks(daemon.pid);
    if (!ticks.ok() || *ticks != daemon.start_ticks) return false;
  }
  std::vector<std::string> argv = ProcessCmdline(daemon.pid);
  return !argv.empty() && !daemon.binary.empty() && Basename(argv[0]) == Basename(daemon.binary);
}

absl::StatusOr<std::string> ResolveLocalDir(const CliContext& ctx, const std::string& dir) {
  std::string d = dir;
  if (d.empty()) {
    if (ctx.home.empty()) {
      return absl::InvalidArgumentError("no home directory: pass --dir");
    }
    d = ctx.home + "/.borealis/local";
  }
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(d, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("bad --dir '", dir, "': ", ec.message()));
  std::string out = abs.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

absl::Status LocalStart(CliContext& ctx, const LocalStartOptions& options) {
  if (options.agents < 0 || options.agents > kMaxAgents) {
    return absl::InvalidArgumentError(absl::StrCat("--agents must be between 0 and ", kMaxAgents));
  }
  if (!IsGoodIdentifier(options.cluster)) {
    return absl::InvalidArgumentError(absl::StrCat("--cluster '", options.cluster,
                                                   "' may contain only letters, digits, '_', "
                                                   "'-' and '.'"));
  }
  ASSIGN_OR_RETURN(std::string dir, ResolveLocalDir(ctx, options.dir));
  const std::string bin_dir = std::filesystem::path(ctx.self_exe).parent_path().string();
  const std::string scheduler_bin = bin_dir + "/borealis-scheduler";
  const std::string agent_bin = bin_dir + "/borealis-agent";
  RETURN_IF_ERROR(CheckBinary(scheduler_bin));
  if (options.agents > 0) {
    RETURN_IF_ERROR(CheckBinary(agent_bin));
    RETURN_IF_ERROR(CheckBinary(bin_dir + "/borealis-executor"));
  }
  RETURN_IF_ERROR(CheckNotRunning(dir));
  RETURN_IF_ERROR(MakeDirs(dir));

  const int64_t deadline = ctx.clock.MonoNowNs() + int64_t{options.timeout_secs} * 1'000'000'000;
  Launch launch(ctx);
  LocalState state;
  state.cluster = options.cluster;
  std::error_code ec;
  const std::string scheduler_port_file = dir + "/scheduler.port";
  std::filesystem::remove(scheduler_port_file, ec);
  ASSIGN_OR_RETURN(state.scheduler,
                   Start(scheduler_bin,
                         {"--data-dir", dir + "/scheduler", "--http-port", "0", "--port-file",
                          scheduler_port_file, "--cluster-name", options.cluster},
                         dir + "/scheduler.log", launch));
  state.scheduler.work_dir = dir + "/scheduler";
  ASSIGN_OR_RETURN(state.scheduler.port,
                   WaitForPortFile(ctx, "borealis-scheduler", state.scheduler.pid,
                                   scheduler_port_file, state.scheduler.log, deadline,
                                   options.timeout_secs));
  for (int i = 0; i < options.agents; ++i) {
    const std::string name = absl::StrCat("agent-", i);
    const std::string port_file = absl::StrCat(dir, "/", name, ".port");
    std::filesystem::remove(port_file, ec);
    ASSIGN_OR_RETURN(
        LocalDaemon agent,
        Start(agent_bin,
              {"--host", AgentHost(i), "--http-port", "0", "--port-file", port_file,
               "--work-dir", absl::StrCat(dir, "/", name), "--resources", AgentResources(i),
               "--attributes", absl::StrCat("rack:r", i + 1, ";zone:z1"), "--master",
               absl::StrCat("127.0.0.1:", state.scheduler.port),
               // A development cluster runs tasks as the user who started it.
               "--run-as-agent-user"},
              absl::StrCat(dir, "/", name, ".log"), launch));
    agent.host = AgentHost(i);
    agent.work_dir = absl::StrCat(dir, "/", name);
    state.agents.push_back(agent);
  }
  for (size_t i = 0; i < state.agents.size(); ++i) {
    LocalDaemon& agent = state.agents[i];
    ASSIGN_OR_RETURN(agent.port,
                     WaitForPortFile(ctx, absl::StrCat("borealis-agent ", i), agent.pid,
                                     absl::StrCat(dir, "/agent-", i, ".port"), agent.log,
                                     deadline, options.timeout_secs));
  }
  RETURN_IF_ERROR(WaitForAgents(ctx, state, deadline, options.timeout_secs));
  RETURN_IF_ERROR(WriteClusterFiles(ctx, dir, state));
  launch.Release();
  ctx.out << "Local cluster '" << state.cluster << "' is up in " << dir << "\n"
          << "  scheduler: http://127.0.0.1:" << state.scheduler.port << "/ (pid "
          << state.scheduler.pid << ")\n"
          << "  agents:    " << state.agents.size() << " connected\n"
          << "  clusters:  " << dir << "/clusters.json"
          << (ctx.home.empty() ? "" : " (also merged into ~/.borealis/clusters.json)") << "\n"
          << "Stop it with: borealis local stop --dir " << dir << std::endl;
  return absl::OkStatus();
}

}  // namespace borealis::cli
