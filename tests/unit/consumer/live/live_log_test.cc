// The live log: dense offsets per category, one offset per line, a batch id never twice
// (across reopen too), reads from any offset, retention by time and size, group offsets.

#include "consumer/live/live_log.h"

#include <gtest/gtest.h>

#include "consumer/kafka/record_batch.h"
#include "tests/support/temp_dir.h"

namespace ferry::consumer::live {
namespace {

batch::BatchId id(const std::string& host, const std::string& category, uint64_t seq) {
  batch::BatchId b;
  b.host = host;
  b.category = category;
  b.seq = seq;
  b.incarnation = 7;
  return b;
}

class LiveLogTest : public ::testing::Test {
 protected:
  std::unique_ptr<LiveLog> open() {
    LiveLogOptions o = options;
    o.path = dir.file("live");
    std::string why;
    auto log = LiveLog::open(o, why);
    EXPECT_TRUE(log) << why;
    return log ? std::move(log).value() : nullptr;
  }

  // The values of every record from `offset` on, read in pieces of at most `max_bytes`.
  static std::vector<std::string> read_all(const LiveLog& log, const std::string& topic,
                                           int64_t offset, size_t max_bytes = 1 << 20) {
    std::vector<std::string> out;
    for (;;) {
      auto r = log.read(topic, offset, max_bytes);
      EXPECT_FALSE(r.out_of_range);
      if (r.record_batches.empty()) return out;
      auto records = kafka::decode_record_batches(r.record_batches);
      EXPECT_TRUE(records) << records.error().message();
      if (!records) return out;
      for (const auto& rec : records.value()) {
        if (rec.offset < offset) continue;  // the batch started before the offset
        EXPECT_EQ(rec.offset, offset);
        out.push_back(rec.value.value_or("<null>"));
        ++offset;
      }
    }
  }

