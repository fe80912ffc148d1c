#include "borealis/base/metrics.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "borealis/base/check.h"
#include "nlohmann/json.hpp"

namespace borealis::base {

namespace {

// Label values escape backslash, double quote and newline; HELP text backslash and newline.
std::string EscapeText(std::string_view s, bool quote) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Labels(const std::vector<std::string>& names, const std::vector<std::string>& values,
                   std::string_view extra_name = {}, std::string_view extra_value = {}) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    parts.push_back(absl::StrCat(names[i], "=\"", EscapeText(values[i], true), "\""));
  }
  if (!extra_name.empty()) {
    parts.push_back(absl::StrCat(std::string(extra_name), "=\"", std::string(extra_value), "\""));
  }
  if (parts.empty()) return "";
  return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

// /vars names are one token: characters outside [A-Za-z0-9_./-] in label values become '_'.
std::string VarName(const MetricFamily& f, const MetricSample& s, std::string_view suffix) {
  std::string name = f.name;
  for (const std::string& v : s.label_values) {
    name += '_';
    for (char c : v) {
      const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
                        c == '/' || c == '-';
      name += keep ? c : '_';
    }
  }
  name += suffix;
  return name;
}

std::map<std::string, double> VarValues(const std::vector<MetricFamily>& families) {
  std::map<std::string, double> vars;
  for (const MetricFamily& f : families) {
    for (const MetricSample& s : f.samples) {
      if (f.type == MetricType::kHistogram) {
        vars[VarName(f, s, "_count")] = static_cast<double>(s.histogram.count());
        vars[VarName(f, s, "_sum")] = s.histogram.sum;
      } else {
        vars[VarName(f, s, "")] = s.value;
      }
    }
  }
  return vars;
}

}  // namespace

MetricFamily MetricFamily::Gauge(std::string name, std::string help, double value) {
  MetricFamily f{std::move(name), std::move(help), MetricType::kGauge, {}, {}};
  f.samples.push_back(MetricSample{{}, value, {}});
  return f;
}

MetricFamily MetricFamily::Counter(std::string name, std::string help, double value) {
  MetricFamily f{std::move(name), std::move(help), MetricType::kCounter, {}, {}};
  f.samples.push_back(MetricSample{{}, value, {}});
  return f;
}

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", value);
  return buf;
}

bool IsValidMetricName(std::string_view name, bool label) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                       (!label && c == ':');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string RenderPrometheus(const std::vector<MetricFamily>& families, std::string_view prefix) {
  std::string out;
  for (const MetricFamily& f : families) {
    const std::string name = std::string(prefix) + f.name;
    const std::string sample_name = f.type == MetricType::kCounter ? name + "_total" : name;
    absl::StrAppend(&out, "# HELP ", sample_name, " ", EscapeText(f.help, false), "\n");
    absl::StrAppend(&out, "# TYPE ", sample_name, " ", TypeName(f.type), "\n");
    for (const MetricSample& s : f.samples) {
      if (f.type != MetricType::kHistogram) {
        absl::StrAppend(&out, sample_name, Labels(f.label_names, s.label_values), " ",
                        FormatMetricValue(s.value), "\n");
        continue;
      }
      const HistogramValue& h = s.histogram;
      for (size_t i = 0; i < h.cumulative.size(); ++i) {
        const std::string le = i < h.bounds.size() ? FormatMetricValue(h.bounds[i]) : "+Inf";
        absl::StrAppend(&out, name, "_bucket", Labels(f.label_names, s.label_values, "le", le),
                        " ", h.cumulative[i], "\n");
      }
      absl::StrAppend(&out, name, "_sum", Labels(f.label_names, s.label_values), " ",
                      FormatMetricValue(h.sum), "\n");
      absl::StrAppend(&out, name, "_count", Labels(f.label_names, s.label_values), " ",
                      h.count(), "\n");
    }
  }
  return out;
}

std::string RenderVars(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const auto& [name, value] : VarValues(families)) {
    absl::StrAppend(&out, name, " ", FormatMetricValue(value), "\n");
  }
  return out;
}

std::string RenderVarsJson(const std::vector<MetricFamily>& families) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [name, value] : VarValues(families)) {
    if (!std::isfinite(value)) continue;  // JSON has no NaN
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
      j[name] = static_cast<int64_t>(value);
    } else {
      j[name] = value;
    }
  }
  return j.dump() + "\n";
}

// ---------------------------------------------------------------- histograms

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  for (size_t i = 1; i < bounds_.size(); ++i) {
    BOREALIS_CHECK(bounds_[i - 1] < bounds_[i], "histogram bounds must increase");
  }
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  // Few buckets: a linear scan is as fast as a binary search and branch-predictable.
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

