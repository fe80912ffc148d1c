// InternedString: equal strings share one entry (so equality is a pointer compare), and an
// entry stays valid for the life of the process.
#include "borealis/base/interned.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace borealis::base {
namespace {

TEST(InternedStringTest, EqualStringsShareOneEntry) {
  std::string host = "scheduler-1.example.com";
  InternedString a(host);
  host[0] = 'S';  // the entry is a copy
  InternedString b("scheduler-1.example.com");
  InternedString c(host);
  EXPECT_EQ(&a.str(), &b.str());
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == c);
  EXPECT_TRUE(a == std::string_view("scheduler-1.example.com"));
  EXPECT_EQ(c.str(), "Scheduler-1.example.com");
  EXPECT_TRUE(InternedString().empty());
  EXPECT_TRUE(InternedString() == InternedString(""));
  std::ostringstream out;
  out << a;
  EXPECT_EQ(out.str(), "scheduler-1.example.com");
}

TEST(InternedStringTest, ConcurrentInterningAgrees) {
  std::vector<const std::string*> seen(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&seen, i] {
      for (int k = 0; k < 1000; ++k) InternedString("x" + std::to_string(k));
      seen[i] = &InternedString("shared-name").str();
    });
  }
  for (auto& t : threads) t.join();
  for (const std::string* p : seen) EXPECT_EQ(p, seen[0]);
}

}  // namespace
}  // namespace borealis::base
