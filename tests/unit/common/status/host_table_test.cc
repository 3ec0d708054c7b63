#include "common/status/host_table.h"

#include <gtest/gtest.h>

namespace ferry::status {
namespace {

constexpr TimeMs kNow = 1'700'000'000'000;

// /api/hosts as it was built before json_text wrote it directly: the reference the text
// must parse back to, field for field.
nlohmann::json reference(const HostTable& table, TimeMs now) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto& e : table.snapshot(now)) {
    TimeMs oldest = e.oldest_unacked_ms();
    nlohmann::json streams = nlohmann::json::array();
    for (const auto& s : e.status.streams) {
      streams.push_back({{"category", s.category},
                         {"unacked_events", s.unacked_events},
                         {"unacked_batches", s.unacked_batches},
                         {"backlog_bytes", s.backlog_bytes},
                         {"oldest_unacked_ms", s.oldest_unacked_ms},
                         {"watermark_ms", s.watermark_ms},
                         {"unreadable_bytes", s.unreadable_bytes}});
    }
    hosts.push_back(
        {{"host", e.host},
         {"dc", e.dc},
         {"via", e.via},
         {"connected", e.connected},
         {"last_seen_ms", e.last_seen_ms},
         {"unacked_events", e.unacked_events()},
         {"unacked_batches", e.unacked_batches()},
         {"backlog_bytes", e.backlog_bytes()},
         {"unreadable_bytes", e.unreadable_bytes()},
         {"oldest_unacked_ms", oldest},
         {"oldest_unacked_age_s", oldest == 0 ? 0.0 : std::max<TimeMs>(0, now - oldest) / 1000.0},
         {"streams", streams}});
  }
  return {{"now_ms", now}, {"hosts", hosts}};
}

wire::Status status_of(const std::string& host) {
  wire::Status st;
  st.host = host;
  st.sent_at_ms = kNow - 10;
  for (const char* category : {"playback", "song \"completion\"\t\\"}) {
    wire::StreamStatus s;
    s.category = category;
    s.unacked_events = 12;
    s.unacked_batches = 3;
    s.backlog_bytes = 4096;
    s.oldest_unacked_ms = kNow - 1'234;
    s.watermark_ms = kNow - 5'000;
    s.unreadable_bytes = 7;
    st.streams.push_back(s);
  }
  return st;
}

TEST(HostTableTest, JsonTextIsTheDocumentFieldForField) {
  HostTable table;
  table.update(status_of("h2"), "dc1", "b1", kNow - 100);
  table.set_connected("h2", "dc1", "b1", true, kNow - 100);
  table.update(status_of("h1"), "dc\"2\"", "b\\2", kNow - 30'000);  // stale, quotes to escape
  table.set_connected("h3", "dc1", "b1", false, kNow - 1);          // no STATUS yet
  const std::string text = table.json_text(kNow);
  const auto parsed = nlohmann::json::parse(text);
  EXPECT_EQ(parsed, reference(table, kNow)) << text;
  ASSERT_EQ(parsed["hosts"].size(), 3u);
  EXPECT_EQ(parsed["hosts"][0]["host"], "h1");  // sorted by name
  EXPECT_EQ(parsed["hosts"][0]["dc"], "dc\"2\"");
  EXPECT_FALSE(parsed["hosts"][0]["connected"].get<bool>());
  EXPECT_DOUBLE_EQ(parsed["hosts"][1]["oldest_unacked_age_s"].get<double>(), 1.234);
  // Keys in the order nlohmann prints them, so the reply reads as before.
  EXPECT_EQ(text, reference(table, kNow).dump());
}

TEST(HostTableTest, JsonTextOfAnEmptyTable) {
  HostTable table;
  EXPECT_EQ(table.json_text(kNow), reference(table, kNow).dump());
}

}  // namespace
}  // namespace ferry::status
