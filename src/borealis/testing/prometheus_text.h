// A strict parser of the Prometheus text exposition format (0.0.4) for tests: what a
// scraper would accept, and more strictly, what docs/metrics.md promises. It refuses
//   - a line that is neither "# HELP", "# TYPE", another comment, nor a sample;
//   - metric and label names outside [a-zA-Z_:][a-zA-Z0-9_:]* (labels without ':'),
//     label values with escapes other than \\ \" \n, values that are not numbers;
//   - a sample before its family's TYPE line, a family whose samples are not contiguous,
//     a second TYPE or HELP for a name, a duplicate sample;
//   - a counter whose name does not end in "_total";
//   - a histogram whose samples are not _bucket (with an `le` label), _sum or _count, whose
//     buckets per label set do not increase in `le` with non-decreasing counts, do not end
//     in le="+Inf", or whose _count is not the +Inf bucket's count.
// Errors name the line number.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace borealis::testing {

struct PrometheusText {
  std::map<std::string, std::string> types;  // family name → counter|gauge|histogram|...
  // "name{a=\"x\",b=\"y\"}" (labels as written, sorted by name) → value
  std::map<std::string, double> samples;

  bool Has(const std::string& key) const { return samples.count(key) > 0; }
  double Get(const std::string& key) const {
    auto it = samples.find(key);
    return it == samples.end() ? -1 : it->second;
  }
};

absl::StatusOr<PrometheusText> ParsePrometheusText(std::string_view text);

}  // namespace borealis::testing
