#include "borealis/base/files.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "borealis/testing/status_matchers.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::base {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(d);
  }
  return names;
}

TEST(WriteFileAtomicallyTest, ReplacesTheFileAndLeavesNothingElse) {
  borealis::testing::TempDir dir;
  const std::string path = dir.Sub("state.json");
  ASSERT_THAT(WriteFileAtomically(path, "old"), IsOk());
  ASSERT_THAT(WriteFileAtomically(path, "new\n"), IsOk());
  EXPECT_EQ(Read(path), "new\n");
  EXPECT_THAT(Names(dir.path()), ElementsAre("state.json"));
}

TEST(WriteFileAtomicallyTest, WithoutFsyncStillReplacesAtomically) {
  borealis::testing::TempDir dir;
  const std::string path = dir.Sub("status.json");
  ASSERT_THAT(WriteFileAtomically(path, "old", Durability::kProcessCrash), IsOk());
  ASSERT_THAT(WriteFileAtomically(path, "new\n", Durability::kProcessCrash), IsOk());
  EXPECT_EQ(Read(path), "new\n");
  EXPECT_THAT(Names(dir.path()), ElementsAre("status.json"));
  EXPECT_THAT(WriteFileAtomically(dir.Sub("no/dir/f"), "x", Durability::kProcessCrash),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no/dir/f")));
}

TEST(WriteFileAtomicallyTest, MissingDirectoryIsNotFoundNamingTheFile) {
  borealis::testing::TempDir dir;
  EXPECT_THAT(WriteFileAtomically(dir.Sub("no/such/dir/f"), "x"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no/such/dir/f")));
}

TEST(ProcStatTest, ReadsThisProcessAndRefusesOthers) {
  std::optional<ProcStat> self = ReadProcStat(::getpid());
  ASSERT_TRUE(self.has_value());
  EXPECT_EQ(self->state, 'R');
  EXPECT_GT(self->start_ticks, 0);
  EXPECT_THAT(ProcessStartTicks(::getpid()), IsOk());
  EXPECT_EQ(*ProcessStartTicks(::getpid()), self->start_ticks);
  EXPECT_FALSE(ReadProcStat(0).has_value());
  EXPECT_FALSE(ReadProcStat(-1).has_value());
  EXPECT_THAT(ProcessStartTicks(0).status(), StatusIs(absl::StatusCode::kNotFound, HasSubstr("process 0")));
}

}  // namespace
}  // namespace borealis::base
