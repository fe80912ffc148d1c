// Isolation building blocks: cgroup layout detection and limit plans over fake trees,
// disk usage of real files, user lookup, and (as root, with cgroups) real task cgroups:
// limits written, a memory hog killed by the kernel and counted, a daemonizing process
// killed with the whole cgroup.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "borealis/isolation/cgroups.h"
#include "borealis/isolation/disk_usage.h"
#include "borealis/isolation/users.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace borealis::isolation {
namespace {

using ::borealis::testing::StatusIs;
using ::testing::HasSubstr;

void Touch(const std::string& path, const std::string& content = "") {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << content;
}

TEST(CgroupLayoutTest, DetectsPureV2) {
  testing::TempDir dir;
  Touch(dir.Sub("cgroup.controllers"), "cpuset cpu io memory pids\n");
  auto layout = DetectCgroupLayout(dir.path());
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->version, CgroupVersion::kV2);
  EXPECT_TRUE(layout->v2_controllers.contains("memory"));
  EXPECT_TRUE(layout->v2_controllers.contains("pids"));
  EXPECT_TRUE(layout->v1_dirs.empty());
}

TEST(CgroupLayoutTest, DetectsV1WithAnEmptyUnifiedMount) {
  testing::TempDir dir;
  for (const char* c : {"memory", "cpu", "pids", "freezer", "blkio"}) {
    Touch(absl::StrCat(dir.path(), "/", c, "/cgroup.procs"));
  }
  Touch(dir.Sub("unified/cgroup.controllers"));  // hybrid: v2 mounted beside, no controllers
  auto layout = DetectCgroupLayout(dir.path());
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->version, CgroupVersion::kV1);
  EXPECT_EQ(layout->v1_dirs.size(), 4u);
  EXPECT_EQ(layout->v1_dirs.at("memory"), dir.Sub("memory"));
}

TEST(CgroupLayoutTest, MissingHierarchiesAreExplained) {
  testing::TempDir dir;
  Touch(dir.Sub("cpu/cgroup.procs"));
  EXPECT_THAT(DetectCgroupLayout(dir.path()).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("'memory'")));
  EXPECT_THAT(DetectCgroupLayout(dir.Sub("nothing-here")).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no cgroup file system")));
  testing::TempDir v2;
  Touch(v2.Sub("cgroup.controllers"), "cpu io\n");
  EXPECT_THAT(DetectCgroupLayout(v2.path()).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("memory controller")));
}

