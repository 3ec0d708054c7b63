// Payloads are written once, to the payload log's segments; RocksDB holds where they are.
// These tests read the files on disk, not only the store's answers: a payload written
// twice, a segment kept after its last batch went, or one deleted while a batch still
// points into it would each pass the store's own API tests.

#include "broker/store/payload_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "broker/store/batch_store.h"
#include "broker/store/store_keys.h"
#include "broker/store/stored_record.h"
#include "common/storage/key_codec.h"
#include "common/storage/rocks_store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/broker/test_batches.h"

namespace ferry::broker::store {
namespace {

namespace fs = std::filesystem;
using testing::kHour0;
using testing::make_frame;
using testing::open_store;

constexpr TimeMs kDayAndAnHour = 25 * kMsPerHour;

// Bytes of the files in `dir` whose names end with `suffix`.
uint64_t bytes_of(const std::string& dir, std::string_view suffix) {
  uint64_t total = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().string().ends_with(suffix)) {
      total += entry.file_size();
    }
  }
  return total;
}

size_t segment_files(const std::string& db) {
  size_t n = 0;
  for (const auto& entry : fs::directory_iterator(db + "/payloads")) {
    n += entry.path().extension() == ".seg";
  }
  return n;
}

std::vector<PendingBatch> pending(const BatchStore& store) {
  auto page = store.scan_pending("", {});
  EXPECT_TRUE(page);
  return page ? std::move(page.value().batches) : std::vector<PendingBatch>{};
}

std::vector<RetainedBatch> retained(const BatchStore& store) {
  auto page = store.scan_retained({}, "", {});
  EXPECT_TRUE(page);
  return page ? std::move(page.value().batches) : std::vector<RetainedBatch>{};
}

Result<void> store_all(BatchStore& store, const std::vector<wire::BatchFrame>& frames) {
  std::vector<const wire::BatchFrame*> ptrs;
  for (const auto& f : frames) ptrs.push_back(&f);
  for (auto& r : store.store_group(ptrs)) {
    if (!r) return r.error();
  }
  return success();
}

TEST(BatchStorePayloadTest, APayloadIsWrittenOnceAndCommittingMovesOnlyItsEntry) {
  ::ferry::testing::TempDir dir;
  const std::string db = dir.file("db");
  auto store = open_store(db);
  std::vector<wire::BatchFrame> frames;
  for (uint64_t seq = 1; seq <= 16; ++seq) frames.push_back(make_frame("h1", "cat", seq, 64 << 10));
  ASSERT_TRUE(store_all(*store, frames));
  ASSERT_EQ(store->mark_committed({{"h1", "cat", 1, 16}}, kHour0).value().size(), 16u);

  // 1 MiB of payload: once in the segments, and neither in the WAL when stored nor again
  // when moved to retention.
  EXPECT_GE(bytes_of(db + "/payloads", ".seg"), 16u * (64 << 10));
  EXPECT_LT(bytes_of(db, ".log"), 64u << 10) << "payload bytes went to RocksDB's WAL";
  auto kept = retained(*store);
  ASSERT_EQ(kept.size(), 16u);
  for (size_t i = 0; i < kept.size(); ++i) EXPECT_EQ(kept[i].frame, frames[i]);
}

