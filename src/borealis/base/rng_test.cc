// Rng: the same seed gives the same draws; UUIDs have the version 4 layout; Uniform stays in
// range and uses the whole range.
#include "borealis/base/rng.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

namespace borealis::base {
namespace {

TEST(RngTest, SameSeedSameDrawsOtherSeedOtherDraws) {
  Rng a(7), b(7), c(8);
  std::vector<uint64_t> da, db, dc;
  for (int i = 0; i < 100; ++i) {
    da.push_back(a.Next());
    db.push_back(b.Next());
    dc.push_back(c.Next());
  }
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
  EXPECT_EQ(std::set<uint64_t>(da.begin(), da.end()).size(), da.size());
}

TEST(RngTest, UuidsHaveTheVersion4LayoutAndDiffer) {
  const std::regex layout("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  Rng rng(1);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string u = rng.Uuid();
    EXPECT_TRUE(std::regex_match(u, layout)) << u;
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(RngTest, UniformCoversItsRangeOnly) {
  Rng rng(3);
  std::vector<int> hits(10, 0);
  for (int i = 0; i < 10000; ++i) {
    const uint64_t v = rng.Uniform(10);
    ASSERT_LT(v, 10u);
    ++hits[v];
  }
  for (int h : hits) EXPECT_GT(h, 800);  // each value about 1,000 times
  EXPECT_EQ(rng.Uniform(0), 0u);
}

}  // namespace
}  // namespace borealis::base
