// Parsing of the agent's --resources and --attributes flags (see inventory.h).
#include "borealis/agent/inventory.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace borealis::agent {
namespace {

absl::Status ResourceError(absl::string_view name, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("resource '", name, "': ", why));
}

absl::StatusOr<int64_t> ParseCount(absl::string_view name, absl::string_view value) {
  int64_t n = 0;
  if (!absl::SimpleAtoi(value, &n)) {
    return ResourceError(name, absl::StrCat("'", value, "' is not a whole number"));
  }
  if (n < 0) return ResourceError(name, "must not be negative");
  return n;
}

absl::StatusOr<int64_t> ParseMilliCpus(absl::string_view value) {
  double cpus = 0;
  if (!absl::SimpleAtod(value, &cpus) || !std::isfinite(cpus)) {
    return ResourceError("cpus", absl::StrCat("'", value, "' is not a number"));
  }
  if (cpus < 0) return ResourceError("cpus", "must not be negative");
  if (cpus > 1e9) return ResourceError("cpus", "is too large");
  return static_cast<int64_t>(std::llround(cpus * 1000.0));
}

absl::StatusOr<int32_t> ParsePort(absl::string_view text) {
  int32_t port = 0;
  absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (!absl::SimpleAtoi(trimmed, &port) || port < 1 || port > 65535) {
    return ResourceError("ports", absl::StrCat("'", trimmed, "' is not a port in 1..65535"));
  }
  return port;
}

absl::StatusOr<std::vector<model::PortRange>> ParsePorts(absl::string_view value) {
  if (!absl::ConsumePrefix(&value, "[") || !absl::ConsumeSuffix(&value, "]")) {
    return ResourceError("ports", "expected ranges in brackets, like [31000-32000]");
  }
  std::vector<model::PortRange> ranges;
  for (absl::string_view item : absl::StrSplit(value, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (item.empty()) return ResourceError("ports", "empty range");
    std::vector<absl::string_view> ends = absl::StrSplit(item, absl::MaxSplits('-', 1));
    model::PortRange range;
    ASSIGN_OR_RETURN(range.begin, ParsePort(ends[0]));
    if (ends.size() == 2) {
      ASSIGN_OR_RETURN(range.end, ParsePort(ends[1]));
    } else {
      range.end = range.begin;
    }
    if (range.end < range.begin) {
      return ResourceError("ports", absl::StrCat("range '", item, "' ends before it begins"));
    }
    ranges.push_back(range);
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const model::PortRange& a, const model::PortRange& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].begin <= ranges[i - 1].end) {
      return ResourceError(
          "ports", absl::StrCat("ranges ", ranges[i - 1].begin, "-", ranges[i - 1].end, " and ",
                                ranges[i].begin, "-", ranges[i].end, " overlap"));
    }
  }
  return ranges;
}

// Splits "a:b" or "a=b" at the first separator; false when there is none.
bool SplitPair(absl::string_view item, absl::string_view& name, absl::string_view& value) {
  size_t pos = item.find_first_of(":=");
  if (pos == absl::string_view::npos) return false;
  name = absl::StripAsciiWhitespace(item.substr(0, pos));
  value = absl::StripAsciiWhitespace(item.substr(pos + 1));
  return true;
}

}  // namespace

absl::StatusOr<ResourceSpec> ParseResources(std::string_view spec_in) {
  absl::string_view spec(spec_in.data(), spec_in.size());
  ResourceSpec out;
  std::set<std::string, std::less<>> seen;
  for (absl::string_view item : absl::StrSplit(spec, ';', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    absl::string_view name, value;
    if (!SplitPair(item, name, value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("resource item '", item, "': expected name:value"));
    }
    std::string key = absl::AsciiStrToLower(name);
    if (key == "ram") key = "mem";
    if (!seen.insert(key).second) return ResourceError(name, "given twice");
    if (key == "cpus") {
      ASSIGN_OR_RETURN(out.scalars.milli_cpus, ParseMilliCpus(value));
    } else if (key == "mem") {
      ASSIGN_OR_RETURN(out.scalars.ram_mb, ParseCount(name, value));
    } else if (key == "disk") {
      ASSIGN_OR_RETURN(out.scalars.disk_mb, ParseCount(name, value));
    } else if (key == "gpus") {
      ASSIGN_OR_RETURN(out.scalars.gpus, ParseCount(name, value));
    } else if (key == "ports") {
      ASSIGN_OR_RETURN(out.ports, ParsePorts(value));
    } else {
      return ResourceError(name, "unknown (expected cpus, mem, disk, gpus or ports)");
    }
  }
  return out;
}

absl::StatusOr<Attributes> ParseAttributes(std::string_view spec_in) {
  absl::string_view spec(spec_in.data(), spec_in.size());
  Attributes out;
  for (absl::string_view item : absl::StrSplit(spec, ';', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    absl::string_view name, value;
    if (!SplitPair(item, name, value) || name.empty() || value.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("attribute item '", item, "': expected name:value"));
    }
    if (name == "host") {
      return absl::InvalidArgumentError("attribute 'host': it is always the agent's --host");
    }
    if (out.contains(std::string(name))) {
      return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "': given twice"));
    }
    std::vector<std::string>& values = out[std::string(name)];
    for (absl::string_view v : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      values.emplace_back(absl::StripAsciiWhitespace(v));
    }
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
  }
  return out;
}

model::AgentInfo BuildAgentInfo(const std::string& agent_id, const std::string& host,
                                const ResourceSpec& resources, const Attributes& attributes) {
  model::AgentInfo info;
  info.agent_id = model::AgentId(agent_id);
  info.host = host;
  info.resources = resources.scalars;
  info.resources.named_ports.clear();
  info.port_ranges = resources.ports;
  info.attributes = attributes;
  info.attributes["host"] = {host};
  return info;
}

}  // namespace borealis::agent
