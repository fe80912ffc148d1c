// Parsing what users type to name jobs (docs/aurora-compatibility.md):
//   job key        CLUSTER/ROLE/ENV/NAME
//   instance spec  CLUSTER/ROLE/ENV/NAME[/INSTANCES], INSTANCES like "0-2,5"
//   job pattern    CLUSTER[/ROLE[/ENV[/NAME]]], missing parts are "*", parts may be
//                  shell globs (fnmatch) except the cluster.
// Every error is InvalidArgument and quotes what was typed. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "borealis/model/job_key.h"

namespace borealis::cli {

// A job key with the cluster it lives in.
struct ClusterJobKey {
  std::string cluster;
  model::JobKey job;

  // "cluster/role/env/name".
  std::string ToString() const;
  auto operator<=>(const ClusterJobKey&) const = default;
};

struct InstanceSpec {
  ClusterJobKey key;
  std::optional<std::set<int32_t>> instances;  // nullopt: every instance
};

struct JobPattern {
  std::string cluster;
  std::string role = "*";
  std::string environment = "*";
  std::string name = "*";

  // True when every part is literal and given: the pattern names exactly one job.
  bool IsExactJob() const;
  // True when `key` (in `cluster`) matches every part.
  bool Matches(const std::string& key_cluster, const model::JobKey& key) const;
  // The role if it is literal, else "" (for getJobs: every role).
  std::string LiteralRole() const;
  // The parts as given, "cluster/role/env/name" without trailing "*" parts.
  std::string ToString() const;
};

// Letters, digits, '_', '-' and '.' (Aurora's GOOD_IDENTIFIER_PATTERN), non-empty.
bool IsGoodIdentifier(const std::string& s);

absl::StatusOr<ClusterJobKey> ParseJobKey(const std::string& text);

// "0-2,5" -> {0, 1, 2, 5}. Ids are >= 0, ranges closed and ascending, at most 100000
// instances in all.
absl::StatusOr<std::set<int32_t>> ParseInstances(const std::string& text);

// "0-2,5" style for printing: consecutive ids are folded into ranges.
std::string FormatInstances(const std::set<int32_t>& instances);

absl::StatusOr<InstanceSpec> ParseInstanceSpec(const std::string& text);

absl::StatusOr<JobPattern> ParseJobPattern(const std::string& text);

}  // namespace borealis::cli
