// One stream's committed progress (consumer/store/stream_progress.h): seqs out of order,
// watermarks that wait for their seq, and a newer incarnation superseding an older one.

#include "consumer/store/stream_progress.h"

#include <gtest/gtest.h>

namespace ferry::consumer::store {
namespace {

TEST(StreamProgressTest, SeqsCommittedOutOfOrderCloseTheirGap) {
  StreamState s;
  record_committed(s, 1, 1);
  record_committed(s, 1, 3);
  EXPECT_EQ(s.contiguous_seq, 1u);
  EXPECT_EQ(s.above, (std::set<uint64_t>{3}));
  record_committed(s, 1, 2);
  EXPECT_EQ(s.contiguous_seq, 3u);
  EXPECT_TRUE(s.above.empty());
  record_committed(s, 1, 2);  // a duplicate changes nothing
  EXPECT_EQ(s.contiguous_seq, 3u);
}

TEST(StreamProgressTest, AWatermarkCountsOnlyOnceItsSeqIsCommitted) {
  StreamState s;
  record_committed(s, 1, 1);
  ASSERT_TRUE(record_watermark(s, 1, 2, 5000, 64));
  EXPECT_EQ(s.watermark_ms, 0) << "seq 2 is not committed yet";
  ASSERT_TRUE(record_watermark(s, 1, 1, 1000, 64));
  EXPECT_EQ(s.watermark_ms, 1000);
  record_committed(s, 1, 2);
  EXPECT_EQ(s.watermark_ms, 5000) << "the waiting watermark takes effect with its seq";
  EXPECT_TRUE(s.pending_watermarks.empty());
}

TEST(StreamProgressTest, PendingWatermarksAreBounded) {
  StreamState s;
  for (uint64_t seq = 2; seq < 12; ++seq)
    ASSERT_TRUE(record_watermark(s, 1, seq, static_cast<TimeMs>(seq), 4));
  ASSERT_EQ(s.pending_watermarks.size(), 4u);
  EXPECT_EQ(s.pending_watermarks.front().first, 8u) << "the oldest are dropped";
}

TEST(StreamProgressTest, ANewerIncarnationSupersedesAndAnOlderOneIsIgnored) {
  StreamState s;
  record_committed(s, 1, 1);
  record_committed(s, 1, 3);  // a gap at 2 that would hold hours back forever
  ASSERT_TRUE(record_watermark(s, 1, 1, 1000, 64));
  record_committed(s, 2, 1);  // a wiped state starts again at seq 1
  EXPECT_EQ(s.incarnation, 2u);
  EXPECT_EQ(s.contiguous_seq, 1u);
  EXPECT_TRUE(s.above.empty()) << "the old state's gap no longer counts";
  EXPECT_EQ(s.watermark_ms, 1000) << "the watermark reached so far stays";
  EXPECT_FALSE(record_watermark(s, 1, 1, 9000, 64)) << "the old state's late word";
  record_committed(s, 1, 2);
  EXPECT_EQ(s.contiguous_seq, 1u);
  EXPECT_EQ(s.watermark_ms, 1000);
}

}  // namespace
}  // namespace ferry::consumer::store
