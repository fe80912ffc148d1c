#include "borealis/base/metrics.h"

#include <atomic>
#include <cmath>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "borealis/testing/prometheus_text.h"
#include "borealis/testing/status_matchers.h"

namespace borealis::base {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::ParsePrometheusText;
using ::testing::HasSubstr;

TEST(HistogramTest, BucketsAreCumulativeAndCountIsTheInfBucket) {
  Histogram h({1, 2, 5});
  for (double v : {0.5, 1.0, 1.5, 3.0, 7.0, 100.0}) h.Observe(v);
  HistogramValue v = h.Read();
  EXPECT_EQ(v.cumulative, (std::vector<uint64_t>{2, 3, 4, 6}));  // le=1 holds 0.5 and 1.0
  EXPECT_DOUBLE_EQ(v.sum, 113.0);
  EXPECT_EQ(v.count(), 6u);
}

TEST(MetricsRegistryTest, RendersPrometheusThatAStrictParserAccepts) {
  MetricsRegistry r;
  r.GetCounter("status_updates", "Status updates received.").Add(3);
  r.GetGauge("pending_tasks", "Tasks waiting.").Set(7);
  HistogramFamily& api = r.GetHistogramFamily("api_latency_seconds", "API latency.", {"method"},
                                              {0.01, 0.1});
  api.With({"createJob"}).Observe(0.005);
  api.With({"createJob"}).Observe(0.05);
  api.With({"getTasks\"Status"}).Observe(3);
  const std::string text = RenderPrometheus(r.Collect(), "borealis_");
  auto parsed = ParsePrometheusText(text);
  ASSERT_THAT(parsed, IsOk()) << text;
  EXPECT_EQ(parsed->types.at("borealis_status_updates_total"), "counter");
  EXPECT_EQ(parsed->Get("borealis_status_updates_total"), 3);
  EXPECT_EQ(parsed->Get("borealis_pending_tasks"), 7);
  EXPECT_EQ(parsed->Get("borealis_api_latency_seconds_bucket{le=\"0.01\",method=\"createJob\"}"), 1);
  EXPECT_EQ(parsed->Get("borealis_api_latency_seconds_bucket{le=\"+Inf\",method=\"createJob\"}"), 2);
  EXPECT_EQ(parsed->Get("borealis_api_latency_seconds_count{method=\"createJob\"}"), 2);
  EXPECT_THAT(text, HasSubstr("method=\"getTasks\\\"Status\""));
  EXPECT_THAT(text, HasSubstr("# HELP borealis_api_latency_seconds API latency.\n"
                              "# TYPE borealis_api_latency_seconds histogram\n"));
}

TEST(MetricsRegistryTest, VarsAreAuroraNameValueLinesAndJson) {
  MetricsRegistry r;
  r.GetCounter("timed_out_tasks", "").Add(2);
  r.GetGaugeFamily("task_store", "", {"state"}).With({"RUNNING"}).Set(4);
  r.GetHistogram("placement_seconds", "", {1}).Observe(0.25);
  EXPECT_EQ(RenderVars(r.Collect()),
            "placement_seconds_count 1\nplacement_seconds_sum 0.25\ntask_store_RUNNING 4\n"
            "timed_out_tasks 2\n");
  EXPECT_EQ(RenderVarsJson(r.Collect()),
            "{\"placement_seconds_count\":1,\"placement_seconds_sum\":0.25,"
            "\"task_store_RUNNING\":4,\"timed_out_tasks\":2}\n");
}

TEST(MetricsRegistryTest, SameNameGivesTheSameMetric) {
  MetricsRegistry r;
  r.GetCounter("a", "").Add();
  r.GetCounter("a", "").Add();
  EXPECT_EQ(r.GetCounter("a", "").value(), 2);
}

TEST(MetricsRegistryTest, ReadersSeeConsistentHistogramsWhileAWriterObserves) {
  MetricsRegistry r;
  Histogram& h = r.GetHistogram("h", "", LatencyBuckets());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) h.Observe((i % 100) * 0.001);
  });
  for (int i = 0; i < 200; ++i) {
    auto parsed = ParsePrometheusText(RenderPrometheus(r.Collect(), ""));
    ASSERT_THAT(parsed, IsOk());
  }
  stop = true;
  writer.join();
}

TEST(FormatMetricValueTest, IntegersHaveNoFraction) {
  EXPECT_EQ(FormatMetricValue(3), "3");
  EXPECT_EQ(FormatMetricValue(0.25), "0.25");
  EXPECT_EQ(FormatMetricValue(INFINITY), "+Inf");
}

TEST(PrometheusParserTest, RefusesWhatAScraperWouldNot) {
  EXPECT_FALSE(ParsePrometheusText("x 1\n").ok());  // no TYPE
  EXPECT_FALSE(ParsePrometheusText("# TYPE x counter\nx 1\n").ok());  // no _total
  EXPECT_FALSE(ParsePrometheusText("# TYPE x gauge\nx{a=b} 1\n").ok());
  EXPECT_FALSE(ParsePrometheusText("# TYPE x gauge\nx one\n").ok());
  EXPECT_FALSE(ParsePrometheusText(
                   "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\n"
                   "h_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n")
                   .ok());  // decreasing
  EXPECT_FALSE(ParsePrometheusText("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_sum 1\nh_count 2\n")
                   .ok());  // no +Inf
  EXPECT_FALSE(ParsePrometheusText(
                   "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n")
                   .ok());  // count differs
  EXPECT_TRUE(ParsePrometheusText(
                  "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n")
                  .ok());
}

}  // namespace
}  // namespace borealis::base
