// Tests of the agent's process edge: how an executor is started (its own session, clean
// signals and descriptors, output in its log, exec errors with the reason), and process
// groups left by a dead executor killed only while their recorded start time still
// matches (executor_process.h).
#include "borealis/agent/executor_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::agent {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using borealis::testing::IsOk;


// The hexadecimal signal set after `field` (e.g. "SigBlk:") in a /proc status dump.
uint64_t SignalBits(const std::string& text, const std::string& field) {
  size_t at = text.find(field);
  if (at == std::string::npos) return ~0ull;
  return std::stoull(text.substr(at + field.size()), nullptr, 16);
}

// Writes an executable shell script `body` at `path`.
void WriteScript(const std::string& path, const std::string& body, mode_t mode = 0755) {
  std::ofstream(path) << "#!/bin/sh\n" << body;
  ::chmod(path.c_str(), mode);
}

// Reaps the launched executor; its exit code.
int WaitExit(int pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Restores a signal's disposition and unblocks a signal at the end of a test.
struct SignalStateGuard {
  ~SignalStateGuard() {
    ::signal(SIGUSR2, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  }
};

TEST(LaunchExecutorTest, RunsInItsOwnSessionWithCleanSignalsAndOnlyItsLog) {
  borealis::testing::TempDir dir;
  // What the "executor" sees: its stat line (field 6 is the session), its signal masks,
  // its arguments and its open descriptors, written to stdout and stderr. (The masks are
  // read by the shell itself: while it waits for a child, dash blocks every signal.)
  WriteScript(dir.Sub("executor"), R"(read -r stat < /proc/$$/stat
echo "stat: $stat"
while read -r line; do case $line in SigBlk:*|SigIgn:*) echo "$line";; esac; done < /proc/$$/status
echo "args: $*"
echo "to stderr" >&2
exec ls /proc/self/fd
)");
  // A blocked and an ignored signal and a descriptor without close-on-exec in the agent:
  // none of them may reach the executor.
  SignalStateGuard restore;
  ::signal(SIGUSR2, SIG_IGN);
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &block, nullptr);
  int leaked = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaked, 0);
  ASSERT_EQ(::dup2(leaked, 57), 57);
  ::close(leaked);

  ExecutorCommand command;
  command.executor_path = dir.Sub("executor");
  command.task_dir = dir.Sub("task");
  command.agent_socket = dir.Sub("agent.sock");
  command.log_path = dir.Sub("executor.log");
  absl::StatusOr<LaunchedExecutor> launched = LaunchExecutor(command);
  ::close(57);
  ASSERT_THAT(launched, IsOk());
  EXPECT_GT(launched->start_ticks, 0);
  ASSERT_EQ(WaitExit(launched->pid), 0);

  std::string log = borealis::testing::ReadWholeFile(command.log_path);
  std::istringstream stat(log.substr(log.find("stat: ") + 6));
  std::string pid, comm, state, ppid, pgrp, session;
  stat >> pid >> comm >> state >> ppid >> pgrp >> session;
  EXPECT_EQ(pid, absl::StrCat(launched->pid));
  EXPECT_EQ(session, pid) << log;  // a session (and process group) of its own
  EXPECT_EQ(pgrp, pid) << log;
  // No standard signal blocked or ignored. glibc's two internal real-time signals (32,
  // 33) are left ignored by its posix_spawn, as for any program it spawns; the
  // executor's glibc installs its own handlers when it needs them.
  EXPECT_EQ(SignalBits(log, "SigBlk:") & 0x7fffffffu, 0u) << log;
  EXPECT_EQ(SignalBits(log, "SigIgn:") & 0x7fffffffu, 0u) << log;
  EXPECT_THAT(log, HasSubstr(absl::StrCat("args: --task-dir ", command.task_dir,
                                          " --agent-socket ", command.agent_socket)));
  EXPECT_THAT(log, HasSubstr("to stderr"));
  EXPECT_THAT(log, Not(HasSubstr("\n57\n")));  // only 0-2 (and ls's own directory)
}

