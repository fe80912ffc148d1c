// Tiers (docs/aurora-compatibility.md): the named classes of service a task may ask for,
// whether each is
// preemptible and revocable, and which one is the default. Parsing of Aurora's
// `-tier_config` JSON and the server-side tier/production backfill live here.
//
// Invariants of a valid TierConfig: at least one tier, the default names one of them.
// Pure: parses text handed in by the caller (the file is read at the edge).
// Thread contract: values; functions are safe from any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/model/task_config.h"

namespace borealis::core {

struct Tier {
  bool preemptible = false;
  bool revocable = false;
  bool operator==(const Tier&) const = default;
};

struct TierConfig {
  std::string default_tier;
  std::map<std::string, Tier> tiers;  // by name, sorted

  // Aurora's default: preferred (production), preemptible (the default), revocable.
  static TierConfig Default();
  const Tier* Find(std::string_view name) const;
};

// Parses Aurora's format: {"default": NAME, "tiers": {NAME: {"preemptible": B,
// "revocable": B}}}. Errors name the field.
absl::StatusOr<TierConfig> ParseTierConfig(std::string_view json_text);

// Server-side backfill: an unset tier becomes the first tier (by name)
// that is not revocable and whose (not preemptible) equals config.production, else the
// default tier; then production = !preemptible. An unknown tier is refused:
// "taskConfig.tier: unknown tier 'NAME' (known: a, b, c)".
absl::Status ApplyTier(const TierConfig& tiers, model::TaskConfig& config);

}  // namespace borealis::core