TEST(BatchStorePayloadTest, ASegmentGoesWithItsLastBatchAndAPendingOneKeepsIt) {
  ::ferry::testing::TempDir dir;
  const std::string db = dir.file("db");
  BatchStoreOptions options;
  options.segment_bytes = 100 << 10;  // three 40 KiB payloads per segment
  auto store = open_store(db, options);
  for (uint64_t seq = 1; seq <= 20; ++seq) {
    ASSERT_TRUE(store->store(make_frame("h1", "cat", seq, 40 << 10)));
  }
  EXPECT_EQ(segment_files(db), 7u);
  // Everything but seq 1 is committed, then expires.
  ASSERT_TRUE(store->mark_committed({{"h1", "cat", 2, 20}}, kHour0));
  ASSERT_EQ(store->expire_retained(kHour0 + kDayAndAnHour).value(), 19u);
  // Left: seq 1's segment, which a pending batch points into, and the one being appended to.
  EXPECT_EQ(segment_files(db), 2u);
  EXPECT_EQ(store->payload_segments(), 2u);
  auto left = pending(*store);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].frame, make_frame("h1", "cat", 1, 40 << 10));

  ASSERT_TRUE(store->mark_committed({{"h1", "cat", 1, 1}}, kHour0));
  ASSERT_EQ(store->expire_retained(kHour0 + kDayAndAnHour).value(), 1u);
  EXPECT_EQ(segment_files(db), 1u);
  EXPECT_EQ(store->totals().retained_bytes, 0u);
  store.reset();
  store = open_store(db, options);
  EXPECT_EQ(segment_files(db), 0u) << "an empty segment nothing points into outlived a reopen";
}

// Open files of this process under `dir`.
size_t open_files_under(const std::string& dir) {
  size_t n = 0;
  for (const auto& fd : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    n += fs::read_symlink(fd.path(), ec).string().starts_with(dir);
  }
  return n;
}

TEST(BatchStorePayloadTest, ReadingManySegmentsKeepsFewOpen) {
  ::ferry::testing::TempDir dir;
  const std::string db = dir.file("db");
  BatchStoreOptions options;
  options.segment_bytes = 1;  // one batch per segment
  auto store = open_store(db, options);
  for (uint64_t seq = 1; seq <= 100; ++seq) {
    ASSERT_TRUE(store->store(make_frame("h1", "cat", seq, 300)));
  }
  ASSERT_EQ(segment_files(db), 100u);
  auto all = store->scan_pending("", {.max_batches = 1000});
  ASSERT_TRUE(all);
  ASSERT_EQ(all.value().batches.size(), 100u);
  EXPECT_EQ(all.value().batches[99].frame, make_frame("h1", "cat", 100, 300));
  EXPECT_LE(open_files_under(db + "/payloads"), 33u) << "every segment read stayed open";
}

TEST(BatchStorePayloadTest, TheDiskBudgetCountsTheSegments) {
  ::ferry::testing::TempDir dir;
  BatchStoreOptions options;
  options.disk_budget_bytes = 2 << 20;  // RocksDB's own files take far less
  auto store = open_store(dir.file("db"), options);
  for (uint64_t seq = 1; seq <= 64; ++seq) {
    ASSERT_TRUE(store->store(make_frame("h1", "cat", seq, 64 << 10)));
  }
  store->disk_budget().refresh();
  EXPECT_GE(store->disk_budget().used_bytes(), 4u << 20);
  EXPECT_TRUE(store->over_budget());
}

TEST(BatchStorePayloadTest, ACorruptPayloadIsSkippedByNameAndTheOthersRead) {
  ::ferry::testing::TempDir dir;
  const std::string db = dir.file("db");
  auto store = open_store(db);
  std::vector<wire::BatchFrame> frames;
  for (uint64_t seq = 1; seq <= 3; ++seq) frames.push_back(make_frame("h1", "cat", seq, 1000));
  ASSERT_TRUE(store_all(*store, frames));
  {
    std::fstream segment(db + "/payloads/0000000000000001.seg",
                         std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(segment.is_open());
    segment.seekp(1500);  // inside seq 2's payload
    segment.put('!');
  }
  auto left = pending(*store);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].frame, frames[0]);
  EXPECT_EQ(left[1].frame, frames[2]);
}

