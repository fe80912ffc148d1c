#include "borealis/core/canary.h"

#include <algorithm>
#include <charconv>

#include "absl/strings/str_cat.h"

namespace borealis::core {

namespace {
std::optional<int64_t> PositiveInt(const std::string& s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}
}  // namespace

absl::StatusOr<std::optional<CanarySettings>> CanaryOf(
    const std::vector<model::Metadata>& metadata) {
  std::optional<CanarySettings> out;
  std::optional<int64_t> auto_secs;
  for (const model::Metadata& m : metadata) {
    if (m.key == kCanaryKey) {
      std::optional<int64_t> n = PositiveInt(m.value);
      if (!n || *n > INT32_MAX) {
        return absl::InvalidArgumentError(absl::StrCat(
            "metadata ", kCanaryKey, ": must be a positive number of instances, got '", m.value,
            "'"));
      }
      out = CanarySettings{static_cast<int32_t>(*n), std::nullopt};
    } else if (m.key == kCanaryAutoPromoteKey) {
      auto_secs = PositiveInt(m.value);
      if (!auto_secs || *auto_secs > INT64_MAX / 1000) {
        return absl::InvalidArgumentError(absl::StrCat("metadata ", kCanaryAutoPromoteKey,
                                                       ": must be a positive number of seconds, "
                                                       "got '", m.value, "'"));
      }
    }
  }
  if (auto_secs) {
    if (!out) {
      return absl::InvalidArgumentError(absl::StrCat("metadata ", kCanaryAutoPromoteKey,
                                                     ": needs ", kCanaryKey));
    }
    out->auto_promote_after_ms = *auto_secs * 1000;
  }
  return out;
}

std::string CanaryState(const std::vector<model::Metadata>& metadata) {
  for (const model::Metadata& m : metadata) {
    if (m.key == kCanaryStateKey) return m.value;
  }
  return "";
}

std::vector<model::Metadata> WithCanaryState(std::vector<model::Metadata> metadata,
                                             const std::string& state) {
  metadata.erase(std::remove_if(metadata.begin(), metadata.end(),
                                [](const model::Metadata& m) { return m.key == kCanaryStateKey; }),
                 metadata.end());
  metadata.push_back({kCanaryStateKey, state});
  std::sort(metadata.begin(), metadata.end());
  return metadata;
}

std::string CanaryWaitingMessage(const CanarySettings& canary) {
  std::string out = absl::StrCat("Canary of ", canary.instances,
                                 " instance(s) is healthy; waiting for promotion "
                                 "(resumeJobUpdate)");
  if (canary.auto_promote_after_ms) {
    absl::StrAppend(&out, ", or automatic promotion after ",
                    *canary.auto_promote_after_ms / 1000, " s");
  }
  return out;
}

}  // namespace borealis::core
