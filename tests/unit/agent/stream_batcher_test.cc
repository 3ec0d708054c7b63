#include "agent/stream_batcher.h"

#include <gtest/gtest.h>

#include "tests/unit/agent/batch_text.h"
#include "tests/unit/agent/stream_fixture.h"

namespace ferry::agent {
namespace {

using ferry::testing::write_file;
using testing::batch_text;
using testing::StreamFixture;

TEST(StreamBatcherTest, LingeringBatchIsCutRecordedAndPutInTheOutbox) {
  StreamFixture f;
  write_file(f.dir.file("app.log"), "one\ntwo\n");
  auto& s = f.start();
  StreamBatcher::Outbox out;
  f.read_all(out);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(s.building());
  EXPECT_EQ(s.opened_ms(), f.clock.now);
  EXPECT_TRUE(s.cut_if_lingered(std::chrono::milliseconds(200), out));
  EXPECT_TRUE(out.empty());  // not yet
  f.clock.now += 200;
  EXPECT_TRUE(s.cut_if_lingered(std::chrono::milliseconds(200), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(s.building());
  EXPECT_EQ(batch_text(out[0]).events, "one\ntwo\n");
  EXPECT_EQ(out[0].seq, 1u);
  // Recorded before it is sent: seq 1 is the file's first 8 bytes.
  const auto& unacked = f.checkpoint->unacked("app");
  ASSERT_EQ(unacked.size(), 1u);
  EXPECT_EQ(unacked.at(1).offset, 0u);
  EXPECT_EQ(unacked.at(1).length, 8u);
  EXPECT_EQ(f.checkpoint->next_seq("app"), 2u);
}

TEST(StreamBatcherTest, FullBatchIsCutBeforeTheEventThatDoesNotFit) {
  StreamFixture f(/*batch_max_bytes=*/10);
  write_file(f.dir.file("app.log"), "aaaa\nbbbb\ncccc\n");
  auto& s = f.start();
  StreamBatcher::Outbox out;
  f.read_all(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(batch_text(out[0]).events, "aaaa\nbbbb\n");
  EXPECT_TRUE(s.building());  // cccc waits for the next cut
}

TEST(StreamBatcherTest, AChangeOfFileCutsTheBatch) {
  StreamFixture f;
  write_file(f.dir.file("app.log.1"), "old\n");
  write_file(f.dir.file("app.log"), "new\n");
  f.start();
  StreamBatcher::Outbox out;
  f.read_all(out);
  ASSERT_EQ(out.size(), 1u);  // a batch is one range of one file
  EXPECT_EQ(batch_text(out[0]).events.size(), 4u);
}

TEST(StreamBatcherTest, NothingOpenNothingToCut) {
  StreamFixture f;
  auto& s = f.start();
  StreamBatcher::Outbox out;
  f.clock.now += 10'000;
  EXPECT_TRUE(s.cut_if_lingered(std::chrono::milliseconds(1), out));
  EXPECT_TRUE(s.note_adopted_copies(out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(f.checkpoint->next_seq("app"), 1u);
}

TEST(StreamBatcherTest, ElapsedCountsAClockSetBackAsPassed) {
  EXPECT_FALSE(elapsed(1'000, 900, std::chrono::milliseconds(200)));
  EXPECT_TRUE(elapsed(1'100, 900, std::chrono::milliseconds(200)));
  EXPECT_TRUE(elapsed(800, 900, std::chrono::milliseconds(200)));
}

}  // namespace
}  // namespace ferry::agent
