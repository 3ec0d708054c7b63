#include "agent/checkpoint/checkpoint.h"

#include <cstring>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "agent/checkpoint/errc.h"
#include "common/base/crc32c.h"
#include "common/storage/durable_file.h"
#include "tests/support/temp_dir.h"

namespace ferry::agent::checkpoint {
namespace {

using ferry::testing::TempDir;

BatchRecord batch(uint64_t seq, uint64_t offset, uint64_t length, uint64_t ino = 7) {
  BatchRecord r;
  r.seq = seq;
  r.file = {1, ino, (uint64_t{1024} << 32) | 0xabcdef};
  r.offset = offset;
  r.length = length;
  r.event_count = 3;
  r.min_time_ms = 1000 + seq;
  r.max_time_ms = 2000 + seq;
  return r;
}

std::unique_ptr<Checkpoint> open_ok(const std::string& path) {
  auto cp = Checkpoint::open(path);
  EXPECT_TRUE(cp) << cp.error().message();
  return std::move(cp).value();
}

TEST(CheckpointTest, FreshStateStartsAtSeqOne) {
  TempDir dir;
  auto cp = open_ok(dir.file("state"));
  EXPECT_EQ(cp->loaded_from(), Checkpoint::Source::kFresh);
  EXPECT_EQ(cp->next_seq("cat"), 1u);
  EXPECT_TRUE(cp->unacked("cat").empty());
}

// A fresh state is a new incarnation (never 0, later ones greater), durable at the first
// flush, and kept by every reopen: a wiped state dir never reuses an old state's streams.
TEST(CheckpointTest, FreshStateIsANewIncarnationThatReopensUnchanged) {
  TempDir dir;
  auto first = open_ok(dir.file("state"));
  const uint64_t incarnation = first->state().incarnation;
  EXPECT_NE(incarnation, 0u);
  ASSERT_TRUE(first->flush());
  EXPECT_EQ(open_ok(dir.file("state"))->state().incarnation, incarnation);

  TempDir wiped;
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_GT(open_ok(wiped.file("state"))->state().incarnation, incarnation);
}

TEST(CheckpointTest, AVersionOneStateLoadsAsIncarnationZero) {
  AgentState v2;
  v2.generation = 4;
  v2.incarnation = 77;
  v2.streams["cat"].next_seq = 9;
  std::string bytes = encode_state(v2);
  auto back = decode_state(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value(), v2);

  // Version 1: no incarnation in the body.
  AgentState v1 = v2;
  v1.incarnation = 0;
  std::string body_v1 = encode_state(v1);
  body_v1[4] = 1;                       // version field
  body_v1.erase(4 + 2 + 2 + 8 + 4, 8);  // the body's leading u64
  const uint32_t body_length = static_cast<uint32_t>(body_v1.size() - (4 + 2 + 2 + 8 + 4) - 4);
  std::memcpy(&body_v1[16], &body_length, 4);
  body_v1.resize(body_v1.size() - 4);
  const uint32_t crc = crc32c::value(body_v1);
  body_v1.append(reinterpret_cast<const char*>(&crc), 4);
  auto old = decode_state(body_v1);
  ASSERT_TRUE(old) << old.error().message();
  EXPECT_EQ(old.value().incarnation, 0u);
  EXPECT_EQ(old.value().streams.at("cat").next_seq, 9u);
}

TEST(CheckpointTest, RoundTripsThroughFlushAndReopen) {
  TempDir dir;
  {
    auto cp = open_ok(dir.file("state"));
    ASSERT_TRUE(cp->record_batch("cat", batch(1, 0, 100), "/logs/a.log"));
    ASSERT_TRUE(cp->record_batch("cat", batch(2, 100, 50), "/logs/a.log"));
    ASSERT_TRUE(cp->record_batch("dog", batch(1, 0, 10, 9), "/logs/d.log"));
    ASSERT_TRUE(cp->flush());
    EXPECT_EQ(cp->mark_delivered("cat", 1), 1u);
    EXPECT_EQ(cp->mark_delivered("cat", 1), 0u);  // idempotent
    ASSERT_TRUE(cp->flush());
  }
  auto cp = open_ok(dir.file("state"));
  EXPECT_EQ(cp->loaded_from(), Checkpoint::Source::kCurrent);
  EXPECT_EQ(cp->next_seq("cat"), 3u);
  EXPECT_EQ(cp->next_seq("dog"), 2u);
  ASSERT_EQ(cp->unacked("cat").size(), 1u);
  EXPECT_EQ(cp->unacked("cat").at(2), batch(2, 100, 50));
  ASSERT_EQ(cp->positions("cat").size(), 1u);
  EXPECT_EQ(cp->positions("cat")[0].offset, 150u);
  EXPECT_EQ(cp->positions("cat")[0].path, "/logs/a.log");
  EXPECT_EQ(cp->positions("cat")[0].line_time_ms, 2002);
}

TEST(CheckpointTest, UnflushedRecordsAreNotDurable) {
  TempDir dir;
  {
    auto cp = open_ok(dir.file("state"));
    ASSERT_TRUE(cp->record_batch("cat", batch(1, 0, 100), "a"));
    ASSERT_TRUE(cp->flush());
    ASSERT_TRUE(cp->record_batch("cat", batch(2, 100, 100), "a"));
  }
  auto cp = open_ok(dir.file("state"));
  EXPECT_EQ(cp->next_seq("cat"), 2u);
  EXPECT_EQ(cp->positions("cat")[0].offset, 100u);
}

TEST(CheckpointTest, RejectsOutOfOrderSeqAndGaps) {
  TempDir dir;
  auto cp = open_ok(dir.file("state"));
  EXPECT_EQ(cp->record_batch("cat", batch(2, 0, 10), "a").error(), Errc::kSeqOutOfOrder);
  ASSERT_TRUE(cp->record_batch("cat", batch(1, 0, 10), "a"));
  EXPECT_EQ(cp->record_batch("cat", batch(2, 20, 10), "a").error(), Errc::kRangeGap);
  // After a truncation the same inode starts over at 0.
  EXPECT_TRUE(cp->record_batch("cat", batch(2, 0, 5), "a"));
  EXPECT_EQ(cp->positions("cat")[0].offset, 5u);
}

TEST(CheckpointTest, CumulativeDelivery) {
  TempDir dir;
  auto cp = open_ok(dir.file("state"));
  for (uint64_t s = 1; s <= 5; ++s)
    ASSERT_TRUE(cp->record_batch("cat", batch(s, (s - 1) * 10, 10), "a"));
  EXPECT_EQ(cp->mark_delivered_through("cat", 3), 3u);
  ASSERT_EQ(cp->unacked("cat").size(), 2u);
  EXPECT_EQ(cp->unacked("cat").begin()->first, 4u);
}

TEST(CheckpointTest, NotedPositionOfACopyIsDurableAndNeverMovesBack) {
  TempDir dir;
  const batch::FileIdentity copy{1, 8, (uint64_t{1024} << 32) | 0x1234};
  {
    auto cp = open_ok(dir.file("state"));
    cp->note_position("cat", {copy, 500, 42, "/logs/a.log.1"});
    EXPECT_TRUE(cp->dirty());
    ASSERT_TRUE(cp->flush());
    cp->note_position("cat", {copy, 300, 42, "/logs/a.log.1"});
    EXPECT_FALSE(cp->dirty());
  }
  auto cp = open_ok(dir.file("state"));
  ASSERT_EQ(cp->positions("cat").size(), 1u);
  EXPECT_EQ(cp->positions("cat")[0], (FilePosition{copy, 500, 42, "/logs/a.log.1"}));
  // Seqs are untouched: a noted position is no batch.
  EXPECT_EQ(cp->next_seq("cat"), 1u);
}

class CheckpointCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cp = open_ok(path_);
    ASSERT_TRUE(cp->record_batch("cat", batch(1, 0, 100), "a"));
    ASSERT_TRUE(cp->flush());
    ASSERT_TRUE(cp->record_batch("cat", batch(2, 100, 100), "a"));
    ASSERT_TRUE(cp->flush());
  }
  TempDir dir_;
  std::string path_ = dir_.file("state");
};

