// Tests of the agent's process edge: process groups left by a dead executor are killed
// only while their recorded start time still matches (executor_process.h).
#include "borealis/agent/executor_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

namespace borealis::agent {
namespace {

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
