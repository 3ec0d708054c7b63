#include "broker/store/batch_store.h"

#include <set>

#include <gtest/gtest.h>

#include "broker/store/batch_id.h"
#include "broker/store/store_keys.h"
#include "common/storage/errc.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/broker/test_batches.h"

namespace ferry::broker::store {
namespace {

using testing::kHour0;
using testing::make_frame;
using testing::open_store;

std::vector<PendingBatch> all_pending(const BatchStore& store, ScanLimits limits = {}) {
  std::vector<PendingBatch> out;
  std::string cursor;
  for (;;) {
    auto page = store.scan_pending(cursor, limits);
    EXPECT_TRUE(page);
    if (!page) break;
    for (auto& b : page.value().batches) out.push_back(std::move(b));
    cursor = page.value().cursor;
    if (page.value().end) break;
  }
  return out;
}

ReplayQuery query(std::string host, std::string category, TimeMs from_ms = 0,
                  TimeMs to_ms = INT64_MAX) {
  ReplayQuery q;
  q.host = std::move(host);
  q.category = std::move(category);
  q.from_ms = from_ms;
  q.to_ms = to_ms;
  return q;
}

BatchState state_of(const BatchStore& store, const std::string& host, uint64_t seq,
                    const std::string& category = "cat") {
  auto s = store.state(host, category, 0, seq);
  EXPECT_TRUE(s);
  return s ? s.value() : BatchState::kUnknown;
}

TEST(BatchStoreTest, StoresAndAnswersState) {
  ::ferry::testing::TempDir dir;
  auto store = open_store(dir.file("db"));
  auto f = make_frame("h1", "cat", 1);
  auto r = store->store(f);
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value(), SubmitOutcome::kStored);
  EXPECT_EQ(state_of(*store, "h1", 1), BatchState::kPending);
  EXPECT_EQ(state_of(*store, "h1", 2), BatchState::kUnknown);
  auto pending = all_pending(*store);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].frame, f);
}

TEST(BatchStoreTest, ResubmitOfPendingIsStoredAgainWithoutSecondCopy) {
  ::ferry::testing::TempDir dir;
  auto store = open_store(dir.file("db"));
  ASSERT_EQ(store->store(make_frame("h1", "cat", 1, 100)).value(), SubmitOutcome::kStored);
  ASSERT_EQ(store->store(make_frame("h1", "cat", 1, 100)).value(), SubmitOutcome::kStored);
  EXPECT_EQ(all_pending(*store).size(), 1u);
  EXPECT_EQ(store->totals().pending_batches, 1u);
  EXPECT_EQ(store->totals().pending_bytes, 100u);
  EXPECT_EQ(store->pending_for("h1").batches, 1u);
}

TEST(BatchStoreTest, RepeatsWithinOneGroupAreStoredOnce) {
  ::ferry::testing::TempDir dir;
  auto store = open_store(dir.file("db"));
  auto a = make_frame("h1", "cat", 7);
  auto b = make_frame("h1", "cat", 8);
  std::vector<const wire::BatchFrame*> group = {&a, &b, &a};
  BatchStore::GroupWrite info;
  auto results = store->store_group(group, &info);
  ASSERT_EQ(results.size(), 3u);
  for (auto& r : results) EXPECT_EQ(r.value(), SubmitOutcome::kStored);
  EXPECT_TRUE(info.synced);
  EXPECT_EQ(info.written, 2u);
  EXPECT_EQ(store->totals().pending_batches, 2u);
}

TEST(BatchStoreTest, RejectsInconsistentFrameAndKeepsTheRestOfTheGroup) {
  ::ferry::testing::TempDir dir;
  auto store = open_store(dir.file("db"));
  auto good = make_frame("h1", "cat", 1);
  auto bad = make_frame("h1", "cat", 2);
  bad.payload.push_back('x');  // no longer matches header.payload_size
  std::vector<const wire::BatchFrame*> group = {&good, &bad};
  auto results = store->store_group(group);
  EXPECT_TRUE(results[0]);
  ASSERT_FALSE(results[1]);
  EXPECT_EQ(results[1].error(), storage::Errc::kInvalidArgument);
  EXPECT_EQ(state_of(*store, "h1", 2), BatchState::kUnknown);
}

