// Tests of the process loggers: reading Logger settings from executor data, the
// rotating file, and the pipe pump (log_writer.h).
#include "borealis/executor/log_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "borealis/testing/temp_dir.h"

namespace borealis::executor {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string JobWith(const std::vector<json>& processes) {
  json job = {{"name", "hello"},
              {"role", "www-data"},
              {"environment", "devel"},
              {"task",
               {{"processes", processes},
                {"resources", {{"cpu", 0.1}, {"ram", 1 << 20}, {"disk", 1 << 20}}}}}};
  return job.dump();
}

TEST(ReadLogConfigsTest, DefaultsAndEachSetting) {
  auto configs = ReadLogConfigs(JobWith({
      {{"name", "plain"}, {"cmdline", "true"}},
      {{"name", "rot"},
       {"cmdline", "true"},
       {"logger", {{"mode", "rotate"}, {"rotate", {{"log_size", 1000}, {"backups", 2}}}}}},
      {{"name", "con"}, {"cmdline", "true"}, {"logger", {{"destination", "console"}}}},
      {{"name", "both"}, {"cmdline", "true"}, {"logger", {{"destination", "both"}}}},
      {{"name", "none"}, {"cmdline", "true"}, {"logger", {{"destination", "none"}}}},
  }));
  ASSERT_TRUE(configs.ok()) << configs.status();
  ASSERT_EQ(configs->size(), 5u);
  EXPECT_EQ(configs->at("plain"), LogConfig());
  EXPECT_FALSE(configs->at("plain").needs_pump());
  const LogConfig& rot = configs->at("rot");
  EXPECT_EQ(rot.mode, LogConfig::Mode::kRotate);
  EXPECT_EQ(rot.destination, LogConfig::Destination::kFile);
  EXPECT_EQ(rot.log_size, 1000);
  EXPECT_EQ(rot.backups, 2);
  EXPECT_TRUE(rot.needs_pump());
  EXPECT_EQ(configs->at("con").destination, LogConfig::Destination::kConsole);
  EXPECT_FALSE(configs->at("con").needs_pump());
  EXPECT_TRUE(configs->at("both").needs_pump());
  EXPECT_FALSE(configs->at("none").to_file());
  EXPECT_FALSE(configs->at("none").to_console());
}

TEST(ReadLogConfigsTest, RotateWithoutPolicyTakesSchemaDefaults) {
  auto configs = ReadLogConfigs(
      JobWith({{{"name", "p"}, {"cmdline", "true"}, {"logger", {{"mode", "rotate"}}}}}));
  ASSERT_TRUE(configs.ok()) << configs.status();
  EXPECT_EQ(configs->at("p").log_size, 100 * 1024 * 1024);
  EXPECT_EQ(configs->at("p").backups, 5);
}

TEST(ReadLogConfigsTest, BadInputNamesTheField) {
  auto bad_enum = ReadLogConfigs(
      JobWith({{{"name", "p"}, {"cmdline", "true"}, {"logger", {{"destination", "tape"}}}}}));
  ASSERT_FALSE(bad_enum.ok());
  EXPECT_THAT(std::string(bad_enum.status().message()), HasSubstr("logger.destination"));
  auto bad_size = ReadLogConfigs(JobWith(
      {{{"name", "p"},
        {"cmdline", "true"},
        {"logger", {{"mode", "rotate"}, {"rotate", {{"log_size", 0}, {"backups", 1}}}}}}}));
  ASSERT_FALSE(bad_size.ok());
  EXPECT_THAT(std::string(bad_size.status().message()),
              HasSubstr("task.processes[0].logger.rotate.log_size"));
  EXPECT_FALSE(ReadLogConfigs("not json").ok());
  EXPECT_FALSE(ReadLogConfigs("{}").ok());
}

DirFd Dir(const std::string& path) {
  absl::StatusOr<DirFd> dir = OpenDirectory(path);
  EXPECT_TRUE(dir.ok()) << dir.status();
  return dir.ok() ? *std::move(dir) : DirFd();
}

TEST(RotatingLogTest, StandardModeAppends) {
  testing::TempDir tmp;
  {
    RotatingLog log(Dir(tmp.path()), tmp.path(), "stdout", LogConfig());
    ASSERT_TRUE(log.Write("one\n").ok());
  }
  RotatingLog again(Dir(tmp.path()), tmp.path(), "stdout", LogConfig());
  ASSERT_TRUE(again.Write("two\n").ok());
  EXPECT_EQ(ReadAll(tmp.Sub("stdout")), "one\ntwo\n");
}

TEST(RotatingLogTest, RotatesAtSizeAndKeepsBackups) {
  testing::TempDir tmp;
  LogConfig config;
  config.mode = LogConfig::Mode::kRotate;
  config.log_size = 10;
  config.backups = 2;
  RotatingLog log(Dir(tmp.path()), tmp.path(), "stdout", config);
  // 35 bytes: four files' worth; the oldest is dropped.
  ASSERT_TRUE(log.Write("aaaaaaaaaabbbbbbbbbb").ok());
  ASSERT_TRUE(log.Write("ccccccccccddddd").ok());
  EXPECT_EQ(ReadAll(tmp.Sub("stdout")), "ddddd");
  EXPECT_EQ(ReadAll(tmp.Sub("stdout.1")), "cccccccccc");
  EXPECT_EQ(ReadAll(tmp.Sub("stdout.2")), "bbbbbbbbbb");
  EXPECT_FALSE(fs::exists(tmp.Sub("stdout.3")));
}

TEST(RotatingLogTest, NoBackupsStartsOver) {
  testing::TempDir tmp;
  LogConfig config;
  config.mode = LogConfig::Mode::kRotate;
  config.log_size = 4;
  config.backups = 0;
  RotatingLog log(Dir(tmp.path()), tmp.path(), "stderr", config);
  ASSERT_TRUE(log.Write("123456").ok());
  EXPECT_EQ(ReadAll(tmp.Sub("stderr")), "56");
  EXPECT_FALSE(fs::exists(tmp.Sub("stderr.1")));
}

// The run directory is in the sandbox, which the task's user owns: links planted at the
// log or a backup's name are replaced, never written through.
TEST(RotatingLogTest, NeverWritesThroughALink) {
  testing::TempDir tmp;
  const std::string run_dir = tmp.Sub("run");
  fs::create_directories(run_dir);
  std::ofstream(tmp.Sub("secret")) << "keep\n";
  fs::create_symlink(tmp.Sub("secret"), run_dir + "/stdout");
  fs::create_symlink(tmp.Sub("secret"), run_dir + "/stdout.1");
  LogConfig config;
  config.mode = LogConfig::Mode::kRotate;
  config.log_size = 4;
  config.backups = 1;
  RotatingLog log(Dir(run_dir), run_dir, "stdout", config);
  ASSERT_TRUE(log.Write("abcdef").ok());
  EXPECT_EQ(ReadAll(run_dir + "/stdout"), "ef");
  EXPECT_EQ(ReadAll(run_dir + "/stdout.1"), "abcd");
  EXPECT_FALSE(fs::is_symlink(run_dir + "/stdout"));
  EXPECT_FALSE(fs::is_symlink(run_dir + "/stdout.1"));
  EXPECT_EQ(ReadAll(tmp.Sub("secret")), "keep\n");
}

TEST(LogPumpTest, CopiesToFileAndConsoleUntilEof) {
  testing::TempDir tmp;
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ASSERT_EQ(::fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
  int console = ::open(tmp.Sub("console").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  ASSERT_GE(console, 0);
  LogConfig config;
  config.destination = LogConfig::Destination::kBoth;
  LogPump pump(fds[0],
               std::make_unique<RotatingLog>(Dir(tmp.path()), tmp.path(), "stdout", config),
               console);
  EXPECT_TRUE(pump.Drain());  // nothing yet: still open
  ASSERT_EQ(::write(fds[1], "hello\n", 6), 6);
  EXPECT_TRUE(pump.Drain());
  ::close(fds[1]);
  EXPECT_FALSE(pump.Drain());  // writer gone, all read
  ::close(console);
  EXPECT_EQ(ReadAll(tmp.Sub("stdout")), "hello\n");
  EXPECT_EQ(ReadAll(tmp.Sub("console")), "hello\n");
}

}  // namespace
}  // namespace borealis::executor
