// batch_store.h promises that a batch reported kStored survives power loss, not only
// SIGKILL. PowerLossFs (tests/fakes) cuts the power under a store that is taking batches
// and committing them, drops every byte no sync covered, and the store is opened again:
// everything it acknowledged must be there, in the state it reported, with counters that
// match what is stored.

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "broker/store/batch_store.h"
#include "common/storage/rocks_store.h"
#include "tests/fakes/power_loss_fs.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/broker/test_batches.h"

namespace ferry::broker::store {
namespace {

using testing::make_frame;

std::unique_ptr<BatchStore> open_on(::ferry::testing::PowerLossFs& fs, const std::string& path) {
  BatchStoreOptions options;
  options.path = path;
  options.env = fs.env();
  std::string why;
  auto store = BatchStore::open(options, why);
  EXPECT_TRUE(store) << why;
  return store ? std::move(store).value() : nullptr;
}

// What the store acknowledged before the cut.
struct Acknowledged {
  std::mutex mu;
  std::set<uint64_t> stored;     // reported kStored
  std::set<uint64_t> committed;  // reported moved to retained by mark_committed
};

// Stores groups of 4 batches of host h1 from `first_seq` on, and commits every other
// group once stored, until a call fails (the power is gone). Returns the next seq.
uint64_t write_until_failure(BatchStore& store, uint64_t first_seq, Acknowledged& acked) {
  uint64_t seq = first_seq;
  for (int group = 0;; ++group) {
    std::vector<wire::BatchFrame> frames;
    for (int i = 0; i < 4; ++i) frames.push_back(make_frame("h1", "cat", seq + i, 2000));
    std::vector<const wire::BatchFrame*> ptrs;
    for (const auto& f : frames) ptrs.push_back(&f);
    auto results = store.store_group(ptrs);
    for (size_t i = 0; i < results.size(); ++i) {
      if (!results[i]) return seq + 4;
      std::lock_guard lock(acked.mu);
      acked.stored.insert(seq + i);
    }
    if (group % 2 == 1) {
      auto moved = store.mark_committed({{"h1", "cat", seq, seq + 3, 0}}, 1'800'000'000'000);
      if (!moved) return seq + 4;
      std::lock_guard lock(acked.mu);
      for (const auto& id : moved.value()) acked.committed.insert(id.seq);
    }
    seq += 4;
  }
}

// Every batch of a paged scan, from the first page to the end.
template <class T>
std::vector<T> every_page(const std::function<Result<Page<T>>(const std::string&)>& scan) {
  std::vector<T> out;
  std::string cursor;
  for (;;) {
    auto page = scan(cursor);
    EXPECT_TRUE(page);
    if (!page) return out;
    for (auto& b : page.value().batches) out.push_back(std::move(b));
    cursor = page.value().cursor;
    if (page.value().end) return out;
  }
}

TEST(PowerLossFsTest, AWriteNotSyncedIsLostAndASyncedOneKept) {
  ::ferry::testing::TempDir dir;
  ::ferry::testing::PowerLossFs fs;
  storage::RocksOptions options;
  options.path = dir.file("db");
  options.env = fs.env();
  {
    std::string why;
    auto db = storage::RocksStore::open(options, why);
    ASSERT_TRUE(db) << why;
    auto synced = db.value()->new_batch();
    synced.put(0, "synced", "1");
    ASSERT_TRUE(db.value()->write(synced, true));
    auto unsynced = db.value()->new_batch();
    unsynced.put(0, "unsynced", "1");
    ASSERT_TRUE(db.value()->write(unsynced, false));
    fs.cut_power();
  }
  EXPECT_GT(fs.lose_unsynced_data(), 0u);
  fs.restore_power();
  std::string why;
  auto db = storage::RocksStore::open(options, why);
  ASSERT_TRUE(db) << why;
  EXPECT_TRUE(db.value()->get(0, "synced").value().has_value());
  EXPECT_FALSE(db.value()->get(0, "unsynced").value().has_value())
      << "PowerLossFs kept a write no sync covered: the power-loss tests below could not fail";
}

TEST(BatchStorePowerLossTest, EveryAcknowledgedBatchSurvivesPowerCutsMidWrite) {
  ::ferry::testing::TempDir dir;
  ::ferry::testing::PowerLossFs fs;
  Acknowledged acked;
  std::mt19937 random(20261203);
  uint64_t next_seq = 1;
  for (int cut = 0; cut < 8; ++cut) {
    {
      auto store = open_on(fs, dir.file("db"));
      ASSERT_TRUE(store);
      uint64_t written_through = next_seq;
      std::thread writer([&] { written_through = write_until_failure(*store, next_seq, acked); });
      std::this_thread::sleep_for(std::chrono::milliseconds(5 + random() % 40));
      fs.cut_power();
      writer.join();
      next_seq = written_through;
    }  // the store closes with the power off, as a dead machine's would not close at all
    fs.lose_unsynced_data();
    fs.restore_power();

    auto store = open_on(fs, dir.file("db"));
    ASSERT_TRUE(store) << "the store did not open after power cut " << cut;
    std::lock_guard lock(acked.mu);
    ASSERT_FALSE(acked.stored.empty()) << "nothing was stored before cut " << cut;
    for (uint64_t seq : acked.stored) {
      auto state = store->state("h1", "cat", 0, seq);
      ASSERT_TRUE(state);
      ASSERT_NE(state.value(), BatchState::kUnknown)
          << "batch " << seq << " was reported stored and is gone after power cut " << cut;
    }
    for (uint64_t seq : acked.committed) {
      ASSERT_EQ(store->state("h1", "cat", 0, seq).value(), BatchState::kRetained)
          << "batch " << seq << " was reported committed and is not retained after power cut "
          << cut;
    }
    // The counters are stored with the batches, in the same writes: they must agree. And
    // every payload reads back whole (the segments were synced before the entries).
    auto pending = every_page<PendingBatch>(
        [&](const std::string& cursor) { return store->scan_pending(cursor, {}); });
    auto retained = every_page<RetainedBatch>(
        [&](const std::string& cursor) { return store->scan_retained({}, cursor, {}); });
    EXPECT_EQ(store->totals().pending_batches, pending.size()) << "after power cut " << cut;
    EXPECT_EQ(store->totals().retained_batches, retained.size()) << "after power cut " << cut;
    for (const auto& b : pending) {
      ASSERT_EQ(b.frame, make_frame("h1", "cat", b.frame.header.seq, 2000))
          << "pending batch " << b.frame.header.seq << " after power cut " << cut;
    }
    for (const auto& b : retained) {
      ASSERT_EQ(b.frame, make_frame("h1", "cat", b.frame.header.seq, 2000))
          << "retained batch " << b.frame.header.seq << " after power cut " << cut;
    }
  }
}

}  // namespace
}  // namespace ferry::broker::store