TEST(BatchStoreTest, MarkCommittedMovesPendingAndReportsOnlyWhatMoved) {
  ::ferry::testing::TempDir dir;
  auto store = open_store(dir.file("db"));
  for (uint64_t seq : {1, 2, 3, 5}) ASSERT_TRUE(store->store(make_frame("h1", "cat", seq)));
  ASSERT_TRUE(store->store(make_frame("h2", "cat", 1)));
  std::vector<wire::AckRange> ranges = {
      {"h1", "cat", 2, 6}, {"h1", "cat", 3, 3}, {"h9", "cat", 1, 100}};
  auto moved = store->mark_committed(ranges, kHour0 + 5);
  ASSERT_TRUE(moved);
  std::vector<BatchId> expect = {{"h1", "cat", 2}, {"h1", "cat", 3}, {"h1", "cat", 5}};
  EXPECT_EQ(moved.value(), expect);
  EXPECT_EQ(to_ack_ranges(moved.value()),
            (std::vector<wire::AckRange>{{"h1", "cat", 2, 3}, {"h1", "cat", 5, 5}}));
  EXPECT_EQ(state_of(*store, "h1", 1), BatchState::kPending);
  EXPECT_EQ(state_of(*store, "h1", 2), BatchState::kRetained);
  EXPECT_EQ(state_of(*store, "h1", 5), BatchState::kRetained);
  EXPECT_EQ(store->totals().pending_batches, 2u);
  EXPECT_EQ(store->totals().retained_batches, 3u);
  EXPECT_EQ(store->pending_for("h1").batches, 1u);

  auto again = store->mark_committed(ranges, kHour0 + 6);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again.value().empty());

  // A resend of a delivered batch is answered DELIVERED and not stored again.
  auto resent = store->store(make_frame("h1", "cat", 3));
  ASSERT_TRUE(resent);
  EXPECT_EQ(resent.value(), SubmitOutcome::kDelivered);
  EXPECT_EQ(state_of(*store, "h1", 3), BatchState::kRetained);
  EXPECT_EQ(store->totals().pending_batches, 2u);
}

TEST(BatchStoreTest, MarkCommittedSplitsLargeMovesIntoSeveralWrites) {
  ::ferry::testing::TempDir dir;
  BatchStoreOptions options;
  options.max_move_bytes = 3000;  // about 3 batches per write
  auto store = open_store(dir.file("db"), options);
  for (uint64_t seq = 1; seq <= 20; ++seq)
    ASSERT_TRUE(store->store(make_frame("h1", "cat", seq, 1000)));
  auto moved = store->mark_committed({{"h1", "cat", 1, 20}}, kHour0);
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved.value().size(), 20u);
  EXPECT_EQ(store->totals().pending_batches, 0u);
  EXPECT_EQ(store->totals().retained_batches, 20u);
  EXPECT_EQ(store->totals().retained_bytes, 20'000u);
}

TEST(BatchStoreTest, ForwardCursorResumesAfterReopen) {
  ::ferry::testing::TempDir dir;
  std::vector<std::string> first_keys;
  std::string cursor;
  {
    auto store = open_store(dir.file("db"));
    for (uint64_t seq = 1; seq <= 30; ++seq) {
      ASSERT_TRUE(store->store(make_frame("h" + std::to_string(seq % 3), "cat", seq)));
    }
    auto page = store->scan_pending("", {.max_batches = 10});
    ASSERT_TRUE(page);
    ASSERT_EQ(page.value().batches.size(), 10u);
    EXPECT_FALSE(page.value().end);
    cursor = page.value().cursor;
    for (auto& b : page.value().batches) first_keys.push_back(b.key);
  }
  auto store = open_store(dir.file("db"));
  std::vector<std::string> rest;
  for (;;) {
    auto page = store->scan_pending(cursor, {.max_batches = 7});
    ASSERT_TRUE(page);
    for (auto& b : page.value().batches) rest.push_back(b.key);
    cursor = page.value().cursor;
    if (page.value().end) break;
  }
  EXPECT_EQ(first_keys.size() + rest.size(), 30u);
  std::vector<std::string> all = first_keys;
  all.insert(all.end(), rest.begin(), rest.end());
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
  // Within a stream, key order is seq order.
  auto h1 = all_pending(*store);
  std::vector<uint64_t> h1_seqs;
  for (auto& b : h1) {
    if (b.frame.header.host == "h1") h1_seqs.push_back(b.frame.header.seq);
  }
  EXPECT_TRUE(std::is_sorted(h1_seqs.begin(), h1_seqs.end()));
  EXPECT_EQ(h1_seqs.size(), 10u);
}