TEST(CgroupLayoutTest, ParsesProcCgroup) {
  auto parsed = ParseProcCgroup(
      "9:name=systemd:/\n4:memory:/process_api/abc\n2:cpu,cpuacct:/x\n0::/user.slice\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->at("memory"), "/process_api/abc");
  EXPECT_EQ(parsed->at("cpu"), "/x");
  EXPECT_EQ(parsed->at("cpuacct"), "/x");
  EXPECT_EQ(parsed->at("systemd"), "/");
  EXPECT_EQ(parsed->at(""), "/user.slice");
  EXPECT_THAT(ParseProcCgroup("4:memory\n").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 1")));
}

TEST(CgroupLayoutTest, ParsesCounters) {
  EXPECT_EQ(ParseCounter("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", "oom_kill"), 3);
  EXPECT_EQ(ParseCounter("low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\n", "oom_kill"), 1);
  EXPECT_EQ(ParseCounter("oom_kill_disable 0\n", "oom_kill"), 0);
}

TEST(CgroupLimitsTest, V1Writes) {
  CgroupLimits limits{.memory_bytes = 64 << 20, .cpu_millis = 1500, .pids_max = 100};
  auto w = LimitWrites(CgroupVersion::kV1, limits);
  EXPECT_EQ(w, (std::vector<CgroupWrite>{
                   {"memory", "memory.limit_in_bytes", "67108864", false},
                   {"memory", "memory.memsw.limit_in_bytes", "67108864", true},
                   {"memory", "memory.swappiness", "0", true},
                   {"cpu", "cpu.shares", "1536", false},
                   {"cpu", "cpu.cfs_period_us", "100000", false},
                   {"cpu", "cpu.cfs_quota_us", "150000", false},
                   {"pids", "pids.max", "100", false},
               }));
}

TEST(CgroupLimitsTest, V2Writes) {
  CgroupLimits limits{.memory_bytes = 1 << 20, .cpu_millis = 100, .pids_max = 0};
  auto w = LimitWrites(CgroupVersion::kV2, limits);
  EXPECT_EQ(w, (std::vector<CgroupWrite>{
                   {"memory", "memory.max", absl::StrCat(kMinMemoryBytes), false},
                   {"memory", "memory.swap.max", "0", true},
                   {"cpu", "cpu.weight", "10", false},
                   {"cpu", "cpu.max", "10000 100000", false},
               }));
  EXPECT_TRUE(LimitWrites(CgroupVersion::kV2, {.memory_bytes = 0, .cpu_millis = 0, .pids_max = 0})
                  .empty());
}

TEST(DiskUsageTest, CountsBlocksNotFollowingSymlinksAndHardLinksOnce) {
  testing::TempDir dir;
  std::string root = dir.Sub("sandbox");
  std::filesystem::create_directories(root + "/a/b");
  std::string big(3 << 20, 'x');
  Touch(root + "/a/b/big", big);
  Touch(root + "/small", "hello");
  ASSERT_EQ(::link((root + "/a/b/big").c_str(), (root + "/hardlink").c_str()), 0);
  // A symlink to a large tree outside must not count that tree.
  Touch(dir.Sub("outside/huge"), std::string(4 << 20, 'y'));
  std::filesystem::create_directory_symlink(dir.Sub("outside"), root + "/link");
  DiskUsageWalker walker(root);
  int64_t total = walker.Measure();
  EXPECT_GE(total, 3 << 20);
  EXPECT_LT(total, (3 << 20) + (1 << 20));
  // Step by step with a tiny budget gives the same total.
  DiskUsageWalker stepper(root);
  std::optional<int64_t> stepped;
  int steps = 0;
  while (!(stepped = stepper.Step(1))) ++steps;
  EXPECT_EQ(*stepped, total);
  EXPECT_GT(steps, 3);
  EXPECT_EQ(DiskUsageWalker(dir.Sub("missing")).Measure(), 0);
}

TEST(UsersTest, LooksUpUsers) {
  auto nobody = LookupUser("nobody");
  ASSERT_TRUE(nobody.ok()) << nobody.status();
  EXPECT_EQ(nobody->name, "nobody");
  EXPECT_NE(nobody->uid, 0u);
  EXPECT_FALSE(nobody->groups.empty());
  EXPECT_THAT(LookupUser("no-such-user-borealis").status(),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("user 'no-such-user-borealis' does not exist on this agent")));
  auto me = CurrentUser();
  ASSERT_TRUE(me.ok()) << me.status();
  EXPECT_EQ(me->uid, ::geteuid());
}

// Real cgroups: need root and a usable hierarchy.
class TaskCgroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to create cgroups";
    auto layout = DetectCgroupLayout(kDefaultCgroupRoot);
    if (!layout.ok()) GTEST_SKIP() << "no usable cgroups: " << layout.status();
    layout_ = *layout;
    auto self = ParseProcCgroup(borealis::testing::ReadWholeFile("/proc/self/cgroup"));
    ASSERT_TRUE(self.ok()) << self.status();
    self_ = *self;
    parent_ = absl::StrCat("borealis-test-", ::getpid());
  }

  absl::StatusOr<std::unique_ptr<TaskCgroup>> Make(const std::string& name, CgroupLimits limits) {
    return TaskCgroup::Create(layout_, self_, parent_, name, limits);
  }

  // Forks a child that joins `cg` and runs `command` under bash in its own session.
  pid_t Run(const TaskCgroup& cg, const std::string& command) {
    ChildSetup setup;
    setup.cgroup_procs_fds = cg.procs_fds();
    pid_t pid = ::fork();
    if (pid == 0) {
      const char* step = "";
      if (ApplyInChild(setup, &step) != 0) ::_exit(126);
      ::setsid();
      int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 1);
      ::dup2(null, 2);
      ::execl("/bin/bash", "bash", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return pid;
  }

  CgroupLayout layout_;
  std::map<std::string, std::string> self_;
  std::string parent_;
};

