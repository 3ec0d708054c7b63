#include "common/status/dc_totals.h"

#include <gtest/gtest.h>

namespace ferry::status {
namespace {

constexpr TimeMs kNow = 1'700'000'000'000;

HostEntry host(std::string name, std::string dc, bool connected, uint64_t unacked, TimeMs oldest) {
  HostEntry h;
  h.host = std::move(name);
  h.dc = std::move(dc);
  h.connected = connected;
  h.status.host = h.host;
  wire::StreamStatus s;
  s.category = "c";
  s.unacked_events = unacked;
  s.oldest_unacked_ms = oldest;
  h.status.streams.push_back(s);
  return h;
}

wire::Status self_status(const std::string& broker, uint64_t batches, uint64_t bytes,
                         uint64_t events) {
  wire::Status st;
  st.host = broker;
  for (const char* cat : {"a", "b"}) {
    wire::StreamStatus s;
    s.category = cat;
    s.unacked_batches = batches;
    s.backlog_bytes = bytes;
    s.unacked_events = events;
    st.streams.push_back(s);
  }
  return st;
}

TEST(DcTotalsTest, SummaryHasEveryFieldPerDc) {
  DcTotals t;
  // 10 s of 100 events/s in, 80 out in 2 batches/s.
  for (int s = 0; s < 10; ++s) {
    t.count_in("dc1", 100, kNow - 10'000 + s * 1000);
    t.count_out("dc1", 2, 80, kNow - 10'000 + s * 1000);
  }
  t.set_broker_backlog("dc1", "broker-1", self_status("broker-1", 3, 1000, 30), kNow);
  t.set_broker_backlog("dc1", "broker-2", self_status("broker-2", 1, 10, 5), kNow);
  std::vector<HostEntry> hosts = {host("h1", "dc1", true, 7, kNow - 1000),
                                  host("h2", "dc1", true, 5, kNow - 11 * 60'000),  // lagging
                                  host("h3", "dc1", false, 1, kNow - 1000),        // disconnected
                                  host("h4", "dc2", true, 0, 0)};
  auto j = t.to_json(hosts, kNow);
  ASSERT_TRUE(j.contains("dc1"));
  ASSERT_TRUE(j.contains("dc2"));
  const auto& d = j["dc1"];
  EXPECT_DOUBLE_EQ(d["events_in_per_s"].get<double>(), 100.0);
  EXPECT_DOUBLE_EQ(d["events_out_per_s"].get<double>(), 80.0);
  EXPECT_DOUBLE_EQ(d["commit_events_per_s"].get<double>(), 80.0);
  EXPECT_DOUBLE_EQ(d["commit_batches_per_s"].get<double>(), 2.0);
  EXPECT_EQ(d["unacked_events"], 13u);
  EXPECT_EQ(d["broker_backlog_batches"], 8u);  // two categories each: (3 + 1) * 2
  EXPECT_EQ(d["broker_backlog_bytes"], 2020u);
  EXPECT_EQ(d["broker_backlog_events"], 70u);
  EXPECT_EQ(d["brokers_reporting"], 2u);
  EXPECT_EQ(d["brokers_stale"], 0u);
  EXPECT_EQ(d["hosts"], 3u);
  EXPECT_EQ(d["hosts_lagging"], 1u);
  EXPECT_EQ(d["hosts_disconnected"], 1u);
  EXPECT_EQ(j["dc2"]["hosts"], 1u);
  EXPECT_EQ(j["dc2"]["events_in_per_s"].get<double>(), 0.0);
  EXPECT_EQ(j["dc2"]["broker_backlog_batches"], 0u);
}

TEST(DcTotalsTest, LatestReportPerBrokerCountsAndOldOnesTurnStale) {
  DcTotals t;
  t.set_broker_backlog("dc1", "broker-1", self_status("broker-1", 5, 500, 50), kNow - 60'000);
  t.set_broker_backlog("dc1", "broker-1", self_status("broker-1", 1, 100, 10), kNow - 30'000);
  auto d = t.to_json({}, kNow)["dc1"];
  EXPECT_EQ(d["broker_backlog_batches"], 2u);  // the latest report, not a sum over time
  EXPECT_EQ(d["brokers_stale"], 1u);
  EXPECT_EQ(d["brokers_reporting"], 0u);
  EXPECT_EQ(d["hosts"], 0u);
}

TEST(DcTotalsTest, ABrokerThatMovesDcLeavesItsOldDc) {
  DcTotals t;
  t.set_broker_backlog("dc1", "broker-1", self_status("broker-1", 5, 500, 50), kNow);
  t.set_broker_backlog("dc2", "broker-1", self_status("broker-1", 1, 100, 10), kNow);
  auto j = t.to_json({}, kNow);
  EXPECT_EQ(j["dc1"]["broker_backlog_batches"], 0u);
  EXPECT_EQ(j["dc2"]["broker_backlog_batches"], 2u);
}

TEST(DcTotalsTest, CountersAndGaugesGoToTheRegistry) {
  metrics::Registry r;
  DcTotals t({}, &r);
  t.count_in("dc1", 120, kNow);
  t.count_out("dc1", 3, 90, kNow);
  t.count_out("dc2", 1, 5, kNow);
  t.set_broker_backlog("dc1", "broker-1", self_status("broker-1", 2, 300, 20), kNow);
  t.export_gauges({host("h1", "dc1", false, 4, kNow)}, r, kNow);
  std::string text = r.render();
  EXPECT_NE(text.find("ferry_dc_events_in_total{dc=\"dc1\"} 120\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ferry_dc_events_out_total{dc=\"dc1\"} 90\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ferry_dc_events_out_total{dc=\"dc2\"} 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ferry_dc_committed_batches_total{dc=\"dc1\"} 3\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("ferry_dc_broker_backlog_batches{dc=\"dc1\"} 4\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("ferry_dc_broker_backlog_bytes{dc=\"dc1\"} 600\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("ferry_dc_unacked_events{dc=\"dc1\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ferry_dc_hosts_disconnected{dc=\"dc1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ferry_dc_hosts{dc=\"dc2\"} 0\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace ferry::status