  testing::TempDir dir;
  LiveLogOptions options;
};

TEST_F(LiveLogTest, LinesGetDenseOffsetsPerCategoryAndTheHostAsKey) {
  auto log = open();
  std::vector<std::string_view> a{"a1", "a2", "a3"}, b{"b1"}, c{"c1", "c2"};
  ASSERT_EQ(log->append(id("h1", "song", 1), a, 1000).value(), AppendOutcome::kAppended);
  ASSERT_EQ(log->append(id("h2", "song", 1), b, 1001).value(), AppendOutcome::kAppended);
  ASSERT_EQ(log->append(id("h1", "ads", 1), c, 1002).value(), AppendOutcome::kAppended);

  EXPECT_EQ(log->topics(), (std::vector<std::string>{"ads", "song"}));
  EXPECT_EQ(log->offsets("song")->high_watermark, 4);
  EXPECT_EQ(log->offsets("ads")->high_watermark, 2);
  EXPECT_FALSE(log->offsets("nope"));
  EXPECT_EQ(read_all(*log, "song", 0), (std::vector<std::string>{"a1", "a2", "a3", "b1"}));
  EXPECT_EQ(read_all(*log, "song", 2), (std::vector<std::string>{"a3", "b1"}));
  EXPECT_EQ(read_all(*log, "song", 3), (std::vector<std::string>{"b1"}));
  EXPECT_TRUE(read_all(*log, "song", 4).empty());
  auto records = kafka::decode_record_batches(log->read("song", 3, 1 << 20).record_batches);
  ASSERT_TRUE(records);
  EXPECT_EQ(records.value().at(0).key, "h2");
  EXPECT_EQ(records.value().at(0).timestamp_ms, 1001);
}

TEST_F(LiveLogTest, ABatchAppendedAgainGetsNoSecondOffsetEvenAfterReopen) {
  std::vector<std::string_view> lines{"x", "y"};
  {
    auto log = open();
    ASSERT_EQ(log->append(id("h1", "song", 1), lines, 1).value(), AppendOutcome::kAppended);
    ASSERT_EQ(log->append(id("h1", "song", 1), lines, 2).value(), AppendOutcome::kAlreadyPresent);
  }
  auto log = open();  // a consumer restarted: brokers resend what it had not committed
  EXPECT_EQ(log->append(id("h1", "song", 1), lines, 3).value(), AppendOutcome::kAlreadyPresent);
  ASSERT_EQ(log->append(id("h1", "song", 2), lines, 4).value(), AppendOutcome::kAppended);
  EXPECT_EQ(log->offsets("song")->high_watermark, 4);
  EXPECT_EQ(read_all(*log, "song", 0), (std::vector<std::string>{"x", "y", "x", "y"}));
}

TEST_F(LiveLogTest, OffsetsOutsideTheLogAreOutOfRange) {
  auto log = open();
  std::vector<std::string_view> lines{"x"};
  ASSERT_TRUE(log->append(id("h1", "song", 1), lines, 1));
  EXPECT_TRUE(log->read("song", 2, 100).out_of_range);
  EXPECT_TRUE(log->read("song", -1, 100).out_of_range);
  EXPECT_TRUE(log->read("other", 0, 100).out_of_range);
  auto at_end = log->read("song", 1, 100);
  EXPECT_FALSE(at_end.out_of_range);
  EXPECT_TRUE(at_end.record_batches.empty());
}

TEST_F(LiveLogTest, AReadReturnsAtLeastOneWholeBatchAndStopsNearMaxBytes) {
  auto log = open();
  std::string big(1000, 'z');
  for (uint64_t seq = 1; seq <= 10; ++seq) {
    std::vector<std::string_view> lines{big};
    ASSERT_TRUE(log->append(id("h1", "song", seq), lines, 1));
  }
  auto one = log->read("song", 0, 10);
  EXPECT_EQ(kafka::decode_record_batches(one.record_batches).value().size(), 1u);
  auto some = log->read("song", 0, 3000);
  EXPECT_LE(some.record_batches.size(), 3000u);
  EXPECT_GE(kafka::decode_record_batches(some.record_batches).value().size(), 1u);
  EXPECT_EQ(read_all(*log, "song", 0, 2500).size(), 10u);
}

TEST_F(LiveLogTest, RetentionDropsTheOldestBatchesByAgeAndBySizeAndTheirIds) {
  options.retention_ms = 60'000;
  options.retention_bytes = 1u << 20;
  options.compression = kafka::Compression::kNone;  // sizes as written
  auto log = open();
  std::vector<std::string_view> lines{"a", "b"};
  ASSERT_TRUE(log->append(id("h1", "song", 1), lines, 1'000));
  ASSERT_TRUE(log->append(id("h1", "song", 2), lines, 50'000));
  EXPECT_EQ(log->trim(60'500).value(), 0u);
  EXPECT_EQ(log->trim(61'001).value(), 1u);
  EXPECT_EQ(log->offsets("song")->log_start, 2);
  EXPECT_EQ(log->offsets("song")->high_watermark, 4);
  EXPECT_TRUE(log->read("song", 1, 100).out_of_range);
  EXPECT_EQ(read_all(*log, "song", 2), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(log->offset_for_time("song", 0), 2);
  EXPECT_EQ(log->offset_for_time("song", 50'000), 2);
  EXPECT_EQ(log->offset_for_time("song", 50'001), 4);

  // By size: the oldest go until the topic fits.
  std::string big(400 << 10, 'q');
  for (uint64_t seq = 3; seq <= 6; ++seq) {
    std::vector<std::string_view> one{big};
    ASSERT_TRUE(log->append(id("h1", "song", seq), one, 60'000));
  }
  ASSERT_TRUE(log->trim(60'000));
  EXPECT_LE(log->stats().at("song").bytes, options.retention_bytes);
  EXPECT_GT(log->offsets("song")->log_start, 4);

  // A trimmed batch's id went with it; the offsets it had are not reused.
  auto reopened_hwm = log->offsets("song")->high_watermark;
  log.reset();
  log = open();
  EXPECT_EQ(log->offsets("song")->high_watermark, reopened_hwm);
  EXPECT_EQ(log->append(id("h1", "song", 1), lines, 70'000).value(), AppendOutcome::kAppended);
}

TEST_F(LiveLogTest, GroupOffsetsAreKeptPerGroupTopicAndPartitionAcrossReopen) {
  {
    auto log = open();
    EXPECT_FALSE(log->commit("g1", "song", 0, {42, "meta"}));
    EXPECT_FALSE(log->commit("g2", "song", 0, {7, ""}));
    EXPECT_FALSE(log->commit("g1", "song", 0, {43, "m2"}));
    EXPECT_TRUE(log->commit("", "song", 0, {1, ""}));
    EXPECT_TRUE(log->commit(std::string(2000, 'g'), "song", 0, {1, ""}));
  }
  auto log = open();
  EXPECT_EQ(log->fetch("g1", "song", 0)->offset, 43);
  EXPECT_EQ(log->fetch("g1", "song", 0)->metadata, "m2");
  EXPECT_EQ(log->fetch("g2", "song", 0)->offset, 7);
  EXPECT_FALSE(log->fetch("g3", "song", 0));
  EXPECT_FALSE(log->fetch("g1", "ads", 0));
  EXPECT_EQ(log->group_commits().size(), 2u);
}

}  // namespace
}  // namespace ferry::consumer::live
