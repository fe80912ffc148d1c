// Tests of the isolated spawn path (spawn_isolated.cc) on its own, with a ChildSetup that
// joins no cgroup and keeps the user, so it runs unprivileged: the child is cloned with
// CLONE_VM | CLONE_VFORK, so what it does before exec must leave the executor untouched,
// and a failure before exec must come back with the step that failed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "borealis/executor/subprocess.h"
#include "borealis/isolation/users.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::executor {
namespace {

using ::testing::HasSubstr;
using borealis::testing::IsOk;


int WaitExit(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(SpawnIsolatedTest, RunsBashInItsOwnSessionAndLeavesTheCallerAsItWas) {
  borealis::testing::TempDir dir;
  isolation::ChildSetup nothing;  // no cgroup, same user: only the clone path is tested
  SpawnRequest request;
  // The shell's own session id (field 6 of its stat line), its cwd and environment.
  request.cmdline = "read -r stat < /proc/$$/stat; set -- $stat; echo \"$$ $6 $(pwd) $GREETING\"";
  request.cwd = dir.path();
  request.env = {"PATH=/usr/bin:/bin", "GREETING=hello"};
  request.stdout_path = dir.Sub("stdout");
  request.stderr_path = dir.Sub("stderr");
  request.isolation = &nothing;

  // A signal blocked here stays blocked here (the spawn blocks all while it clones).
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &usr1, nullptr);
  sigset_t before;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &before);

  absl::StatusOr<pid_t> pid = Spawn(request);

  sigset_t after;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &after);
  ::pthread_sigmask(SIG_UNBLOCK, &usr1, nullptr);
  for (int sig = 1; sig < 32; ++sig) {
    EXPECT_EQ(sigismember(&before, sig), sigismember(&after, sig)) << "signal " << sig;
  }
  ASSERT_THAT(pid, IsOk());
  ASSERT_EQ(WaitExit(*pid), 0) << borealis::testing::ReadWholeFile(dir.Sub("stderr"));
  EXPECT_EQ(borealis::testing::ReadWholeFile(dir.Sub("stdout")),
            absl::StrCat(*pid, " ", *pid, " ", dir.path(), " hello\n"));
}

TEST(SpawnIsolatedTest, AFailureBeforeExecNamesTheStep) {
  borealis::testing::TempDir dir;
  isolation::ChildSetup nothing;
  SpawnRequest request;
  request.cmdline = "true";
  request.cwd = dir.Sub("no-such-sandbox");
  request.isolation = &nothing;
  absl::StatusOr<pid_t> pid = Spawn(request);
  ASSERT_FALSE(pid.ok());
  EXPECT_THAT(std::string(pid.status().message()),
              HasSubstr("cannot start the process: entering the sandbox: No such file"));

  request.cwd = dir.path();
  request.stdout_path = dir.Sub("no-such-dir/stdout");
  pid = Spawn(request);
  ASSERT_FALSE(pid.ok());
  EXPECT_THAT(std::string(pid.status().message()), HasSubstr("opening stdout"));
}

}  // namespace
}  // namespace borealis::executor
