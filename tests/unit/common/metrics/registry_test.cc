#include "common/metrics/registry.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace ferry::metrics {
namespace {

TEST(RegistryTest, RendersCounterWithHelpAndType) {
  Registry r;
  r.counter("ferry_batches_stored_total", "Batches persisted.").inc(3);
  EXPECT_EQ(r.render(),
            "# HELP ferry_batches_stored_total Batches persisted.\n"
            "# TYPE ferry_batches_stored_total counter\n"
            "ferry_batches_stored_total 3\n");
}

TEST(RegistryTest, RendersLabelledSeriesSortedByLabelValues) {
  Registry r;
  auto& unacked =
      r.gauge_family("ferry_host_unacked_events", "Unacked events per host.", {"host", "dc"});
  unacked.set({"h2", "dc1"}, 7);
  unacked.set({"h1", "dc1"}, 1.5);
  unacked.with({"h3", "dc2"}).add(-2);
  EXPECT_EQ(r.render(),
            "# HELP ferry_host_unacked_events Unacked events per host.\n"
            "# TYPE ferry_host_unacked_events gauge\n"
            "ferry_host_unacked_events{host=\"h1\",dc=\"dc1\"} 1.5\n"
            "ferry_host_unacked_events{host=\"h2\",dc=\"dc1\"} 7\n"
            "ferry_host_unacked_events{host=\"h3\",dc=\"dc2\"} -2\n");
}

TEST(RegistryTest, RemovedGaugeSeriesDisappear) {
  Registry r;
  auto& g = r.gauge_family("ferry_host_lag_seconds", "Lag.", {"host"});
  g.set({"h1"}, 1);
  g.set({"h2"}, 2);
  EXPECT_TRUE(g.remove({"h1"}));
  EXPECT_FALSE(g.remove({"h1"}));
  EXPECT_EQ(g.size(), 1u);
  EXPECT_EQ(r.render(),
            "# HELP ferry_host_lag_seconds Lag.\n"
            "# TYPE ferry_host_lag_seconds gauge\n"
            "ferry_host_lag_seconds{host=\"h2\"} 2\n");
  g.clear();
  EXPECT_EQ(r.render(),
            "# HELP ferry_host_lag_seconds Lag.\n"
            "# TYPE ferry_host_lag_seconds gauge\n");
}

TEST(RegistryTest, EscapesLabelValuesAndHelp) {
  Registry r;
  r.counter_family("ferry_x_total", "Line one\nback\\slash \"quoted\"", {"path"})
      .with({"a\\b \"c\"\nd"})
      .inc();
  EXPECT_EQ(r.render(),
            "# HELP ferry_x_total Line one\\nback\\\\slash \"quoted\"\n"
            "# TYPE ferry_x_total counter\n"
            "ferry_x_total{path=\"a\\\\b \\\"c\\\"\\nd\"} 1\n");
}

TEST(RegistryTest, RendersHistogramBucketsSumAndCount) {
  Registry r;
  auto& h = r.histogram_family("ferry_store_seconds", "Store latency.", {"dc"}, {0.01, 0.1, 1});
  auto& dc1 = h.with({"dc1"});
  dc1.observe(0.005);
  dc1.observe(0.01);  // le is inclusive
  dc1.observe(0.5);
  dc1.observe(3);
  EXPECT_EQ(r.render(),
            "# HELP ferry_store_seconds Store latency.\n"
            "# TYPE ferry_store_seconds histogram\n"
            "ferry_store_seconds_bucket{dc=\"dc1\",le=\"0.01\"} 2\n"
            "ferry_store_seconds_bucket{dc=\"dc1\",le=\"0.1\"} 2\n"
            "ferry_store_seconds_bucket{dc=\"dc1\",le=\"1\"} 3\n"
            "ferry_store_seconds_bucket{dc=\"dc1\",le=\"+Inf\"} 4\n"
            "ferry_store_seconds_sum{dc=\"dc1\"} 3.515\n"
            "ferry_store_seconds_count{dc=\"dc1\"} 4\n");
}

TEST(RegistryTest, RendersUnlabelledHistogram) {
  Registry r;
  auto& h = r.histogram("ferry_batch_bytes", "Batch size.", {1024, 65536});
  h.observe(100);
  h.observe(1e6);
  EXPECT_EQ(r.render(),
            "# HELP ferry_batch_bytes Batch size.\n"
            "# TYPE ferry_batch_bytes histogram\n"
            "ferry_batch_bytes_bucket{le=\"1024\"} 1\n"
            "ferry_batch_bytes_bucket{le=\"65536\"} 1\n"
            "ferry_batch_bytes_bucket{le=\"+Inf\"} 2\n"
            "ferry_batch_bytes_sum 1000100\n"
            "ferry_batch_bytes_count 2\n");
}

TEST(RegistryTest, FamiliesRenderSortedByNameAndAreReturnedAgain) {
  Registry r;
  r.gauge("ferry_b", "B.").set(1);
  r.counter("ferry_a_total", "A.").inc();
  r.counter("ferry_a_total", "A.").inc();
  EXPECT_EQ(&r.counter_family("ferry_a_total", "A.", {}),
            &r.counter_family("ferry_a_total", "A.", {}));
  EXPECT_EQ(r.render(),
            "# HELP ferry_a_total A.\n"
            "# TYPE ferry_a_total counter\n"
            "ferry_a_total 2\n"
            "# HELP ferry_b B.\n"
            "# TYPE ferry_b gauge\n"
            "ferry_b 1\n");
}

TEST(RegistryTest, CollectorsRunBeforeRender) {
  Registry r;
  auto& g = r.gauge("ferry_hosts", "Known hosts.");
  int calls = 0;
  r.on_collect([&] { g.set(++calls * 10); });
  EXPECT_NE(r.render().find("ferry_hosts 10\n"), std::string::npos);
  EXPECT_NE(r.render().find("ferry_hosts 20\n"), std::string::npos);
}

TEST(RegistryTest, ConcurrentUpdatesAreCounted) {
  Registry r;
  auto& c = r.counter_family("ferry_events_total", "Events.", {"host"});
  auto& h = r.histogram("ferry_lat", "Lat.", {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        c.with({t % 2 == 0 ? "h1" : "h2"}).inc();
        h.observe(0.5);
        if (i % 1000 == 0) (void)r.render();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(c.with({"h1"}).value(), 20000u);
  EXPECT_EQ(c.with({"h2"}).value(), 20000u);
  auto s = h.snapshot();
  EXPECT_EQ(s.count, 40000u);
  EXPECT_DOUBLE_EQ(s.sum, 20000.0);
}

using RegistryDeathTest = ::testing::Test;

TEST(RegistryDeathTest, SameNameWithOtherTypeAborts) {
  Registry r;
  r.counter("ferry_x", "X.");
  EXPECT_DEATH(r.gauge("ferry_x", "X."), "assertion failed");
  EXPECT_DEATH(r.counter("bad-name", "X."), "assertion failed");
}

}  // namespace
}  // namespace ferry::metrics
