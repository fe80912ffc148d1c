// Tests of the tier configuration: Aurora's JSON format, defaults and the backfill rule.
#include "borealis/core/tier_config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace borealis::core {
namespace {

TEST(TierConfigTest, DefaultMatchesAurora) {
  const TierConfig c = TierConfig::Default();
  EXPECT_EQ(c.default_tier, "preemptible");
  ASSERT_EQ(c.tiers.size(), 3u);
  EXPECT_EQ(c.tiers.at("preferred"), (Tier{false, false}));
  EXPECT_EQ(c.tiers.at("preemptible"), (Tier{true, false}));
  EXPECT_EQ(c.tiers.at("revocable"), (Tier{true, true}));
}

TEST(TierConfigTest, ParsesAuroraFormat) {
  auto c = ParseTierConfig(R"({"default": "batch", "tiers": {
      "batch": {"preemptible": true, "revocable": false},
      "gold": {"preemptible": false, "revocable": false}}})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->default_tier, "batch");
  EXPECT_EQ(c->tiers.at("gold"), (Tier{false, false}));
  EXPECT_EQ(c->tiers.at("batch"), (Tier{true, false}));
}

TEST(TierConfigTest, RejectsBadFiles) {
  struct Case {
    const char* json;
    const char* error_part;
  };
  const std::vector<Case> cases = {
      {"not json", "not a JSON object"},
      {R"({"tiers": {"a": {}}})", "'default'"},
      {R"({"default": "a"})", "'tiers'"},
      {R"({"default": "a", "tiers": {}})", "'tiers'"},
      {R"({"default": "a", "tiers": {"a": 1}})", "'tiers.a'"},
      {R"({"default": "a", "tiers": {"a": {"preemptible": "yes"}}})", "tiers.a.preemptible"},
      {R"({"default": "b", "tiers": {"a": {}}})", "default tier 'b'"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseTierConfig(c.json);
    ASSERT_FALSE(parsed.ok()) << c.json;
    EXPECT_NE(std::string(parsed.status().message()).find(c.error_part), std::string::npos)
        << c.json << " -> " << parsed.status();
  }
}

TEST(ApplyTierTest, Table) {
  struct Case {
    std::string tier;
    bool production;
    std::string want_tier;
    bool want_production;
  };
  const std::vector<Case> cases = {
      {"", false, "preemptible", false},  // unset, non-production → first preemptible tier
      {"", true, "preferred", true},      // unset, production → preferred
      {"preferred", false, "preferred", true},
      {"preemptible", true, "preemptible", false},
      {"revocable", true, "revocable", false},
  };
  for (const auto& c : cases) {
    model::TaskConfig config;
    config.tier = c.tier;
    config.production = c.production;
    ASSERT_TRUE(ApplyTier(TierConfig::Default(), config).ok()) << c.tier;
    EXPECT_EQ(config.tier, c.want_tier) << c.tier << "/" << c.production;
    EXPECT_EQ(config.production, c.want_production) << c.tier << "/" << c.production;
  }
}

TEST(ApplyTierTest, UnsetFallsBackToDefaultWhenNoTierMatches) {
  TierConfig only_batch;
  only_batch.default_tier = "batch";
  only_batch.tiers["batch"] = Tier{true, false};
  model::TaskConfig config;
  config.production = true;
  ASSERT_TRUE(ApplyTier(only_batch, config).ok());
  EXPECT_EQ(config.tier, "batch");
  EXPECT_FALSE(config.production);
}

TEST(ApplyTierTest, UnknownTierIsNamed) {
  model::TaskConfig config;
  config.tier = "gold";
  absl::Status s = ApplyTier(TierConfig::Default(), config);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "taskConfig.tier: unknown tier 'gold' (known: preemptible, preferred, revocable)");
}

}  // namespace
}  // namespace borealis::core
