// The borealis-executor binary with isolation on (docs/isolation.md), real processes in
// a temporary task directory: a memory hog killed by its cgroup and the task FAILED
// with the reason, a disk hog failed, a daemonizing process killed with its tree, a
// missing user, a run as `nobody`, the cgroup's cpu/pids/memory files. Tests that need
// root and cgroups skip (with the reason) where those are missing.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "borealis/base/clock.h"
#include "borealis/config/conversion.h"
#include "borealis/executor/executor_run_testing.h"
#include "borealis/executor/status_file.h"
#include "borealis/executor/task_file.h"
#include "borealis/isolation/cgroups.h"
#include "borealis/isolation/users.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::executor {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using nlohmann::json;
namespace fs = std::filesystem;
// kDeadlineMs, WaitUntil, ProcessGone: shared with the other executor tests.
using executor_testing::kDeadlineMs;
using executor_testing::ProcessGone;
using executor_testing::WaitUntil;

// Executor data of a one-process job with these resources.
std::string OneProcess(const std::string& cmdline, double cpu, int64_t ram, int64_t disk) {
  json job = {{"name", "iso"},
              {"role", "www-data"},
              {"environment", "devel"},
              {"cluster", "devcluster"},
              {"task",
               {{"processes",
                 json::array({{{"name", "main"}, {"cmdline", cmdline}, {"max_failures", 1}}})},
                {"resources", {{"cpu", cpu}, {"ram", ram}, {"disk", disk}}}}}};
  auto jobs = config::ParseJobsJson(job.dump(), "test");
  EXPECT_TRUE(jobs.ok()) << jobs.status();
  auto conf = config::ToJobConfiguration((*jobs)[0], "tester");
  EXPECT_TRUE(conf.ok()) << conf.status();
  return conf->task.executor_data;
}

// Why cgroup tests cannot run here, or "" when they can.
std::string CgroupsMissing() {
  if (::geteuid() != 0) return "needs root to create cgroups";
  auto layout = isolation::DetectCgroupLayout(isolation::kDefaultCgroupRoot);
  if (!layout.ok()) return std::string(layout.status().message());
  return "";
}

// Plays the agent for one task: writes task.json, runs the executor, reads status.json.
class IsolatedRun {
 public:
  IsolatedRun() {
    task_.task_id = "iso-task";
    task_.role = "www-data";
    task_.run_as_agent_user = true;
    task_.cgroup_parent = absl::StrCat("borealis-test-", ::getpid());
    task_.disk_check_interval_ms = 50;
    task_.kill_grace_ms = 1000;
    // A role user other than root must be able to reach its sandbox.
    ::chmod(tmp_.path().c_str(), 0755);
    dir_ = tmp_.Sub(task_.task_id);
    fs::create_directories(dir_);
  }
  ~IsolatedRun() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    // Leave no cgroup behind even when a test failed half-way (the executor is our
    // child, so its cgroups are under ours).
    absl::Status removed = isolation::RemoveLeftoverTaskCgroup(task_.cgroup_parent, task_.task_id);
    EXPECT_TRUE(removed.ok()) << removed;
  }

  TaskFile& task() { return task_; }
  const std::string& dir() const { return dir_; }

  void Start(const std::string& executor_data) {
    task_.executor_data = executor_data;
    std::ofstream(dir_ + "/task.json") << TaskFileToJson(task_);
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      ::setsid();
      int log = ::open((dir_ + "/executor.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(log, 1);
      ::dup2(log, 2);
      ::execl(BOREALIS_EXECUTOR_BIN, "borealis-executor", "--task-dir", dir_.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }

  absl::StatusOr<StatusDocument> Status() const {
    std::string text = borealis::testing::ReadWholeFile(dir_ + "/status.json");
    if (text.empty()) return absl::NotFoundError("no status.json");
    return ParseStatusJson(text);
  }
  bool WaitForState(const std::string& state) {
    return WaitUntil([&] {
      auto s = Status();
      if (!s.ok()) return false;
      for (const auto& u : s->updates) {
        if (u.state == state) return true;
      }
      return false;
    });
  }
  // Waits for the executor to exit; its exit code, or -1 on timeout.
  int WaitExit() {
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    pollfd pfd{pidfd, POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(kDeadlineMs));
    ::close(pidfd);
    if (ready <= 0) return -1;
    int wstatus = 0;
    ::waitpid(pid_, &wstatus, 0);
    exited_ = true;
    return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  }
  void Kill() { ::kill(pid_, SIGTERM); }
  std::string LastState() const {
    auto s = Status();
    return s.ok() && !s->updates.empty() ? s->updates.back().state : "";
  }
  std::string LastMessage() const {
    auto s = Status();
    return s.ok() && !s->updates.empty() ? s->updates.back().message : "";
  }
  std::string Log() const { return borealis::testing::ReadWholeFile(dir_ + "/executor.log"); }
  // The task's cgroup directory of `controller` (v1) or the unified one (v2).
  std::string CgroupDir(const std::string& controller) const {
    auto layout = isolation::DetectCgroupLayout(isolation::kDefaultCgroupRoot);
    auto self = isolation::ParseProcCgroup(borealis::testing::ReadWholeFile("/proc/self/cgroup"));
    if (!layout.ok() || !self.ok()) return "";
    std::string key = layout->version == isolation::CgroupVersion::kV2 ? "" : controller;
    std::string base = layout->version == isolation::CgroupVersion::kV2
                           ? layout->root
                           : layout->v1_dirs.at(controller);
    std::string own = self->contains(key) ? self->at(key) : "/";
    return absl::StrCat(base, own == "/" ? "" : own, "/", task_.cgroup_parent, "/",
                        task_.task_id);
  }

 private:
  testing::TempDir tmp_;
  TaskFile task_;
  std::string dir_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

TEST(TaskFileIsolationTest, ReadsTheIsolationFields) {
  auto task = ParseTaskFile(
      R"({"task_id": "t", "executor_data": "{}", "isolation": "cgroups", "cgroup_parent": "/b",
          "run_as_agent_user": true, "disk_check_interval_ms": 250})");
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->isolation, "cgroups");
  EXPECT_EQ(task->cgroup_parent, "/b");
  EXPECT_TRUE(task->run_as_agent_user);
  EXPECT_EQ(task->disk_check_interval_ms, 250);
  auto defaults = ParseTaskFile(R"({"task_id": "t", "executor_data": "{}"})");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->isolation, "none");
  EXPECT_FALSE(defaults->run_as_agent_user);
  auto message = [](const std::string& text) {
    return std::string(ParseTaskFile(text).status().message());
  };
  EXPECT_THAT(message(R"({"task_id": "t", "executor_data": "", "isolation": "lxc"})"),
              HasSubstr("field 'isolation'"));
  EXPECT_THAT(message(R"({"task_id": "t", "executor_data": "", "cgroup_parent": "../x"})"),
              HasSubstr("field 'cgroup_parent'"));
}

