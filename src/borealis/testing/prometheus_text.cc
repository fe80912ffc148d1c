#include "borealis/testing/prometheus_text.h"

#include <cmath>
#include <cstdlib>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace borealis::testing {

namespace {

// Splits at `sep`; with `max_parts`, the last part keeps the rest.
std::vector<std::string_view> Split(std::string_view s, char sep, size_t max_parts = 0) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    if (at == std::string_view::npos || (max_parts > 0 && out.size() + 1 == max_parts)) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

bool ValidName(std::string_view name, bool label) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool first = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                       (!label && c == ':');
    if (!first && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool ParseValue(std::string_view s, double* out) {
  if (s == "+Inf" || s == "Inf") {
    *out = INFINITY;
    return true;
  }
  if (s == "-Inf") {
    *out = -INFINITY;
    return true;
  }
  if (s == "NaN") {
    *out = NAN;
    return true;
  }
  if (s.empty()) return false;
  std::string copy(s);
  char* end = nullptr;
  *out = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size();
}

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

absl::Status LineError(int line, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", std::string(what)));
}

absl::StatusOr<Sample> ParseSample(std::string_view line, int n) {
  Sample s;
  size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
  s.name = std::string(line.substr(0, i));
  if (!ValidName(s.name, false)) return LineError(n, absl::StrCat("bad metric name '", s.name, "'"));
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (true) {
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      size_t eq = line.find('=', i);
      if (eq == std::string_view::npos) return LineError(n, "label without '='");
      std::string label(line.substr(i, eq - i));
      if (!ValidName(label, true)) return LineError(n, absl::StrCat("bad label name '", label, "'"));
      i = eq + 1;
      if (i >= line.size() || line[i] != '"') return LineError(n, "label value not quoted");
      ++i;
      std::string value;
      while (true) {
        if (i >= line.size()) return LineError(n, "unterminated label value");
        const char c = line[i++];
        if (c == '"') break;
        if (c == '\\') {
          if (i >= line.size()) return LineError(n, "bad escape");
          const char e = line[i++];
          if (e == 'n') {
            value += '\n';
          } else if (e == '\\' || e == '"') {
            value += e;
          } else {
            return LineError(n, "bad escape in a label value");
          }
        } else {
          value += c;
        }
      }
      if (!s.labels.emplace(label, value).second) return LineError(n, "label given twice");
      if (i < line.size() && line[i] == ',') {
        ++i;
      } else if (i >= line.size() || line[i] != '}') {
        return LineError(n, "expected ',' or '}' after a label");
      }
    }
  }
  if (i >= line.size() || line[i] != ' ') return LineError(n, "no value");
  std::vector<std::string_view> rest = Split(line.substr(i + 1), ' ');
  if (rest.empty() || rest.size() > 2) return LineError(n, "expected a value and an optional timestamp");
  if (!ParseValue(rest[0], &s.value)) return LineError(n, absl::StrCat("bad value '", std::string(rest[0]), "'"));
  return s;
}

std::string Key(const std::string& name, const std::map<std::string, std::string>& labels) {
  if (labels.empty()) return name;
  std::vector<std::string> parts;
  for (const auto& [k, v] : labels) parts.push_back(absl::StrCat(k, "=\"", v, "\""));
  return absl::StrCat(name, "{", absl::StrJoin(parts, ","), "}");
}

// The family a sample belongs to, given the declared types.
std::string FamilyOf(const std::string& name, const std::map<std::string, std::string>& types) {
  if (types.count(name)) return name;
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      std::string base = name.substr(0, name.size() - suffix.size());
      auto it = types.find(base);
      if (it != types.end() && it->second == "histogram") return base;
    }
  }
  return "";
}

struct HistogramSeries {
  std::vector<std::pair<double, double>> buckets;  // (le, count) in order of appearance
  double count = -1;
  bool has_sum = false;
  int line = 0;
};

