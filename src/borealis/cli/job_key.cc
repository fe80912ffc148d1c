// Job keys, instance lists and job patterns as typed on the command line.
#include "borealis/cli/job_key.h"

#include <fnmatch.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace borealis::cli {
namespace {

constexpr int64_t kMaxInstances = 100000;

bool HasGlob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

// Checks one part of a job key; `what` names it ("role").
absl::Status CheckPart(const std::string& part, const char* what, const std::string& text) {
  if (part.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " is empty in '", text, "'"));
  if (!IsGoodIdentifier(part)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " '", part, "' in '", text,
                                                   "' may contain only letters, digits, "
                                                   "'_', '-' and '.'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ClusterJobKey> KeyFromParts(const std::vector<std::string>& parts,
                                           const std::string& text) {
  ClusterJobKey key;
  key.cluster = parts[0];
  key.job.role = parts[1];
  key.job.environment = parts[2];
  key.job.name = parts[3];
  const absl::Status checks[] = {CheckPart(key.cluster, "cluster", text),
                                 CheckPart(key.job.role, "role", text),
                                 CheckPart(key.job.environment, "environment", text),
                                 CheckPart(key.job.name, "job name", text)};
  for (const absl::Status& s : checks) {
    if (!s.ok()) return s;
  }
  return key;
}

absl::StatusOr<int32_t> ParseInstanceId(absl::string_view text, const std::string& whole) {
  int64_t id = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &id) || id < 0 || id > INT32_MAX) {
    return absl::InvalidArgumentError(absl::StrCat("instance '", std::string(text), "' in '",
                                                   whole,
                                                   "' is not an instance id (a number >= 0)"));
  }
  return static_cast<int32_t>(id);
}

}  // namespace

std::string ClusterJobKey::ToString() const { return absl::StrCat(cluster, "/", job.ToString()); }

bool JobPattern::IsExactJob() const {
  return !HasGlob(role) && !HasGlob(environment) && !HasGlob(name);
}

bool JobPattern::Matches(const std::string& key_cluster, const model::JobKey& key) const {
  auto match = [](const std::string& pattern, const std::string& value) {
    return fnmatch(pattern.c_str(), value.c_str(), 0) == 0;
  };
  return key_cluster == cluster && match(role, key.role) && match(environment, key.environment) &&
         match(name, key.name);
}

std::string JobPattern::LiteralRole() const { return HasGlob(role) ? "" : role; }

std::string JobPattern::ToString() const {
  std::vector<std::string> parts = {cluster, role, environment, name};
  while (parts.size() > 1 && parts.back() == "*") parts.pop_back();
  return absl::StrJoin(parts, "/");
}

bool IsGoodIdentifier(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

absl::StatusOr<ClusterJobKey> ParseJobKey(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  if (parts.size() != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("job key '", text, "' must have the form CLUSTER/ROLE/ENV/NAME"));
  }
  return KeyFromParts(parts, text);
}

absl::StatusOr<std::set<int32_t>> ParseInstances(const std::string& text) {
  if (absl::StripAsciiWhitespace(text).empty()) {
    return absl::InvalidArgumentError("instance list is empty (expected e.g. 0-2,5)");
  }
  std::set<int32_t> out;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    if (absl::StripAsciiWhitespace(item).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("instance list '", text, "' has an empty element (expected e.g. 0-2,5)"));
    }
    std::vector<absl::string_view> bounds = absl::StrSplit(item, absl::MaxSplits('-', 1));
    auto first = ParseInstanceId(bounds[0], text);
    if (!first.ok()) return first.status();
    int32_t last = *first;
    if (bounds.size() == 2) {
      auto parsed_last = ParseInstanceId(bounds[1], text);
      if (!parsed_last.ok()) return parsed_last.status();
      last = *parsed_last;
      if (last < *first) {
        return absl::InvalidArgumentError(absl::StrCat("instance range '", std::string(item),
                                                       "' in '", text, "' is reversed"));
      }
    }
    if (static_cast<int64_t>(last) - *first + 1 + static_cast<int64_t>(out.size()) >
        kMaxInstances) {
      return absl::InvalidArgumentError(
          absl::StrCat("instance list '", text, "' names more than ", kMaxInstances, " instances"));
    }
    for (int64_t i = *first; i <= last; ++i) out.insert(static_cast<int32_t>(i));
  }
  return out;
}

std::string FormatInstances(const std::set<int32_t>& instances) {
  std::vector<std::string> parts;
  for (auto it = instances.begin(); it != instances.end();) {
    int32_t first = *it;
    int32_t last = first;
    for (++it; it != instances.end() && *it == last + 1; ++it) last = *it;
    parts.push_back(first == last ? std::to_string(first) : absl::StrCat(first, "-", last));
  }
  return absl::StrJoin(parts, ",");
}

absl::StatusOr<InstanceSpec> ParseInstanceSpec(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  if (parts.size() != 4 && parts.size() != 5) {
    return absl::InvalidArgumentError(absl::StrCat(
        "instance spec '", text, "' must have the form CLUSTER/ROLE/ENV/NAME[/INSTANCES]"));
  }
  InstanceSpec spec;
  auto key = KeyFromParts(parts, text);
  if (!key.ok()) return key.status();
  spec.key = *std::move(key);
  if (parts.size() == 5) {
    auto instances = ParseInstances(parts[4]);
    if (!instances.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("instance spec '", text, "': ", instances.status().message()));
    }
    spec.instances = *std::move(instances);
  }
  return spec;
}

absl::StatusOr<JobPattern> ParseJobPattern(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  if (parts.size() > 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("job pattern '", text, "' must have the form CLUSTER[/ROLE[/ENV[/NAME]]]"));
  }
  for (const std::string& part : parts) {
    if (part.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("job pattern '", text, "' has an empty part"));
    }
  }
  if (HasGlob(parts[0]) || !IsGoodIdentifier(parts[0])) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cluster '", parts[0], "' in '", text,
        "' must be a cluster name (letters, digits, '_', '-', '.'; no globs)"));
  }
  JobPattern pattern;
  pattern.cluster = parts[0];
  if (parts.size() > 1) pattern.role = parts[1];
  if (parts.size() > 2) pattern.environment = parts[2];
  if (parts.size() > 3) pattern.name = parts[3];
  return pattern;
}

}  // namespace borealis::cli