TEST(BatchStorePayloadTest, AtOpenSegmentsNothingPointsIntoGoAndNewOnesAreNumberedAfterThem) {
  ::ferry::testing::TempDir dir;
  const std::string db = dir.file("db");
  auto first = make_frame("h1", "cat", 1, 500);
  {
    auto store = open_store(db);
    ASSERT_TRUE(store->store(first));
  }
  // What a crash between a segment's sync and the write of its entries leaves.
  ::ferry::testing::write_file(db + "/payloads/00000000000000ff.seg", "orphan bytes");
  auto store = open_store(db);
  EXPECT_FALSE(fs::exists(db + "/payloads/00000000000000ff.seg"));
  ASSERT_TRUE(store->store(make_frame("h1", "cat", 2, 500)));
  EXPECT_TRUE(fs::exists(db + "/payloads/0000000000000100.seg"));
  auto left = pending(*store);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].frame, first);
}

// The store's RocksDB opened directly, as a broker of another version would.
std::unique_ptr<storage::RocksStore> open_rocks(const std::string& db) {
  std::string why;
  auto rocks = storage::RocksStore::open(
      {.path = db,
       .column_families = {std::string(kPendingCf), std::string(kRetainedCf), std::string(kIndexCf),
                           std::string(kMetaCf), std::string(kReplaysCf)}},
      why);
  EXPECT_TRUE(rocks) << why;
  return rocks ? std::move(rocks).value() : nullptr;
}

// Values as a store of format 1 wrote them: the payload inline after the header.
std::string inline_value(const wire::BatchFrame& f, std::optional<TimeMs> committed_at) {
  std::string v(1, static_cast<char>(kInlineRecordVersion));
  if (committed_at) storage::put_be64(v, static_cast<uint64_t>(*committed_at));
  batch::encode_header(f.header, v);
  v.append(f.payload);
  return v;
}

TEST(BatchStorePayloadTest, AFormatOneStoreIsUpgradedAndItsInlinePayloadsStayReadable) {
  ::ferry::testing::TempDir dir;
  const std::string db = dir.file("db");
  auto one = make_frame("h1", "cat", 1, 700);
  auto two = make_frame("h1", "cat", 2, 900);
  {  // The counters as the old broker kept them, then its values and format marker.
    auto store = open_store(db);
    ASSERT_TRUE(store->store(one));
    ASSERT_TRUE(store->store(two));
    ASSERT_TRUE(store->mark_committed({{"h1", "cat", 2, 2}}, kHour0));
  }
  fs::remove_all(db + "/payloads");
  {
    auto rocks = open_rocks(db);
    ASSERT_TRUE(rocks);
    auto& r = *rocks;
    auto batch = r.new_batch();
    batch.put(r.cf(kPendingCf), storage::stream_seq_key("h1", "cat", 0, 1), inline_value(one, {}));
    const std::string key2 = storage::stream_seq_key("h1", "cat", 0, 2);
    batch.put(r.cf(kRetainedCf), key2, inline_value(two, kHour0));
    batch.put(r.cf(kIndexCf), retention_index_key(kHour0, key2), be64(two.payload.size()));
    batch.put(r.cf(kMetaCf), kMetaFormat, kMetaFormatInlinePayloads);
    ASSERT_TRUE(r.write(batch, true));
  }
  auto store = open_store(db);
  ASSERT_TRUE(store);
  auto left = pending(*store);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].frame, one);
  auto kept = retained(*store);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].frame, two);
  // New batches beside the old ones; an old one still moves and expires.
  auto three = make_frame("h1", "cat", 3, 800);
  ASSERT_TRUE(store->store(three));
  ASSERT_TRUE(store->mark_committed({{"h1", "cat", 1, 3}}, kHour0 + 1));
  kept = retained(*store);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].frame, one);
  EXPECT_EQ(kept[2].frame, three);
  EXPECT_EQ(store->expire_retained(kHour0 + kDayAndAnHour).value(), 3u);
  EXPECT_EQ(store->totals().retained_batches, 0u);
  store.reset();
  // The marker now says format 2, which a broker of format 1 refuses.
  auto rocks = open_rocks(db);
  ASSERT_TRUE(rocks);
  EXPECT_EQ(rocks->get(rocks->cf(kMetaCf), kMetaFormat).value(), std::string(kMetaFormatVersion));
}

}  // namespace
}  // namespace ferry::broker::store