TEST_F(CheckpointCorruptionTest, TornCurrentFallsBackToPrev) {
  std::filesystem::resize_file(path_, std::filesystem::file_size(path_) / 2);
  auto cp = open_ok(path_);
  EXPECT_EQ(cp->loaded_from(), Checkpoint::Source::kPrevious);
  EXPECT_EQ(cp->next_seq("cat"), 3u);  // .prev holds the same generation: nothing lost
  EXPECT_EQ(cp->unacked("cat").size(), 2u);
}

TEST_F(CheckpointCorruptionTest, FlippedByteFallsBackToPrevAndNextFlushHeals) {
  auto bytes = ferry::testing::read_file(path_);
  bytes[bytes.size() / 2] ^= 0x40;
  ferry::testing::write_file(path_, bytes);
  {
    auto cp = open_ok(path_);
    EXPECT_EQ(cp->loaded_from(), Checkpoint::Source::kPrevious);
    EXPECT_EQ(cp->next_seq("cat"), 3u);
    ASSERT_TRUE(cp->record_batch("cat", batch(3, 200, 1), "a"));
    ASSERT_TRUE(cp->flush());
  }
  auto cp = open_ok(path_);
  EXPECT_EQ(cp->loaded_from(), Checkpoint::Source::kCurrent);
  EXPECT_EQ(cp->next_seq("cat"), 4u);
}

TEST_F(CheckpointCorruptionTest, CrashBetweenCopiesLoadsTheNewerOne) {
  // As if the process died after writing .prev (generation 3) but before the current.
  auto cp = open_ok(path_);
  AgentState newer = cp->state();
  newer.generation += 1;
  newer.streams["cat"].next_seq = 9;
  ASSERT_TRUE(storage::durable_write(path_ + ".prev", encode_state(newer)));
  auto reopened = open_ok(path_);
  EXPECT_EQ(reopened->loaded_from(), Checkpoint::Source::kPrevious);
  EXPECT_EQ(reopened->next_seq("cat"), 9u);
}

TEST_F(CheckpointCorruptionTest, MissingCurrentUsesPrev) {
  std::filesystem::remove(path_);
  auto cp = open_ok(path_);
  EXPECT_EQ(cp->loaded_from(), Checkpoint::Source::kPrevious);
  EXPECT_EQ(cp->next_seq("cat"), 3u);
}

TEST_F(CheckpointCorruptionTest, BothCorruptIsAnErrorNotAFreshStart) {
  ferry::testing::write_file(path_, "garbage");
  ferry::testing::write_file(path_ + ".prev", "");
  auto cp = Checkpoint::open(path_);
  ASSERT_FALSE(cp);
  EXPECT_EQ(cp.error(), Errc::kNoValidCopy);
}

TEST(AgentStateTest, DecodeRejectsEveryTruncation) {
  AgentState s;
  s.generation = 4;
  s.streams["cat"].next_seq = 3;
  s.streams["cat"].unacked[2] = batch(2, 0, 1);
  s.streams["cat"].files.push_back({{1, 2, 3}, 10, 5, "/x"});
  const std::string bytes = encode_state(s);
  auto back = decode_state(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value(), s);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_state(std::string_view(bytes).substr(0, n))) << n;
  }
}

}  // namespace
}  // namespace ferry::agent::checkpoint