TEST(BatchStoreTest, ScanPendingHonoursByteLimitButAlwaysMakesProgress) {
  ::ferry::testing::TempDir dir;
  auto store = open_store(dir.file("db"));
  for (uint64_t seq = 1; seq <= 5; ++seq)
    ASSERT_TRUE(store->store(make_frame("h1", "cat", seq, 1000)));
  auto page = store->scan_pending("", {.max_bytes = 10});
  ASSERT_TRUE(page);
  EXPECT_EQ(page.value().batches.size(), 1u);
  EXPECT_EQ(all_pending(*store, {.max_bytes = 2500}).size(), 5u);
}

TEST(BatchStoreTest, ScanPendingPassesOverSkippedKeysAndItsCursorMovesPastThem) {
  ::ferry::testing::TempDir dir;
  auto store = open_store(dir.file("db"));
  for (uint64_t seq = 1; seq <= 6; ++seq) ASSERT_TRUE(store->store(make_frame("h1", "cat", seq)));
  auto keys = all_pending(*store);
  ASSERT_EQ(keys.size(), 6u);
  std::set<std::string> in_flight{keys[0].key, keys[1].key, keys[2].key, keys[4].key};
  auto skip = [&](std::string_view key) { return in_flight.count(std::string(key)) > 0; };
  auto page = store->scan_pending("", {.max_batches = 1}, skip);
  ASSERT_TRUE(page);
  ASSERT_EQ(page.value().batches.size(), 1u);
  EXPECT_EQ(page.value().batches[0].frame.header.seq, 4u)
      << "seqs 1-3 are skipped, and do not use up the page";
  page = store->scan_pending(page.value().cursor, {}, skip);
  ASSERT_TRUE(page);
  ASSERT_EQ(page.value().batches.size(), 1u);
  EXPECT_EQ(page.value().batches[0].frame.header.seq, 6u);
  EXPECT_TRUE(page.value().end);
  EXPECT_EQ(page.value().cursor, keys[5].key);
}

TEST(BatchStoreTest, RetentionExpiresOnlyWhatIsOlderThanTheTtl) {
  ::ferry::testing::TempDir dir;
  BatchStoreOptions options;
  options.retention_ms = kMsPerHour;
  auto store = open_store(dir.file("db"), options);
  for (uint64_t seq = 1; seq <= 6; ++seq) ASSERT_TRUE(store->store(make_frame("h1", "cat", seq)));
  TimeMs t0 = kHour0 + 10 * kMsPerHour;
  ASSERT_TRUE(store->mark_committed({{"h1", "cat", 1, 4}}, t0));
  ASSERT_TRUE(store->mark_committed({{"h1", "cat", 5, 5}}, t0 + 1000));

  EXPECT_EQ(store->expire_retained(t0 + kMsPerHour - 1).value(), 0u);
  EXPECT_EQ(store->expire_retained(t0 + kMsPerHour, 3).value(), 3u);  // bounded per call
  EXPECT_EQ(store->expire_retained(t0 + kMsPerHour, 3).value(), 1u);
  EXPECT_EQ(state_of(*store, "h1", 4), BatchState::kUnknown);
  EXPECT_EQ(state_of(*store, "h1", 5), BatchState::kRetained);
  EXPECT_EQ(store->totals().retained_batches, 1u);
  EXPECT_EQ(store->expire_retained(t0 + kMsPerHour + 1000).value(), 1u);
  EXPECT_EQ(state_of(*store, "h1", 6), BatchState::kPending);
  EXPECT_EQ(store->totals().retained_batches, 0u);
  EXPECT_EQ(store->totals().retained_bytes, 0u);
}

