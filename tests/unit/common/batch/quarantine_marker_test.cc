#include "common/batch/quarantine_marker.h"

#include <gtest/gtest.h>

#include "common/batch/batch_check.h"

namespace ferry::batch {
namespace {

constexpr TimeMs kNow = 1'795'417'200'000;  // 2026-11-23T07:00:00Z

BatchHeader refused_header() {
  BatchHeader h;
  h.host = "h1";
  h.category = "events";
  h.seq = 9;
  h.min_time_ms = kNow - 60'000;
  h.max_time_ms = kNow - 30'000;
  return h;
}

TEST(QuarantineMarkerTest, IsAValidOneLineBatchInTheRefusedBatchsPlace) {
  auto m = quarantine_marker(refused_header(), "b1: payload\nlies", kNow);
  EXPECT_EQ(m.header.host, "h1");
  EXPECT_EQ(m.header.category, "events");
  EXPECT_EQ(m.header.seq, 9u);
  EXPECT_EQ(m.header.min_time_ms, kNow - 60'000);
  EXPECT_EQ(m.payload, "[ferry:quarantined] b1: payload lies\n");
  BatchChecker checker;
  std::string why;
  EXPECT_FALSE(checker.check(m, kNow, why)) << why;
}

TEST(QuarantineMarkerTest, TakesTheReceiversTimeWhenTheRefusedTimesAreUnusable) {
  for (auto [min, max] : {std::pair<TimeMs, TimeMs>{0, 0},
                          {INT64_MIN, INT64_MIN},
                          {kNow, kNow + 7 * kMsPerHour},
                          {kNow - 10, kNow - 20}}) {
    BatchHeader h = refused_header();
    h.min_time_ms = min;
    h.max_time_ms = max;
    auto m = quarantine_marker(h, "r", kNow);
    EXPECT_EQ(m.header.min_time_ms, kNow) << min;
    EXPECT_EQ(m.header.max_time_ms, kNow) << min;
  }
}

}  // namespace
}  // namespace ferry::batch