HistogramValue Histogram::Read() const {
  HistogramValue v;
  v.bounds = bounds_;
  v.cumulative.resize(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    v.cumulative[i] = total;
  }
  v.sum = sum_.load(std::memory_order_relaxed);
  return v;
}

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

std::vector<double> DelayBuckets() {
  return {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
}

// ---------------------------------------------------------------- families

template <typename T>
T& MetricFamilyOf<T>::With(const std::vector<std::string>& values) {
  BOREALIS_CHECK(values.size() == label_names_.size(), "label values do not match the names");
  MutexLock l(&mu_);
  auto it = children_.find(values);
  if (it == children_.end()) {
    std::unique_ptr<T> child;
    if constexpr (std::is_same_v<T, Histogram>) {
      child = std::make_unique<Histogram>(bounds_);
    } else {
      child = std::make_unique<T>();
    }
    it = children_.emplace(values, std::move(child)).first;
  }
  return *it->second;
}

template <typename T>
MetricFamily MetricFamilyOf<T>::Collect() const {
  MetricFamily f{name_, help_, type_, label_names_, {}};
  MutexLock l(&mu_);
  for (const auto& [values, child] : children_) {
    MetricSample s;
    s.label_values = values;
    if constexpr (std::is_same_v<T, Histogram>) {
      s.histogram = child->Read();
    } else {
      s.value = static_cast<double>(child->value());
    }
    f.samples.push_back(std::move(s));
  }
  return f;
}

template class MetricFamilyOf<Counter>;
template class MetricFamilyOf<Gauge>;
template class MetricFamilyOf<Histogram>;

// ---------------------------------------------------------------- the registry

MetricsRegistry::Entry& MetricsRegistry::Register(const std::string& name, const std::string& help,
                                                  MetricType type,
                                                  std::vector<std::string> label_names,
                                                  std::vector<double> bounds) {
  BOREALIS_CHECK(IsValidMetricName(name), "invalid metric name");
  for (const std::string& l : label_names) {
    BOREALIS_CHECK(IsValidMetricName(l, true) && l != "le", "invalid label name");
  }
  auto it = entries_.find(name);
  if (it != entries_.end()) {
    BOREALIS_CHECK(it->second.type == type && it->second.label_names == label_names,
                   "metric registered twice with another type or labels");
    return it->second;
  }
  Entry e{type, label_names, nullptr, nullptr, nullptr};
  switch (type) {
    case MetricType::kCounter:
      e.counters.reset(new CounterFamily(name, help, type, std::move(label_names), {}));
      break;
    case MetricType::kGauge:
      e.gauges.reset(new GaugeFamily(name, help, type, std::move(label_names), {}));
      break;
    case MetricType::kHistogram:
      e.histograms.reset(
          new HistogramFamily(name, help, type, std::move(label_names), std::move(bounds)));
      break;
  }
  return entries_.emplace(name, std::move(e)).first->second;
}

Counter& MetricsRegistry::GetCounter(const std::string& name, const std::string& help) {
  return GetCounterFamily(name, help, {}).With({});
}

Gauge& MetricsRegistry::GetGauge(const std::string& name, const std::string& help) {
  return GetGaugeFamily(name, help, {}).With({});
}

Histogram& MetricsRegistry::GetHistogram(const std::string& name, const std::string& help,
                                         std::vector<double> bounds) {
  return GetHistogramFamily(name, help, {}, std::move(bounds)).With({});
}

CounterFamily& MetricsRegistry::GetCounterFamily(const std::string& name, const std::string& help,
                                                 std::vector<std::string> label_names) {
  MutexLock l(&mu_);
  return *Register(name, help, MetricType::kCounter, std::move(label_names), {}).counters;
}

GaugeFamily& MetricsRegistry::GetGaugeFamily(const std::string& name, const std::string& help,
                                             std::vector<std::string> label_names) {
  MutexLock l(&mu_);
  return *Register(name, help, MetricType::kGauge, std::move(label_names), {}).gauges;
}

HistogramFamily& MetricsRegistry::GetHistogramFamily(const std::string& name,
                                                     const std::string& help,
                                                     std::vector<std::string> label_names,
                                                     std::vector<double> bounds) {
  MutexLock l(&mu_);
  return *Register(name, help, MetricType::kHistogram, std::move(label_names), std::move(bounds))
              .histograms;
}

std::vector<MetricFamily> MetricsRegistry::Collect() const {
  std::vector<MetricFamily> out;
  MutexLock l(&mu_);
  for (const auto& [name, e] : entries_) {
    if (e.counters) out.push_back(e.counters->Collect());
    if (e.gauges) out.push_back(e.gauges->Collect());
    if (e.histograms) out.push_back(e.histograms->Collect());
  }
  return out;
}

}  // namespace borealis::base
