// `task run` and `task ssh` (see task_commands.h).
#include "borealis/cli/task_commands.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <nlohmann/json.hpp>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "borealis/base/status.h"
#include "borealis/base/mutex.h"
#include "borealis/cli/exec_client.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/job_key.h"

namespace borealis::cli {
namespace {

absl::Status NotSupported(const std::string& what) {
  return WithExitCode(absl::UnimplementedError(absl::StrCat(
                          what, " is not supported yet: commands run through the agent, "
                                "as the task's user (docs/aurora-compatibility.md)")),
                      kExitInvalidParameter);
}

// Refuses the ssh flags that have no meaning without ssh.
absl::Status CheckSshFlags(const std::string& ssh_user, const std::string& role,
                           const std::vector<std::string>& ssh_options) {
  if (!ssh_user.empty() && ssh_user != role) return NotSupported("--ssh-user other than the role");
  if (!ssh_options.empty()) return NotSupported("--ssh-options");
  return absl::OkStatus();
}

// Prints one instance's output line by line with `prefix`, whole lines at a time.
class LinePrinter {
 public:
  LinePrinter(std::ostream& out, base::Mutex& mu, std::string prefix)
      : out_(out), mu_(mu), prefix_(std::move(prefix)) {}
  void Add(const std::string& bytes) {
    pending_ += bytes;
    size_t nl;
    while ((nl = pending_.find('\n')) != std::string::npos) {
      Print(pending_.substr(0, nl));
      pending_.erase(0, nl + 1);
    }
  }
  void Finish() {
    if (!pending_.empty()) Print(pending_);
    pending_.clear();
  }

 private:
  void Print(const std::string& line) {
    base::MutexLock lock(&mu_);
    out_ << prefix_ << line << "\n" << std::flush;
  }
  std::ostream& out_;
  base::Mutex& mu_;
  std::string prefix_;
  std::string pending_;
};

absl::StatusOr<std::vector<GrantedTask>> LiveTasks(CliContext& ctx, const InstanceSpec& spec,
                                                   const std::string& action) {
  ASSIGN_OR_RETURN(std::vector<GrantedTask> tasks, RequestGrants(ctx, spec, action));
  if (tasks.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no live instance of ", spec.key.ToString(),
        spec.instances ? absl::StrCat(" among instances ", FormatInstances(*spec.instances)) : ""));
  }
  return tasks;
}