TEST_F(TaskCgroupTest, WritesLimits) {
  auto cg = Make("limits", {.memory_bytes = 48 << 20, .cpu_millis = 250, .pids_max = 64});
  ASSERT_TRUE(cg.ok()) << cg.status();
  const std::string dir = (*cg)->path();
  if (layout_.version == CgroupVersion::kV1) {
    EXPECT_EQ(borealis::testing::ReadWholeFile(dir + "/memory.limit_in_bytes"), "50331648\n");
    std::string cpu = (*cg)->dirs().at("cpu");
    EXPECT_EQ(borealis::testing::ReadWholeFile(cpu + "/cpu.shares"), "256\n");
    EXPECT_EQ(borealis::testing::ReadWholeFile(cpu + "/cpu.cfs_quota_us"), "25000\n");
    EXPECT_EQ(borealis::testing::ReadWholeFile(cpu + "/cpu.cfs_period_us"), "100000\n");
    std::string pids = (*cg)->dirs().at("pids");
    EXPECT_EQ(borealis::testing::ReadWholeFile(pids + "/pids.max"), "64\n");
  } else {
    EXPECT_EQ(borealis::testing::ReadWholeFile(dir + "/memory.max"), "50331648\n");
    EXPECT_EQ(borealis::testing::ReadWholeFile(dir + "/cpu.max"), "25000 100000\n");
    EXPECT_EQ(borealis::testing::ReadWholeFile(dir + "/pids.max"), "64\n");
  }
  EXPECT_EQ((*cg)->memory_limit_bytes(), 48 << 20);
  ASSERT_TRUE((*cg)->Destroy().ok());
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST_F(TaskCgroupTest, MemoryHogIsKilledByTheKernelAndCounted) {
  auto cg = Make("hog", {.memory_bytes = 32 << 20, .cpu_millis = 0, .pids_max = 0});
  ASSERT_TRUE(cg.ok()) << cg.status();
  EXPECT_EQ((*cg)->OomKills(), 0);
  pid_t pid = Run(**cg, "exec dd if=/dev/zero of=/dev/null bs=128M count=1");
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_GE((*cg)->OomKills(), 1);
  EXPECT_TRUE((*cg)->Destroy().ok());
}

TEST_F(TaskCgroupTest, KillAllReachesDaemonizedProcesses) {
  auto cg = Make("tree", {.memory_bytes = 0, .cpu_millis = 0, .pids_max = 0});
  ASSERT_TRUE(cg.ok()) << cg.status();
  testing::TempDir dir;
  std::string pidfile = dir.Sub("daemon.pid");
  // Double fork + setsid: the daemon is neither our child nor in our process group.
  pid_t pid = Run(**cg, absl::StrCat("(setsid bash -c 'echo $$ > ", pidfile,
                                     ".tmp; mv ", pidfile, ".tmp ", pidfile,
                                     "; exec sleep 1000' &) ; exit 0"));
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  pid_t daemon = 0;
  for (int i = 0; i < 5000 && daemon == 0; ++i) {
    absl::SimpleAtoi(absl::StripAsciiWhitespace(borealis::testing::ReadWholeFile(pidfile)), &daemon);
    if (daemon == 0) ::usleep(1000);
  }
  ASSERT_GT(daemon, 0);
  EXPECT_THAT((*cg)->Pids(), ::testing::Contains(daemon));
  ASSERT_TRUE((*cg)->Destroy().ok());
  // The daemon was reparented to init (not our child); it must be gone, not a zombie of ours.
  bool gone = false;
  for (int i = 0; i < 2000 && !gone; ++i) {
    std::string stat = borealis::testing::ReadWholeFile(absl::StrCat("/proc/", daemon, "/stat"));
    gone = stat.empty() || stat.find(") Z") != std::string::npos;
    if (!gone) ::usleep(1000);
  }
  EXPECT_TRUE(gone) << "daemon " << daemon << " survived";
}

}  // namespace
}  // namespace borealis::isolation