absl::Status CheckHistograms(const std::map<std::string, HistogramSeries>& series) {
  for (const auto& [key, h] : series) {
    if (h.buckets.empty()) return LineError(h.line, absl::StrCat(key, ": no buckets"));
    for (size_t i = 1; i < h.buckets.size(); ++i) {
      if (!(h.buckets[i].first > h.buckets[i - 1].first)) {
        return LineError(h.line, absl::StrCat(key, ": bucket bounds do not increase"));
      }
      if (h.buckets[i].second < h.buckets[i - 1].second) {
        return LineError(h.line, absl::StrCat(key, ": bucket counts decrease"));
      }
    }
    if (!std::isinf(h.buckets.back().first)) {
      return LineError(h.line, absl::StrCat(key, ": last bucket is not le=\"+Inf\""));
    }
    if (!h.has_sum) return LineError(h.line, absl::StrCat(key, ": no _sum"));
    if (h.count != h.buckets.back().second) {
      return LineError(h.line, absl::StrCat(key, ": _count is not the +Inf bucket's count"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PrometheusText> ParsePrometheusText(std::string_view text) {
  PrometheusText out;
  std::set<std::string> helped;
  std::set<std::string> finished;  // families whose samples ended
  std::string current;             // the family of the previous sample
  std::map<std::string, HistogramSeries> histograms;  // family + labels without le
  int n = 0;
  if (!text.empty() && !text.ends_with('\n')) return LineError(0, "text does not end in a newline");
  for (std::string_view line : Split(text, '\n')) {
    ++n;
    if (line.empty()) continue;
    if (line.starts_with("#")) {
      std::vector<std::string_view> f = Split(line, ' ', 4);
      if (f.size() >= 3 && (f[1] == "HELP" || f[1] == "TYPE")) {
        const std::string name(f[2]);
        if (!ValidName(name, false)) return LineError(n, absl::StrCat("bad metric name '", name, "'"));
        if (f[1] == "HELP") {
          if (!helped.insert(name).second) return LineError(n, "second HELP for " + name);
          continue;
        }
        if (f.size() != 4) return LineError(n, "TYPE without a type");
        const std::string type(f[3]);
        if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" &&
            type != "untyped") {
          return LineError(n, "unknown type " + type);
        }
        if (out.types.count(name)) return LineError(n, "second TYPE for " + name);
        if (type == "counter" && !name.ends_with("_total")) {
          return LineError(n, "counter " + name + " does not end in _total");
        }
        out.types[name] = type;
      }
      continue;
    }
    absl::StatusOr<Sample> s = ParseSample(line, n);
    if (!s.ok()) return s.status();
    const std::string family = FamilyOf(s->name, out.types);
    if (family.empty()) return LineError(n, "sample " + s->name + " before its TYPE line");
    if (family != current) {
      if (finished.count(family)) return LineError(n, "samples of " + family + " are not together");
      if (!current.empty()) finished.insert(current);
      current = family;
    }
    const std::string key = Key(s->name, s->labels);
    if (!out.samples.emplace(key, s->value).second) return LineError(n, "duplicate sample " + key);
    if (out.types[family] != "histogram") continue;
    std::map<std::string, std::string> labels = s->labels;
    labels.erase("le");
    HistogramSeries& h = histograms[Key(family, labels)];
    h.line = n;
    if (s->name == family + "_bucket") {
      auto le = s->labels.find("le");
      double bound = 0;
      if (le == s->labels.end() || !ParseValue(le->second, &bound)) {
        return LineError(n, "bucket without a numeric le label");
      }
      h.buckets.emplace_back(bound, s->value);
    } else if (s->name == family + "_sum") {
      h.has_sum = true;
    } else if (s->name == family + "_count") {
      h.count = s->value;
    } else {
      return LineError(n, "histogram sample " + s->name + " is not _bucket, _sum or _count");
    }
  }
  absl::Status hs = CheckHistograms(histograms);
  if (!hs.ok()) return hs;
  return out;
}

}  // namespace borealis::testing