// The terminal in raw mode for the life of the object (when stdin is a terminal).
class RawTerminal {
 public:
  RawTerminal() {
    if (::isatty(0) && ::tcgetattr(0, &saved_) == 0) {
      termios raw = saved_;
      ::cfmakeraw(&raw);
      active_ = ::tcsetattr(0, TCSANOW, &raw) == 0;
    }
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(0, TCSANOW, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

std::atomic<bool> window_changed{false};
void OnWindowChange(int) { window_changed = true; }

void TerminalSize(int* rows, int* cols) {
  winsize ws{};
  if (::ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) {
    *rows = ws.ws_row;
    *cols = ws.ws_col;
  }
}

// Copies our stdin to the remote terminal and window changes to its size, until the
// command ends.
void FeedTerminal(const std::function<void(std::string)>& send, const std::function<bool()>& ended) {
  struct sigaction sa {};
  sa.sa_handler = OnWindowChange;
  ::sigaction(SIGWINCH, &sa, nullptr);
  bool input_open = true;
  char buf[4096];
  while (!ended()) {
    if (window_changed.exchange(false)) {
      int rows = 0, cols = 0;
      TerminalSize(&rows, &cols);
      if (rows > 0) send("r" + nlohmann::json{{"rows", rows}, {"cols", cols}}.dump());
    }
    pollfd in{0, POLLIN, 0};
    if (!input_open || ::poll(&in, 1, 100) <= 0) {
      if (!input_open) ::poll(nullptr, 0, 100);
      continue;
    }
    const ssize_t n = ::read(0, buf, sizeof(buf));
    if (n > 0) {
      send("i" + std::string(buf, static_cast<size_t>(n)));
    } else if (n == 0 || errno != EINTR) {
      input_open = false;
    }
  }
  ::signal(SIGWINCH, SIG_DFL);
}

}  // namespace

absl::Status TaskRun(CliContext& ctx, const TaskRunOptions& options) {
  ASSIGN_OR_RETURN(InstanceSpec spec, ParseInstanceSpec(options.instance_spec));
  RETURN_IF_ERROR(CheckSshFlags(options.ssh_user, spec.key.job.role, options.ssh_options));
  if (options.threads < 1) return absl::InvalidArgumentError("--threads: must be at least 1");
  ASSIGN_OR_RETURN(std::vector<GrantedTask> tasks, LiveTasks(ctx, spec, "run"));
  std::vector<std::string> commands;
  for (const GrantedTask& t : tasks) {
    ASSIGN_OR_RETURN(std::string c, SubstituteTaskTemplates(options.command, t));
    commands.push_back(std::move(c));
  }
  base::Mutex out_mu;
  std::atomic<size_t> next{0};
  std::vector<absl::StatusOr<int>> results(tasks.size(), absl::UnknownError("not run"));
  auto worker = [&] {
    for (size_t i = next++; i < tasks.size(); i = next++) {
      LinePrinter printer(ctx.out, out_mu, tasks[i].host + ":  ");
      RemoteCommand command;
      command.command = commands[i];
      command.executor_sandbox = options.executor_sandbox;
      command.timeout_ms = options.timeout_secs * 1000;
      RemoteIo io;
      io.on_output = [&printer](const std::string& bytes) { printer.Add(bytes); };
      results[i] = RunOnAgent(tasks[i], command, io);
      printer.Finish();
    }
  };
  std::vector<std::thread> threads;
  const size_t n = std::min<size_t>(static_cast<size_t>(options.threads), tasks.size());
  for (size_t i = 0; i < n; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  std::vector<std::string> failed;
  absl::Status first_error;
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (!results[i].ok()) {
      if (first_error.ok()) first_error = results[i].status();
      failed.push_back(absl::StrCat(tasks[i].instance, " (", results[i].status().message(), ")"));
    } else if (*results[i] != 0) {
      failed.push_back(absl::StrCat(tasks[i].instance, " (exit ", *results[i], ")"));
    }
  }
  if (failed.empty()) return absl::OkStatus();
  if (failed.size() == tasks.size() && !first_error.ok()) return first_error;
  return WithExitCode(absl::AbortedError(absl::StrCat("the command failed on instance(s) ",
                                                      absl::StrJoin(failed, ", "))),
                      kExitCommandFailure);
}

absl::Status TaskSsh(CliContext& ctx, const TaskSshOptions& options) {
  ASSIGN_OR_RETURN(InstanceSpec spec, ParseInstanceSpec(options.instance_spec));
  RETURN_IF_ERROR(CheckSshFlags(options.ssh_user, spec.key.job.role, options.ssh_options));
  if (!options.tunnels.empty()) return NotSupported("--tunnels");
  if (!options.pid_file.empty()) return NotSupported("--pid-file");
  if (!spec.instances.has_value() && !options.command.empty()) {
    return absl::InvalidArgumentError("INSTANCE must be specified when --command option is given");
  }
  if (spec.instances.has_value() && spec.instances->size() != 1) {
    return absl::InvalidArgumentError("task ssh: name one instance (CLUSTER/ROLE/ENV/NAME/INSTANCE)");
  }
  ASSIGN_OR_RETURN(std::vector<GrantedTask> tasks, LiveTasks(ctx, spec, "ssh"));
  const GrantedTask& task = tasks.front();  // as Aurora: the first live instance
  RemoteCommand command;
  command.action = "ssh";
  command.executor_sandbox = options.executor_sandbox;
  RemoteIo io;
  io.on_output = [&ctx](const std::string& bytes) { ctx.out << bytes << std::flush; };
  absl::StatusOr<int> code;
  if (!options.command.empty()) {
    ASSIGN_OR_RETURN(command.command, SubstituteTaskTemplates(options.command, task));
    code = RunOnAgent(task, command, io);
  } else {
    command.pty = true;
    const char* term = ::getenv("TERM");
    if (term != nullptr && *term != '\0') command.term = term;
    TerminalSize(&command.rows, &command.cols);
    io.feed = FeedTerminal;
    RawTerminal raw;  // restored when this scope ends, however the session ends
    code = RunOnAgent(task, command, io);
  }
  if (!code.ok()) return code.status();
  if (*code == 0) return absl::OkStatus();
  return WithExitCode(
      absl::AbortedError(absl::StrCat("the command exited with status ", *code)),
      static_cast<ExitCode>(*code));
}

}  // namespace borealis::cli
