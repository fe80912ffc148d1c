// Metrics: counters, gauges and histograms with fixed buckets, and their three renderings
// (Prometheus text format 0.0.4, Aurora's `/vars` "name value" lines, and `/vars.json`).
// docs/metrics.md lists every metric the daemons export.
//
// Two halves:
//   - MetricsRegistry owns live metrics. Counter::Add, Gauge::Set and Histogram::Observe
//     are a few relaxed atomic operations and take no lock, so the scheduler's core thread
//     updates them on its hot paths while HTTP threads read them. Creating a metric, or a
//     labelled child of a family (CounterFamily::With, HistogramFamily::With), takes the
//     registry's mutex: hold on to the returned reference where it matters.
//   - MetricFamily is a plain value: a collected snapshot (Collect) or a family computed at
//     scrape time from some other state (tasks by state from a published view). The
//     renderers take a list of them.
//
// A histogram read while it is being updated may show an observation in its buckets but
// not yet in its sum (or the other way round); `_count` is always the sum of the buckets,
// so it equals the +Inf bucket.
//
// Thread contract: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "borealis/base/mutex.h"

namespace borealis::base {

enum class MetricType { kCounter, kGauge, kHistogram };

// One histogram's state as read: cumulative counts per upper bound (the last is +Inf).
struct HistogramValue {
  std::vector<double> bounds;       // finite upper bounds, increasing
  std::vector<uint64_t> cumulative;  // bounds.size() + 1 entries, the last for +Inf
  double sum = 0;
  uint64_t count() const { return cumulative.empty() ? 0 : cumulative.back(); }
};

struct MetricSample {
  std::vector<std::string> label_values;  // as many as the family's label_names
  double value = 0;                       // counters and gauges
  HistogramValue histogram;               // histograms
};

struct MetricFamily {
  std::string name;  // counters without "_total": the renderers add it where due
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<std::string> label_names;
  std::vector<MetricSample> samples;

  // Convenience for families computed at scrape time.
  static MetricFamily Gauge(std::string name, std::string help, double value);
  static MetricFamily Counter(std::string name, std::string help, double value);
};

// Prometheus text exposition format 0.0.4: "# HELP", "# TYPE" then the samples of each
// family, counters as <name>_total, histograms as _bucket{le=...}, _sum and _count.
// `prefix` goes before every name ("borealis_"). Families are written in the given order.
std::string RenderPrometheus(const std::vector<MetricFamily>& families, std::string_view prefix);
// Aurora's /vars: "name value" lines sorted by name. A labelled sample is named
// <name>_<value1>_<value2>...; a histogram gives <name>_count and <name>_sum (and the
// counts per bucket are left to /metrics).
std::string RenderVars(const std::vector<MetricFamily>& families);
// The same names and values as one JSON object.
std::string RenderVarsJson(const std::vector<MetricFamily>& families);

// Formats a value as Prometheus and /vars print it: integers without a fraction.
std::string FormatMetricValue(double value);
// Whether `name` is a valid metric (or label, when `label` is true) name.
bool IsValidMetricName(std::string_view name, bool label = false);

class Counter {
 public:
  void Add(int64_t delta = 1) { value_.fetch_add(delta, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds`: finite upper bounds, strictly increasing (checked).
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  HistogramValue Read() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  // Non-cumulative counts; counts_[bounds_.size()] is the +Inf bucket.
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Bucket bounds for latencies in seconds: 100 µs .. 10 s.
std::vector<double> LatencyBuckets();
// Bounds for delays in seconds that may be long: 10 ms .. 5 min.
std::vector<double> DelayBuckets();

class MetricsRegistry;

// A metric with labels: one child per distinct list of label values.
template <typename T>
class MetricFamilyOf {
 public:
  // The child for `values` (as many as the label names), created on first use.
  T& With(const std::vector<std::string>& values);

 private:
  friend class MetricsRegistry;
  MetricFamilyOf(std::string name, std::string help, MetricType type,
                 std::vector<std::string> label_names, std::vector<double> bounds)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        label_names_(std::move(label_names)),
        bounds_(std::move(bounds)) {}
  MetricFamily Collect() const;

  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;  // histograms
  mutable Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_ ABSL_GUARDED_BY(mu_);
};

using CounterFamily = MetricFamilyOf<Counter>;
using GaugeFamily = MetricFamilyOf<Gauge>;
using HistogramFamily = MetricFamilyOf<Histogram>;

class MetricsRegistry {
 public:
  // Each returns the metric registered under `name`, registering it on the first call; the
  // reference lives as long as the registry. A name registered twice with another type or
  // other labels is a programming error (CHECK).
  Counter& GetCounter(const std::string& name, const std::string& help);
  Gauge& GetGauge(const std::string& name, const std::string& help);
  Histogram& GetHistogram(const std::string& name, const std::string& help,
                          std::vector<double> bounds);
  CounterFamily& GetCounterFamily(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names);
  GaugeFamily& GetGaugeFamily(const std::string& name, const std::string& help,
                              std::vector<std::string> label_names);
  HistogramFamily& GetHistogramFamily(const std::string& name, const std::string& help,
                                      std::vector<std::string> label_names,
                                      std::vector<double> bounds);

  // Every registered metric as read now, sorted by name.
  std::vector<MetricFamily> Collect() const;

 private:
  struct Entry {
    MetricType type;
    std::vector<std::string> label_names;
    std::unique_ptr<CounterFamily> counters;
    std::unique_ptr<GaugeFamily> gauges;
    std::unique_ptr<HistogramFamily> histograms;
  };
  Entry& Register(const std::string& name, const std::string& help, MetricType type,
                  std::vector<std::string> label_names, std::vector<double> bounds)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace borealis::base