TEST(BatchStoreTest, ReplayScansRetainedByHostCategoryAndTime) {
  ::ferry::testing::TempDir dir;
  auto store = open_store(dir.file("db"));
  for (uint64_t seq = 1; seq <= 4; ++seq) {
    ASSERT_TRUE(store->store(make_frame("h1", "cat", seq, 10, kHour0 + (seq - 1) * kMsPerHour)));
    ASSERT_TRUE(store->store(make_frame("h1", "dog", seq, 10, kHour0 + (seq - 1) * kMsPerHour)));
    ASSERT_TRUE(store->store(make_frame("h2", "cat", seq, 10, kHour0 + (seq - 1) * kMsPerHour)));
  }
  ASSERT_TRUE(store->mark_committed({{"h1", "cat", 1, 4}, {"h1", "dog", 1, 4}, {"h2", "cat", 1, 4}},
                                    kHour0 + 99));
  auto page = store->scan_retained(query("h1", "cat", kHour0 + kMsPerHour, kHour0 + 3 * kMsPerHour),
                                   "", {});
  ASSERT_TRUE(page);
  ASSERT_EQ(page.value().batches.size(), 2u);
  EXPECT_EQ(page.value().batches[0].frame.header.seq, 2u);
  EXPECT_EQ(page.value().batches[1].frame.header.seq, 3u);
  EXPECT_EQ(page.value().batches[0].committed_at_ms, kHour0 + 99);
  EXPECT_TRUE(page.value().end);

  auto host = store->scan_retained(query("h1", ""), "", {});
  ASSERT_TRUE(host);
  EXPECT_EQ(host.value().batches.size(), 8u);
  auto category = store->scan_retained(query("", "cat"), "", {.max_batches = 5});
  ASSERT_TRUE(category);
  EXPECT_EQ(category.value().batches.size(), 5u);
  auto rest = store->scan_retained(query("", "cat"), category.value().cursor, {});
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest.value().batches.size(), 3u);
  EXPECT_TRUE(rest.value().end);
}

TEST(BatchStoreTest, ReopenKeepsBatchesStatesAndCounters) {
  ::ferry::testing::TempDir dir;
  {
    auto store = open_store(dir.file("db"));
    for (uint64_t seq = 1; seq <= 10; ++seq)
      ASSERT_TRUE(store->store(make_frame("h1", "cat", seq, 50)));
    for (uint64_t seq = 1; seq <= 3; ++seq)
      ASSERT_TRUE(store->store(make_frame("h2", "cat", seq, 70)));
    ASSERT_TRUE(store->mark_committed({{"h1", "cat", 1, 4}}, kHour0));
  }
  auto store = open_store(dir.file("db"));
  EXPECT_EQ(state_of(*store, "h1", 4), BatchState::kRetained);
  EXPECT_EQ(state_of(*store, "h1", 5), BatchState::kPending);
  EXPECT_EQ(state_of(*store, "h2", 3), BatchState::kPending);
  auto totals = store->totals();
  EXPECT_EQ(totals.pending_batches, 9u);
  EXPECT_EQ(totals.pending_bytes, 6u * 50 + 3u * 70);
  EXPECT_EQ(totals.retained_batches, 4u);
  EXPECT_EQ(totals.pending_hosts, 2u);
  EXPECT_EQ(store->pending_for("h2"), (PendingCount{3, 210}));
  EXPECT_EQ(all_pending(*store).size(), 9u);
}

TEST(BatchStoreTest, DiskBudgetGatesIngestAndFollowsTheConfiguredLimit) {
  ::ferry::testing::TempDir dir;
  BatchStoreOptions options;
  options.disk_budget_bytes = 1;  // any database is over this
  auto store = open_store(dir.file("db"), options);
  store->disk_budget().refresh();
  EXPECT_TRUE(store->over_budget());
  // Writes still work (mark_committed and acks must), the gate is for the caller.
  ASSERT_TRUE(store->store(make_frame("h1", "cat", 1)));
  store->disk_budget().set_budget(1ull << 40);
  store->disk_budget().refresh();
  EXPECT_FALSE(store->over_budget());
  EXPECT_GT(store->disk_budget().used_bytes(), 0u);
}

TEST(BatchStoreTest, SecondOpenExplainsTheLockAndDeletesNothing) {
  ::ferry::testing::TempDir dir;
  auto first = open_store(dir.file("db"));
  ASSERT_TRUE(first->store(make_frame("h1", "cat", 1)));
  std::string why;
  auto second = BatchStore::open({.path = dir.file("db")}, why);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), storage::Errc::kBusy);
  EXPECT_NE(why.find("another process"), std::string::npos) << why;
  EXPECT_NE(why.find("Nothing was deleted"), std::string::npos) << why;
  EXPECT_EQ(state_of(*first, "h1", 1), BatchState::kPending);
}

TEST(BatchStoreTest, CorruptDatabaseIsReportedWithAHint) {
  ::ferry::testing::TempDir dir;
  { open_store(dir.file("db")); }
  ::ferry::testing::write_file(dir.file("db/CURRENT"), "garbage\n");
  std::string why;
  auto store = BatchStore::open({.path = dir.file("db")}, why);
  ASSERT_FALSE(store);
  EXPECT_NE(why.find("Hint:"), std::string::npos) << why;
  EXPECT_EQ(::ferry::testing::read_file(dir.file("db/CURRENT")), "garbage\n");
}

}  // namespace
}  // namespace ferry::broker::store