TEST(ExecutorIsolationTest, MemoryHogIsKilledByItsCgroupAndTheTaskFails) {
  if (std::string why = CgroupsMissing(); !why.empty()) GTEST_SKIP() << why;
  IsolatedRun run;
  run.task().isolation = "cgroups";
  run.Start(OneProcess("dd if=/dev/zero of=/dev/null bs=128M count=1; sleep 1000", 1,
                       32 << 20, 64 << 20));
  ASSERT_EQ(run.WaitExit(), 0) << run.Log();
  EXPECT_EQ(run.LastState(), "FAILED");
  EXPECT_EQ(run.LastMessage(), "memory limit exceeded (32 MiB)") << run.Log();
  EXPECT_FALSE(fs::exists(run.CgroupDir("memory")));
}

TEST(ExecutorIsolationTest, DiskHogFailsTheTask) {
  IsolatedRun run;  // no cgroup needed: the executor walks the sandbox
  run.Start(OneProcess("dd if=/dev/zero of=big bs=1M count=8 2>/dev/null; sleep 1000", 1,
                       64 << 20, 4 << 20));
  ASSERT_EQ(run.WaitExit(), 0) << run.Log();
  EXPECT_EQ(run.LastState(), "FAILED");
  // Caught during the write or after it: more than the limit, at most what dd wrote.
  EXPECT_THAT(run.LastMessage(),
              MatchesRegex("disk limit exceeded: used [4-8]\\.[0-9] MiB of 4\\.0 MiB"));
}

// The logs are in the sandbox, so they count towards the task's disk (once).
TEST(ExecutorIsolationTest, LogOutputCountsTowardsTheDiskLimit) {
  IsolatedRun run;
  run.Start(OneProcess("head -c 8388608 /dev/zero; sleep 1000", 1, 64 << 20, 4 << 20));
  ASSERT_EQ(run.WaitExit(), 0) << run.Log();
  EXPECT_EQ(run.LastState(), "FAILED");
  EXPECT_THAT(run.LastMessage(),
              MatchesRegex("disk limit exceeded: used [4-8]\\.[0-9] MiB of 4\\.0 MiB"));
}

TEST(ExecutorIsolationTest, DaemonizingProcessIsKilledWithItsTree) {
  if (std::string why = CgroupsMissing(); !why.empty()) GTEST_SKIP() << why;
  IsolatedRun run;
  run.task().isolation = "cgroups";
  // The daemon writes its pid, leaves the session and the process group; then the
  // process itself keeps running until the task is killed.
  run.Start(OneProcess(
      "(setsid bash -c 'echo $$ > daemon.tmp; mv daemon.tmp daemon.pid; exec sleep 1000' &); "
      "disown; exec sleep 1000",
      0.5, 64 << 20, 64 << 20));
  std::string pidfile = run.dir() + "/sandbox/daemon.pid";
  pid_t daemon = 0;
  ASSERT_TRUE(WaitUntil([&] {
    return absl::SimpleAtoi(absl::StripAsciiWhitespace(borealis::testing::ReadWholeFile(pidfile)), &daemon);
  })) << run.Log();
  std::string procs = borealis::testing::ReadWholeFile(run.CgroupDir("memory") + "/cgroup.procs");
  EXPECT_THAT(procs, HasSubstr(absl::StrCat(daemon, "\n")));
  run.Kill();
  ASSERT_EQ(run.WaitExit(), 0) << run.Log();
  EXPECT_EQ(run.LastState(), "KILLED");
  EXPECT_TRUE(WaitUntil([&] { return ProcessGone(daemon); })) << "daemon " << daemon;
  EXPECT_FALSE(fs::exists(run.CgroupDir("memory")));
}

