// InflightWindow: the agent's unacked batches, bounded by count and bytes; acks of another
// incarnation never touch them.

#include "agent/send/inflight_window.h"

#include <gtest/gtest.h>

namespace ferry::agent::send {
namespace {

InflightBatch batch(const std::string& category, uint64_t seq, size_t frame_bytes = 100,
                    TimeMs min_time_ms = 1000) {
  InflightBatch b;
  b.category = category;
  b.seq = seq;
  b.events = 10;
  b.min_time_ms = min_time_ms;
  b.max_time_ms = min_time_ms + 500;
  b.frame = std::string(frame_bytes, 'x');
  return b;
}

wire::AckRange range(const std::string& category, uint64_t first, uint64_t last,
                     uint64_t incarnation = 5) {
  return {"h1", category, first, last, incarnation};
}

TEST(InflightWindowTest, RoomEndsAtEitherBound) {
  InflightWindow by_count(2, 1 << 20);
  by_count.add(batch("a", 1));
  EXPECT_TRUE(by_count.has_room());
  by_count.add(batch("a", 2));
  EXPECT_FALSE(by_count.has_room());

  InflightWindow by_bytes(100, 250);
  by_bytes.add(batch("a", 1, 200));
  EXPECT_TRUE(by_bytes.has_room());
  by_bytes.add(batch("a", 2, 100));
  EXPECT_FALSE(by_bytes.has_room());
  EXPECT_EQ(by_bytes.bytes(), 300u);
}

TEST(InflightWindowTest, DeliveredTakesExactlyTheRangeOfItsCategoryAndFreesItsBytes) {
  InflightWindow w(100, 1 << 20);
  w.set_incarnation(5);
  for (uint64_t s = 1; s <= 5; ++s) w.add(batch("a", s));
  w.add(batch("b", 2));
  auto taken = w.take_delivered({range("a", 2, 3)});
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].seq, 2u);
  EXPECT_EQ(taken[1].seq, 3u);
  EXPECT_EQ(w.size(), 4u);
  EXPECT_EQ(w.bytes(), 400u);
  EXPECT_EQ(w.lowest_seq("a"), 1u);
  EXPECT_EQ(w.lowest_seq("b"), 2u);
  EXPECT_EQ(w.lowest_seq("c"), 0u);
}

TEST(InflightWindowTest, AcksOfAnotherIncarnationAreIgnored) {
  InflightWindow w(100, 1 << 20);
  w.set_incarnation(5);
  w.add(batch("a", 1));
  w.mark_stored({range("a", 1, 1, 4)});
  EXPECT_TRUE(w.take_delivered({range("a", 1, 1, 4)}).empty())
      << "a former agent state's DELIVERED removed one of ours";
  bool stored = true;
  w.for_each([&](const InflightBatch& b) { stored = b.stored; });
  EXPECT_FALSE(stored);
  w.mark_stored({range("a", 1, 1)});
  w.for_each([&](const InflightBatch& b) { stored = b.stored; });
  EXPECT_TRUE(stored);
}

TEST(InflightWindowTest, ResendsInCategoryAndSeqOrderAndCountsPerCategory) {
  InflightWindow w(100, 1 << 20);
  w.add(batch("b", 1, 100, 3000));
  w.add(batch("a", 7, 100, 2000));
  w.add(batch("a", 3, 100, 5000));
  std::vector<std::pair<std::string, uint64_t>> order;
  w.for_each([&](const InflightBatch& b) { order.emplace_back(b.category, b.seq); });
  EXPECT_EQ(order, (std::vector<std::pair<std::string, uint64_t>>{{"a", 3}, {"a", 7}, {"b", 1}}));
  auto counts = w.counts();
  EXPECT_EQ(counts["a"].unacked_batches, 2u);
  EXPECT_EQ(counts["a"].unacked_events, 20u);
  EXPECT_EQ(counts["a"].oldest_unacked_ms, 2000);
  EXPECT_EQ(counts["b"].oldest_unacked_ms, 3000);
}

TEST(InflightWindowTest, ABatchAddedAgainReplacesItsOldCopy) {
  InflightWindow w(100, 1 << 20);
  w.add(batch("a", 1, 100));
  w.add(batch("a", 1, 100));
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(w.bytes(), 100u) << "a re-added batch was counted twice";
}

}  // namespace
}  // namespace ferry::agent::send
