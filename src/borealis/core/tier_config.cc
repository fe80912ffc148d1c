#include "borealis/core/tier_config.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace borealis::core {

TierConfig TierConfig::Default() {
  TierConfig c;
  c.default_tier = "preemptible";
  c.tiers["preferred"] = Tier{false, false};
  c.tiers["preemptible"] = Tier{true, false};
  c.tiers["revocable"] = Tier{true, true};
  return c;
}

const Tier* TierConfig::Find(std::string_view name) const {
  auto it = tiers.find(std::string(name));
  return it == tiers.end() ? nullptr : &it->second;
}

namespace {

absl::StatusOr<bool> BoolField(const nlohmann::json& tier, const std::string& tier_name,
                               const char* field) {
  auto it = tier.find(field);
  if (it == tier.end()) return false;
  if (!it->is_boolean()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tier config: field 'tiers.", tier_name, ".", field, "' must be a boolean"));
  }
  return it->get<bool>();
}

}  // namespace

absl::StatusOr<TierConfig> ParseTierConfig(std::string_view json_text) {
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError("tier config: not a JSON object");
  }
  TierConfig config;
  auto def = doc.find("default");
  if (def == doc.end() || !def->is_string()) {
    return absl::InvalidArgumentError("tier config: field 'default' must be a string");
  }
  config.default_tier = def->get<std::string>();
  auto tiers = doc.find("tiers");
  if (tiers == doc.end() || !tiers->is_object() || tiers->empty()) {
    return absl::InvalidArgumentError("tier config: field 'tiers' must be a non-empty object");
  }
  for (const auto& [name, value] : tiers->items()) {
    if (!value.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("tier config: field 'tiers.", name, "' must be an object"));
    }
    Tier t;
    auto preemptible = BoolField(value, name, "preemptible");
    if (!preemptible.ok()) return preemptible.status();
    auto revocable = BoolField(value, name, "revocable");
    if (!revocable.ok()) return revocable.status();
    t.preemptible = *preemptible;
    t.revocable = *revocable;
    config.tiers[name] = t;
  }
  if (config.Find(config.default_tier) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("tier config: default tier '",
                                                   config.default_tier, "' is not in 'tiers'"));
  }
  return config;
}

absl::Status ApplyTier(const TierConfig& tiers, model::TaskConfig& config) {
  if (config.tier.empty()) {
    config.tier = tiers.default_tier;
    for (const auto& [name, t] : tiers.tiers) {
      if (!t.revocable && !t.preemptible == config.production) {
        config.tier = name;
        break;
      }
    }
  }
  const Tier* tier = tiers.Find(config.tier);
  if (tier == nullptr) {
    std::vector<std::string> names;
    for (const auto& [name, t] : tiers.tiers) names.push_back(name);
    return absl::InvalidArgumentError(absl::StrCat("taskConfig.tier: unknown tier '",
                                                   config.tier, "' (known: ",
                                                   absl::StrJoin(names, ", "), ")"));
  }
  config.production = !tier->preemptible;
  return absl::OkStatus();
}

}  // namespace borealis::core
