// CommitManifest on its own (BucketStore's tests reach it only through whole commits):
// file numbers that survive a reopen, a committed record and its index written in one
// batch, floors that replace a stream's index entries, and foreign commits.

#include "consumer/store/commit_manifest.h"

#include <gtest/gtest.h>

#include "common/storage/rocks_store.h"
#include "consumer/store/errc.h"
#include "tests/support/temp_dir.h"

namespace ferry::consumer::store {
namespace {

class CommitManifestTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  void reopen() {
    manifest_.reset();
    db_.reset();
    std::string why;
    auto db = storage::RocksStore::open(
        {.path = dir_.file("db"),
         .column_families = {CommitManifest::kFilesCf, CommitManifest::kCommittedCf}},
        why);
    ASSERT_TRUE(db) << why;
    db_ = std::move(db).value();
    auto m = CommitManifest::open(*db_);
    ASSERT_TRUE(m);
    manifest_ = std::move(m).value();
  }

  // A record of `number` in category "cat", holding seqs [first, last] of host h1.
  static FileRecord record(uint64_t number, uint64_t first, uint64_t last, uint64_t replay_id = 0) {
    FileRecord r;
    r.number = number;
    r.state = FileState::kPrepared;
    r.bucket.category = "cat";
    r.bucket.replay_id = replay_id;
    r.bucket.kind = replay_id ? BucketKind::kReplay : BucketKind::kNormal;
    r.temp_path = "cat/tmp/" + std::to_string(number);
    r.final_path = "cat/" + std::to_string(number);
    for (uint64_t s = first; s <= last; ++s) r.batches.push_back({"h1", s, 10, 0});
    return r;
  }

  void commit(const FileRecord& r) {
    ASSERT_TRUE(manifest_->put_unfinished(r));
    auto wb = db_->new_batch();
    manifest_->stage_committed(r, wb);
    ASSERT_TRUE(db_->write(wb, true));
  }

  static BatchId id(uint64_t seq, uint64_t replay_id = 0) {
    return {"h1", "cat", seq, replay_id, 0};
  }

  bool committed(uint64_t seq, uint64_t replay_id = 0) {
    auto c = manifest_->is_committed(id(seq, replay_id));
    EXPECT_TRUE(c);
    return c && c.value();
  }

  ::ferry::testing::TempDir dir_;
  std::unique_ptr<storage::RocksStore> db_;
  std::unique_ptr<CommitManifest> manifest_;
};

TEST_F(CommitManifestTest, FileNumbersAreNeverReusedAcrossAReopen) {
  const uint64_t a = manifest_->allocate_number();
  const uint64_t b = manifest_->allocate_number();
  EXPECT_LT(a, b);
  ASSERT_TRUE(manifest_->put_unfinished(record(b, 1, 1)));
  reopen();
  EXPECT_GT(manifest_->allocate_number(), b);
  auto unfinished = manifest_->unfinished();
  ASSERT_TRUE(unfinished);
  ASSERT_EQ(unfinished.value().size(), 1u);
  EXPECT_EQ(unfinished.value()[0], record(b, 1, 1));
}

TEST_F(CommitManifestTest, ACommittedRecordReplacesItsUnfinishedOneAndIndexesItsBatches) {
  commit(record(3, 1, 4));
  EXPECT_TRUE(manifest_->unfinished().value().empty());
  auto rec = manifest_->committed_record(3);
  ASSERT_TRUE(rec && rec.value());
  EXPECT_EQ(rec.value()->state, FileState::kCommitted);
  for (uint64_t s = 1; s <= 4; ++s) {
    EXPECT_TRUE(committed(s)) << s;
    EXPECT_EQ(manifest_->committed_in(id(s)).value(), std::optional<uint64_t>(3)) << s;
  }
  EXPECT_FALSE(committed(5));
  EXPECT_FALSE(committed(1, 9)) << "a replay's seqs are not the live stream's";
  EXPECT_FALSE(manifest_->committed_record(4).value());
}

TEST_F(CommitManifestTest, AFloorReplacesTheStreamsIndexEntriesAndSurvivesAReopen) {
  commit(record(1, 1, 5));
  commit(record(2, 8, 9));
  ASSERT_TRUE(manifest_->raise_floor(id(5)));
  EXPECT_EQ(manifest_->floor(id(0)).value(), 5u);
  EXPECT_TRUE(committed(3));
  EXPECT_FALSE(manifest_->committed_in(id(3)).value())
      << "the floor did not drop the entries below it";
  EXPECT_FALSE(committed(6));
  EXPECT_TRUE(committed(8)) << "entries above the floor must stay";
  ASSERT_TRUE(manifest_->raise_floor(id(2)));  // lower: no-op
  EXPECT_EQ(manifest_->floor(id(0)).value(), 5u);
  EXPECT_EQ(manifest_->floor(id(0, 7)).value(), 0u) << "a replay has its own floor";

  manifest_->retain_floors([](const std::string&, const std::string&) { return false; });
  EXPECT_EQ(manifest_->floors_in_memory(), 0u);
  EXPECT_TRUE(committed(4)) << "a floor dropped from memory must be read back";
  reopen();
  EXPECT_EQ(manifest_->floor(id(0)).value(), 5u);
  EXPECT_TRUE(committed(1));
  EXPECT_TRUE(committed(9));
}

TEST_F(CommitManifestTest, AForeignCommitCountsAsCommittedInNoFileOfOurs) {
  auto wb = db_->new_batch();
  manifest_->stage_foreign(record(42, 1, 2), wb);
  ASSERT_TRUE(db_->write(wb, true));
  EXPECT_TRUE(committed(1));
  EXPECT_TRUE(committed(2));
  EXPECT_EQ(manifest_->committed_in(id(1)).value(), std::optional<uint64_t>(0));
  EXPECT_FALSE(manifest_->committed_record(42).value()) << "another consumer's file is not ours";
}

TEST_F(CommitManifestTest, AnUnreadableUnfinishedRecordIsAnErrorNotSkipped) {
  ASSERT_TRUE(manifest_->put_unfinished(record(1, 1, 1)));
  auto wb = db_->new_batch();
  std::string key = "p";
  key.append(7, '\0');
  key.push_back('\2');
  wb.put(db_->cf(CommitManifest::kFilesCf), key, "not a record");
  ASSERT_TRUE(db_->write(wb, true));
  auto unfinished = manifest_->unfinished();
  ASSERT_FALSE(unfinished);
  EXPECT_EQ(unfinished.error(), std::error_code(Errc::kBadRecord));
}

}  // namespace
}  // namespace ferry::consumer::store
