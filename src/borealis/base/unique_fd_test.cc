// UniqueFd: closes what it owns exactly once, hands it over on move and release, dups.
#include "borealis/base/unique_fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace borealis::base {
namespace {

bool IsOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

TEST(UniqueFd, ClosesOnceAndHandsOver) {
  int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(raw, 0);
  {
    UniqueFd a(raw);
    UniqueFd b(std::move(a));
    EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): checking the moved-from state
    EXPECT_EQ(b.get(), raw);
    absl::StatusOr<UniqueFd> copy = b.Dup();
    ASSERT_TRUE(copy.ok());
    EXPECT_NE(copy->get(), raw);
    EXPECT_TRUE(IsOpen(copy->get()));
    UniqueFd c;
    c = std::move(b);
    EXPECT_TRUE(IsOpen(raw));
  }
  EXPECT_FALSE(IsOpen(raw));
  raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  {
    UniqueFd d(raw);
    EXPECT_EQ(d.release(), raw);
  }
  EXPECT_TRUE(IsOpen(raw));  // released: not closed
  ::close(raw);
}

}  // namespace
}  // namespace borealis::base
