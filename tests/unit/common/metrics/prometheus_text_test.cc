#include "common/metrics/prometheus_text.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "common/metrics/histogram.h"

namespace ferry::metrics {
namespace {

TEST(PrometheusTextTest, FormatsValues) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(1), "1");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(-3.5), "-3.5");
  EXPECT_EQ(format_value(1e20), "1e+20");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
}

TEST(PrometheusTextTest, Escapes) {
  EXPECT_EQ(escape_label_value("plain"), "plain");
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(escape_help("a\"b\\c\nd"), "a\"b\\\\c\\nd");
}

TEST(PrometheusTextTest, ValidatesNames) {
  EXPECT_TRUE(valid_metric_name("ferry_events_total"));
  EXPECT_TRUE(valid_metric_name("ns:ferry_x"));
  EXPECT_FALSE(valid_metric_name("9lives"));
  EXPECT_FALSE(valid_metric_name("a-b"));
  EXPECT_FALSE(valid_metric_name(""));
  EXPECT_TRUE(valid_label_name("host"));
  EXPECT_FALSE(valid_label_name("__name"));
  EXPECT_FALSE(valid_label_name("a:b"));
}

TEST(HistogramTest, BucketsAreCumulativeAndIgnoreNan) {
  Histogram h({1, 2});
  h.observe(0);
  h.observe(1.5);
  h.observe(2);
  h.observe(100);
  h.observe(std::nan(""));
  auto s = h.snapshot();
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{1, 3, 4}));
  EXPECT_EQ(s.count, 4u);
  EXPECT_DOUBLE_EQ(s.sum, 103.5);
}

TEST(HistogramTest, BucketHelpers) {
  EXPECT_EQ(exponential_buckets(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
  EXPECT_EQ(default_buckets().size(), 11u);
}

TEST(PrometheusTextTest, ReadsOneSampleOfAScrape) {
  const std::string text =
      "ferry_x_total 7\n"
      "# HELP ferry_y help\n"
      "ferry_y{category=\"a\"} 1.5\n"
      "ferry_y{category=\"ab\"} 2\n"
      "ferry_y_total 9\n"
      "ferry_w garbage";
  EXPECT_EQ(sample_value(text, "ferry_x_total"), 7.0);  // the first line counts too
  EXPECT_EQ(sample_value(text, "ferry_y{category=\"a\"}"), 1.5);
  EXPECT_EQ(sample_value(text, "ferry_y{category=\"ab\"}"), 2.0);
  EXPECT_EQ(sample_value(text, "ferry_y"), std::nullopt);  // a prefix of other series only
  EXPECT_EQ(sample_value(text, "ferry_missing"), std::nullopt);
  EXPECT_EQ(sample_value(text, "ferry_w"), std::nullopt);  // not a number
}

}  // namespace
}  // namespace ferry::metrics
