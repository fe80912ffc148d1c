#include "borealis/model/port_set.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "borealis/base/rng.h"

namespace borealis::model {
namespace {

TEST(PortSetTest, BehavesLikeAnOrderedSet) {
  PortSet s{5, 1, 3, 3};
  EXPECT_EQ(std::vector<int32_t>(s.begin(), s.end()), (std::vector<int32_t>{1, 3, 5}));
  EXPECT_FALSE(s.insert(3).second);
  auto [it, added] = s.insert(4);
  EXPECT_TRUE(added);
  EXPECT_EQ(*it, 4);
  EXPECT_TRUE(s.contains(4));
  EXPECT_EQ(s.count(2), 0u);
  EXPECT_EQ(*s.lower_bound(2), 3);
  EXPECT_EQ(s.lower_bound(6), s.end());
  EXPECT_EQ(s.erase(9), 0u);
  EXPECT_EQ(s.erase(1), 1u);
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s, (PortSet{3, 4, 5}));
  s.clear();
  EXPECT_TRUE(s.empty());
}

TEST(PortSetTest, MatchesStdSetUnderRandomInsertsAndErases) {
  base::Rng rng(7);
  PortSet ours;
  std::set<int32_t> reference;
  for (int i = 0; i < 20'000; ++i) {
    const int32_t port = 31000 + static_cast<int32_t>(rng.Uniform(200));
    if (rng.Uniform(3) == 0) {
      ASSERT_EQ(ours.erase(port), reference.erase(port));
    } else {
      ASSERT_EQ(ours.insert(port).second, reference.insert(port).second);
    }
    const int32_t probe = 31000 + static_cast<int32_t>(rng.Uniform(201));
    auto a = ours.lower_bound(probe);
    auto b = reference.lower_bound(probe);
    ASSERT_EQ(a == ours.end(), b == reference.end());
    if (b != reference.end()) {
      ASSERT_EQ(*a, *b);
    }
  }
  EXPECT_EQ(std::vector<int32_t>(ours.begin(), ours.end()),
            std::vector<int32_t>(reference.begin(), reference.end()));
}

}  // namespace
}  // namespace borealis::model