TEST(LaunchExecutorTest, AppendsToAnExistingLog) {
  borealis::testing::TempDir dir;
  WriteScript(dir.Sub("executor"), "echo second\n");
  std::ofstream(dir.Sub("executor.log")) << "first\n";
  ExecutorCommand command;
  command.executor_path = dir.Sub("executor");
  command.task_dir = dir.Sub("task");
  command.log_path = dir.Sub("executor.log");
  absl::StatusOr<LaunchedExecutor> launched = LaunchExecutor(command);
  ASSERT_THAT(launched, IsOk());
  ASSERT_EQ(WaitExit(launched->pid), 0);
  EXPECT_EQ(borealis::testing::ReadWholeFile(command.log_path), "first\nsecond\n");
}

TEST(LaunchExecutorTest, ExecErrorsNameThePathAndTheReasonAndLeaveNoChild) {
  borealis::testing::TempDir dir;
  WriteScript(dir.Sub("not-executable"), "exit 0\n", 0644);
  for (const auto& [name, reason] : {std::pair<std::string, std::string>{"missing", "No such file"},
                                     {"not-executable", "Permission denied"}}) {
    ExecutorCommand command;
    command.executor_path = dir.Sub(name);
    command.task_dir = dir.Sub("task");
    command.log_path = dir.Sub("executor.log");
    absl::StatusOr<LaunchedExecutor> launched = LaunchExecutor(command);
    ASSERT_FALSE(launched.ok()) << name;
    EXPECT_THAT(std::string(launched.status().message()),
                HasSubstr(absl::StrCat("cannot execute executor '", command.executor_path, "'")));
    EXPECT_THAT(std::string(launched.status().message()), HasSubstr(reason));
  }
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);  // the failed children were reaped
  EXPECT_EQ(errno, ECHILD);
}

TEST(LaunchExecutorTest, AnUnwritableLogIsReportedWithItsPath) {
  borealis::testing::TempDir dir;
  ExecutorCommand command;
  command.executor_path = "/bin/true";
  command.task_dir = dir.Sub("task");
  command.log_path = dir.Sub("no-such-dir/executor.log");
  absl::StatusOr<LaunchedExecutor> launched = LaunchExecutor(command);
  ASSERT_FALSE(launched.ok());
  EXPECT_THAT(std::string(launched.status().message()),
              HasSubstr(absl::StrCat("cannot open executor log '", command.log_path, "'")));
}

// A child that leads its own process group and sleeps; killed and reaped at the end.
class GroupLeader {
 public:
  GroupLeader() {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::setpgid(pid_, pid_);  // also from here, so the group exists before we use it
  }
  ~GroupLeader() {
    if (pid_ <= 0) return;  // never kill(-1) or kill(0)
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }

  // Whether it ended by SIGKILL within a few seconds (reaps it then).
  bool WasKilled() {
    for (int i = 0; i < 200; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  // Ends it with `signal` and says whether that signal is what ended it: false when an
  // earlier SIGKILL had already been sent (a pending SIGKILL wins over a later signal).
  bool EndsBy(int signal) {
    if (pid_ <= 0) return false;
    ::kill(pid_, signal);
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) return false;
    pid_ = -1;
    return WIFSIGNALED(status) && WTERMSIG(status) == signal;
  }
  bool Alive() {
    if (pid_ <= 0) return false;
    int status = 0;
    return ::waitpid(pid_, &status, WNOHANG) == 0;
  }

 private:
  pid_t pid_ = -1;
};

TEST(KillProcessGroupsTest, KillsAGroupWhoseLeaderIsStillTheSame) {
  GroupLeader leader;
  std::optional<ProcStat> stat = ReadProcStat(leader.pid());
  ASSERT_TRUE(stat.has_value());
  KillProcessGroups({leader.pid()}, {{leader.pid(), stat->start_ticks}});
  EXPECT_TRUE(leader.WasKilled());
}

TEST(KillProcessGroupsTest, LeavesAReusedPidAlone) {
  GroupLeader leader;
  std::optional<ProcStat> stat = ReadProcStat(leader.pid());
  ASSERT_TRUE(stat.has_value());
  // Recorded with another start time: the pid now belongs to someone else.
  KillProcessGroups({leader.pid()}, {{leader.pid(), stat->start_ticks + 1}});
  EXPECT_TRUE(leader.Alive());
  EXPECT_TRUE(leader.EndsBy(SIGTERM));  // no SIGKILL was sent before ours
}

TEST(KillProcessGroupsTest, WithoutStartTimesKillsAsBefore) {
  GroupLeader leader;
  KillProcessGroups({leader.pid()});
  EXPECT_TRUE(leader.WasKilled());
}

}  // namespace
}  // namespace borealis::agent
