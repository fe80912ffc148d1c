// Tests of the log directory and file openers: what a task's user may plant in its
// sandbox (symlinks, FIFOs, hard links) is never written through.
#include "borealis/executor/log_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "borealis/testing/temp_dir.h"

namespace borealis::executor {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

void WriteFd(int fd, const std::string& text) {
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
}

TEST(LogFilesTest, CreatesTheRunDirectoryLevelByLevel) {
  testing::TempDir tmp;
  const std::string sandbox = tmp.Sub("sandbox");
  fs::create_directories(sandbox);
  absl::StatusOr<DirFd> dir = OpenRunLogDir(sandbox, "web", 2);
  ASSERT_TRUE(dir.ok()) << dir.status();
  absl::StatusOr<int> fd = OpenLogFile(*dir, "stdout", "stdout");
  ASSERT_TRUE(fd.ok()) << fd.status();
  WriteFd(*fd, "one\n");
  fd = OpenLogFile(*dir, "stdout", "stdout");  // appends
  ASSERT_TRUE(fd.ok()) << fd.status();
  WriteFd(*fd, "two\n");
  EXPECT_EQ(testing::ReadWholeFile(sandbox + "/.logs/web/2/stdout"), "one\ntwo\n");
  EXPECT_FALSE(OpenRunLogDir(sandbox, "..", 0).ok());
  EXPECT_FALSE(OpenRunLogDir(sandbox, "a/b", 0).ok());
}

TEST(LogFilesTest, SymlinkedDirectoriesAreReplacedNotFollowed) {
  testing::TempDir tmp;
  const std::string sandbox = tmp.Sub("sandbox");
  const std::string outside = tmp.Sub("outside");
  fs::create_directories(sandbox + "/.logs");
  fs::create_directories(outside);
  fs::create_symlink(outside, sandbox + "/.logs/web");       // at .logs/<process>
  fs::create_symlink(outside, sandbox + "/.logs/other");
  absl::StatusOr<DirFd> dir = OpenRunLogDir(sandbox, "web", 0);
  ASSERT_TRUE(dir.ok()) << dir.status();
  absl::StatusOr<int> fd = OpenLogFile(*dir, "stdout", "stdout");
  ASSERT_TRUE(fd.ok()) << fd.status();
  WriteFd(*fd, "inside\n");
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(sandbox + "/.logs/web")));
  EXPECT_EQ(testing::ReadWholeFile(sandbox + "/.logs/web/0/stdout"), "inside\n");
  EXPECT_TRUE(fs::is_empty(outside));
  // At .logs itself.
  fs::remove_all(sandbox + "/.logs");
  fs::create_symlink(outside, sandbox + "/.logs");
  dir = OpenRunLogDir(sandbox, "web", 1);
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(sandbox + "/.logs")));
  EXPECT_TRUE(fs::is_empty(outside));
}

TEST(LogFilesTest, SymlinkFifoOrHardLinkAtTheFileIsReplaced) {
  testing::TempDir tmp;
  const std::string run_dir = tmp.Sub("run");
  const std::string secret = tmp.Sub("secret");
  fs::create_directories(run_dir);
  std::ofstream(secret) << "keep\n";
  fs::create_symlink(secret, run_dir + "/stdout");
  ASSERT_EQ(::mkfifo((run_dir + "/stderr").c_str(), 0644), 0);
  fs::create_hard_link(secret, run_dir + "/stdout.1");
  absl::StatusOr<DirFd> dir = OpenDirectory(run_dir);
  ASSERT_TRUE(dir.ok()) << dir.status();
  for (const char* name : {"stdout", "stderr", "stdout.1"}) {
    absl::StatusOr<int> fd = OpenLogFile(*dir, name, name);  // never blocks on the FIFO
    ASSERT_TRUE(fd.ok()) << name << ": " << fd.status();
    WriteFd(*fd, "log\n");
    struct stat st{};
    ASSERT_EQ(::lstat((run_dir + "/" + name).c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode)) << name;
    EXPECT_EQ(st.st_nlink, 1u) << name;
    EXPECT_EQ(testing::ReadWholeFile(run_dir + "/" + name), "log\n") << name;
  }
  EXPECT_EQ(testing::ReadWholeFile(secret), "keep\n");
}

TEST(LogFilesTest, ADirectoryWhereTheFileBelongsFailsTheOpen) {
  testing::TempDir tmp;
  const std::string sandbox = tmp.Sub("sandbox");
  fs::create_directories(sandbox);
  // A directory where the file belongs is not ours to delete: the open fails.
  fs::create_directories(sandbox + "/stdout/x");
  absl::StatusOr<DirFd> dir = OpenDirectory(sandbox);
  ASSERT_TRUE(dir.ok());
  absl::StatusOr<int> fd = OpenLogFile(*dir, "stdout", "stdout");
  EXPECT_FALSE(fd.ok());
  EXPECT_TRUE(fs::is_directory(sandbox + "/stdout/x"));
  EXPECT_THAT(std::string(fd.status().message()), HasSubstr("stdout"));
}

}  // namespace
}  // namespace borealis::executor