namespace ferry::broker::store {
namespace {

wire::BatchFrame frame_with_events(const std::string& host, const std::string& category,
                                   uint64_t seq, size_t bytes, uint32_t events) {
  auto f = testing::make_frame(host, category, seq, bytes);
  f.header.event_count = events;
  return f;
}

TEST(BatchStoreCategoryTest, CountsPendingPerCategoryAndTheFlow) {
  ::ferry::testing::TempDir dir;
  auto store = open_store(dir.file("db"));
  ASSERT_TRUE(store->store(frame_with_events("h1", "a", 1, 100, 10)));
  ASSERT_TRUE(store->store(frame_with_events("h2", "a", 1, 50, 5)));
  ASSERT_TRUE(store->store(frame_with_events("h1", "b", 1, 30, 3)));
  ASSERT_TRUE(store->store(frame_with_events("h1", "a", 1, 100, 10)));  // resend: not counted again
  auto cats = store->pending_by_category();
  ASSERT_EQ(cats.size(), 2u);
  EXPECT_EQ(cats["a"], (CategoryCount{2, 150, 15}));
  EXPECT_EQ(cats["b"], (CategoryCount{1, 30, 3}));
  EXPECT_EQ(store->flow().stored_batches, 3u);
  EXPECT_EQ(store->flow().stored_events, 18u);
  EXPECT_EQ(store->flow().committed_batches, 0u);

  ASSERT_TRUE(store->mark_committed({{"h1", "a", 1, 1}, {"h1", "b", 1, 1}}, kHour0));
  cats = store->pending_by_category();
  ASSERT_EQ(cats.size(), 1u);
  EXPECT_EQ(cats["a"], (CategoryCount{1, 50, 5}));
  EXPECT_EQ(store->flow().committed_batches, 2u);
  EXPECT_EQ(store->flow().committed_events, 13u);
  EXPECT_EQ(store->flow().stored_events, 18u);
}

TEST(BatchStoreCategoryTest, CategoryCountsSurviveAReopenWithoutCountingAsFlow) {
  ::ferry::testing::TempDir dir;
  {
    auto store = open_store(dir.file("db"));
    ASSERT_TRUE(store->store(frame_with_events("h1", "a", 1, 100, 10)));
    ASSERT_TRUE(store->store(frame_with_events("h1", "a", 2, 100, 7)));
  }
  auto store = open_store(dir.file("db"));
  EXPECT_EQ(store->pending_by_category()["a"], (CategoryCount{2, 200, 17}));
  EXPECT_EQ(store->flow().stored_events, 0u);
}

TEST(BatchStoreCategoryTest, AStoreWithoutCategoryCountsIsCountedOnceAtOpen) {
  ::ferry::testing::TempDir dir;
  {
    auto store = open_store(dir.file("db"));
    ASSERT_TRUE(store->store(frame_with_events("h1", "a", 1, 100, 10)));
    ASSERT_TRUE(store->store(frame_with_events("h2", "b", 1, 40, 4)));
    ASSERT_TRUE(store->store(frame_with_events("h2", "b", 2, 60, 6)));
  }
  {
    // What a broker from before the per-category counters left: no "cat/" keys, no marker.
    std::string why;
    auto db = storage::RocksStore::open(
        {.path = dir.file("db"),
         .column_families = {"pending", "retained", "retained_by_time", "meta", "replays"}},
        why);
    ASSERT_TRUE(db) << why;
    int meta = db.value()->cf("meta");
    auto batch = db.value()->new_batch();
    batch.del(meta, meta_category_key("a"));
    batch.del(meta, meta_category_key("b"));
    batch.del(meta, kMetaHasCategories);
    ASSERT_TRUE(db.value()->write(batch, true));
  }
  auto store = open_store(dir.file("db"));
  auto cats = store->pending_by_category();
  ASSERT_EQ(cats.size(), 2u);
  EXPECT_EQ(cats["a"], (CategoryCount{1, 100, 10}));
  EXPECT_EQ(cats["b"], (CategoryCount{2, 100, 10}));
  // The rebuilt counts are persisted: committing one batch then reopening is exact.
  ASSERT_TRUE(store->mark_committed({{"h2", "b", 1, 1}}, kHour0));
  store.reset();
  store = open_store(dir.file("db"));
  EXPECT_EQ(store->pending_by_category()["b"], (CategoryCount{1, 60, 6}));
}

}  // namespace
}  // namespace ferry::broker::store