TEST(ExecutorIsolationTest, CgroupGetsTheTasksCpuMemoryAndPidsLimits) {
  if (std::string why = CgroupsMissing(); !why.empty()) GTEST_SKIP() << why;
  IsolatedRun run;
  run.task().isolation = "cgroups";
  run.Start(OneProcess("exec sleep 1000", 0.5, 48 << 20, 64 << 20));
  ASSERT_TRUE(run.WaitForState("RUNNING")) << run.Log();
  auto layout = isolation::DetectCgroupLayout(isolation::kDefaultCgroupRoot);
  ASSERT_TRUE(layout.ok());
  if (layout->version == isolation::CgroupVersion::kV1) {
    EXPECT_EQ(borealis::testing::ReadWholeFile(run.CgroupDir("memory") + "/memory.limit_in_bytes"), "50331648\n");
    EXPECT_EQ(borealis::testing::ReadWholeFile(run.CgroupDir("cpu") + "/cpu.shares"), "512\n");
    EXPECT_EQ(borealis::testing::ReadWholeFile(run.CgroupDir("cpu") + "/cpu.cfs_quota_us"), "50000\n");
    EXPECT_EQ(borealis::testing::ReadWholeFile(run.CgroupDir("cpu") + "/cpu.cfs_period_us"), "100000\n");
    EXPECT_EQ(borealis::testing::ReadWholeFile(run.CgroupDir("pids") + "/pids.max"), "4096\n");
  } else {
    EXPECT_EQ(borealis::testing::ReadWholeFile(run.CgroupDir("") + "/memory.max"), "50331648\n");
    EXPECT_EQ(borealis::testing::ReadWholeFile(run.CgroupDir("") + "/cpu.weight"), "50\n");
    EXPECT_EQ(borealis::testing::ReadWholeFile(run.CgroupDir("") + "/cpu.max"), "50000 100000\n");
    EXPECT_EQ(borealis::testing::ReadWholeFile(run.CgroupDir("") + "/pids.max"), "4096\n");
  }
  auto status = run.Status();
  ASSERT_TRUE(status.ok());
  int pid = status->processes.at("main").pid;
  EXPECT_THAT(borealis::testing::ReadWholeFile(run.CgroupDir("memory") + "/cgroup.procs"),
              HasSubstr(absl::StrCat(pid, "\n")));
  run.Kill();
  ASSERT_EQ(run.WaitExit(), 0) << run.Log();
  EXPECT_EQ(run.LastState(), "KILLED");
  EXPECT_FALSE(fs::exists(run.CgroupDir("cpu")));
}

TEST(ExecutorIsolationTest, MissingUserFailsTheTask) {
  IsolatedRun run;
  run.task().role = "no-such-user-borealis";
  run.task().run_as_agent_user = false;
  run.Start(OneProcess("true", 0.1, 16 << 20, 16 << 20));
  ASSERT_EQ(run.WaitExit(), 1) << run.Log();
  EXPECT_EQ(run.LastState(), "FAILED");
  EXPECT_EQ(run.LastMessage(), "user 'no-such-user-borealis' does not exist on this agent");
}

TEST(ExecutorIsolationTest, RunsAsTheRolesUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch users";
  auto nobody = isolation::LookupUser("nobody");
  if (!nobody.ok()) GTEST_SKIP() << nobody.status();
  IsolatedRun run;
  run.task().role = "nobody";
  run.task().run_as_agent_user = false;
  run.Start(OneProcess("id -u > uid.txt; echo \"$USER $HOME\" > env.txt; touch made.txt",
                       0.1, 16 << 20, 16 << 20));
  ASSERT_EQ(run.WaitExit(), 0) << run.Log();
  EXPECT_EQ(run.LastState(), "FINISHED") << run.LastMessage();
  std::string sandbox = run.dir() + "/sandbox";
  EXPECT_EQ(borealis::testing::ReadWholeFile(sandbox + "/uid.txt"), absl::StrCat(nobody->uid, "\n"));
  EXPECT_EQ(borealis::testing::ReadWholeFile(sandbox + "/env.txt"), absl::StrCat("nobody ", sandbox, "\n"));
  struct stat st;
  ASSERT_EQ(::stat((sandbox + "/made.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, nobody->uid);
  ASSERT_EQ(::stat(sandbox.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, nobody->uid);
}

}  // namespace
}  // namespace borealis::executor
