#include "agent/status_report.h"

#include <gtest/gtest.h>

#include "common/metrics/prometheus_text.h"
#include "tests/unit/agent/stream_fixture.h"

namespace ferry::agent {
namespace {

using ferry::testing::write_file;
using testing::StreamFixture;

TEST(StatusReportTest, IdleCaughtUpStreamsWatermarkFollowsTheClock) {
  StreamFixture f;
  auto& s = f.start();
  EXPECT_EQ(stream_watermark(s, 0, f.clock.now), f.clock.now - 1000);
}

TEST(StatusReportTest, OpenBatchHoldsTheWatermarkAtItsOldestEvent) {
  StreamFixture f;
  write_file(f.dir.file("app.log"), "2027-01-15T07:00:00Z a\n2027-01-15T07:00:05Z b\n");
  auto& s = f.start();
  StreamBatcher::Outbox out;
  f.read_all(out);
  ASSERT_TRUE(s.building());
  EXPECT_EQ(stream_watermark(s, 0, f.clock.now), 1'799'996'400'000);
  // Cut and sent, with bytes still unread: the newest event sent.
  f.clock.now += 1'000;
  ASSERT_TRUE(s.cut_if_lingered(std::chrono::milliseconds(1), out));
  EXPECT_EQ(stream_watermark(s, 100, f.clock.now), 1'799'996'405'000);
}

TEST(StatusReportTest, StatusCountsUnackedBatchesPerCategory) {
  StreamFixture f;
  write_file(f.dir.file("app.log"), "x\n");
  f.start();
  StreamBatcher::Outbox out;
  f.read_all(out);
  f.clock.now += 1'000;
  ASSERT_TRUE(f.stream->cut_if_lingered(std::chrono::milliseconds(1), out));
  send::InflightWindow window(10, 1 << 20);
  for (auto& b : out) window.add(std::move(b));
  std::map<std::string, StreamBatcher> streams;
  streams.emplace("app", std::move(*f.stream));
  auto status = agent_status("host", streams, window, f.clock.now);
  EXPECT_EQ(status.host, "host");
  EXPECT_EQ(status.sent_at_ms, f.clock.now);
  ASSERT_EQ(status.streams.size(), 1u);
  EXPECT_EQ(status.streams[0].category, "app");
  EXPECT_EQ(status.streams[0].unacked_batches, 1u);
  EXPECT_EQ(status.streams[0].unacked_events, 1u);
  EXPECT_EQ(status.streams[0].backlog_bytes, 0u);

  metrics::Registry registry;
  export_status_metrics(status, f.clock.now, *f.checkpoint, /*broker_connected=*/true, registry);
  const std::string text = registry.render();
  EXPECT_EQ(metrics::sample_value(text, "ferry_agent_unacked_batches{category=\"app\"}"), 1.0)
      << text;
  EXPECT_EQ(metrics::sample_value(text, "ferry_agent_next_seq{category=\"app\"}"), 2.0) << text;
  EXPECT_EQ(metrics::sample_value(text, "ferry_agent_broker_connected"), 1.0) << text;
}

}  // namespace
}  // namespace ferry::agent
