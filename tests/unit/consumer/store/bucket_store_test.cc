#include "consumer/store/bucket_store.h"

#include <gtest/gtest.h>

#include "consumer/store/bucket_path.h"
#include "consumer/store/errc.h"
#include "tests/unit/consumer/store/store_harness.h"

namespace ferry::consumer::store::test {
namespace {

const TimeMs kT = kHour0 + 13 * 60'000;  // 22:13

std::map<std::string, int> expected_once(const std::vector<wire::BatchFrame>& batches) {
  std::map<std::string, int> m;
  for (const auto& b : batches)
    for (const auto& l : lines_of(b)) m[l] = 1;
  return m;
}

std::vector<std::string> part_files(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& [path, c] : all_files(root)) out.push_back(path);
  return out;
}

TEST(BucketStoreTest, CommitRoundTripIsOneValidZstdStreamInOrder) {
  Harness h;
  h.open();
  std::vector<wire::BatchFrame> batches;
  for (uint64_t seq = 1; seq <= 3; ++seq) batches.push_back(make_batch("h1", "cat", seq, kT + seq));
  for (const auto& b : batches) EXPECT_EQ(h.store->add(b).value(), AddOutcome::kAccepted);
  EXPECT_EQ(h.store->open_files(), 1u);
  auto ids = h.store->commit_all();
  ASSERT_TRUE(ids) << ids.error().message();
  ASSERT_EQ(ids.value().size(), 3u);
  EXPECT_EQ(batch::fold_ranges(ids.value()).size(), 1u);
  EXPECT_EQ(batch::fold_ranges(ids.value())[0].range, (wire::AckRange{"h1", "cat", 1, 3}));

  auto files = all_files(h.root());
  ASSERT_EQ(files.size(), 1u);
  ASSERT_EQ(files.begin()->first, "cat/2023-11-14/22/part-c1-1.log.zst");
  std::string text;
  compress::ZstdDecompressor z;
  ASSERT_TRUE(z.decompress(files.begin()->second, 1 << 20, text));
  std::string want;
  for (const auto& b : batches)
    for (const auto& l : lines_of(b)) want += l;
  EXPECT_EQ(text, want);
  EXPECT_EQ(h.store->pending_ids(), 0u);
}

TEST(BucketStoreTest, PlainModeWritesDecompressedLines) {
  Harness h;
  h.options.plain = true;
  h.open();
  auto b1 = make_batch("h1", "cat", 1, kT);
  auto b2 = make_batch("h1", "cat", 2, kT, 2, 0, batch::Codec::kNone);
  ASSERT_TRUE(h.store->add(b1));
  ASSERT_TRUE(h.store->add(b2));
  ASSERT_TRUE(h.store->commit_all());
  auto files = all_files(h.root());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files.begin()->first, "cat/2023-11-14/22/part-c1-1.log");
  std::string want;
  for (const auto& l : lines_of(b1)) want += l;
  for (const auto& l : lines_of(b2)) want += l;
  EXPECT_EQ(files.begin()->second, want);
}

TEST(BucketStoreTest, UncompressedBatchIsCompressedSoTheFileStaysZstd) {
  Harness h;
  h.open();
  auto b1 = make_batch("h1", "cat", 1, kT, 2, 0, batch::Codec::kNone);
  ASSERT_TRUE(h.store->add(b1));
  ASSERT_TRUE(h.store->commit_all());
  EXPECT_EQ(output_lines(h.root()), expected_once({b1}));
}

TEST(BucketStoreTest, DuplicateIsWrittenOnceBeforeAfterCommitAndAcrossReopen) {
  Harness h;
  h.open();
  auto b = make_batch("h1", "cat", 1, kT);
  EXPECT_EQ(h.store->add(b).value(), AddOutcome::kAccepted);
  EXPECT_EQ(h.store->add(b).value(), AddOutcome::kDuplicatePending);
  auto ids = h.store->commit_all();
  ASSERT_TRUE(ids);
  EXPECT_EQ(ids.value().size(), 1u);  // reported once, whoever sent it
  EXPECT_EQ(h.store->add(b).value(), AddOutcome::kAlreadyCommitted);
  h.reopen();
  EXPECT_EQ(h.store->add(b).value(), AddOutcome::kAlreadyCommitted);
  ASSERT_TRUE(h.store->commit_all());
  EXPECT_EQ(output_lines(h.root()), expected_once({b}));
}

TEST(BucketStoreTest, ReplayIsDeduplicatedWithinItsReplayOnly) {
  Harness h;
  h.open();
  auto live = make_batch("h1", "cat", 1, kT);
  auto replay = make_batch("h1", "cat", 1, kT, 3, 7);
  ASSERT_EQ(h.store->add(live).value(), AddOutcome::kAccepted);
  ASSERT_EQ(h.store->add(replay).value(), AddOutcome::kAccepted);
  ASSERT_EQ(h.store->add(replay).value(), AddOutcome::kDuplicatePending);
  ASSERT_TRUE(h.store->commit_all());
  auto files = part_files(h.root());
  EXPECT_EQ(files, (std::vector<std::string>{"cat/2023-11-14/22/part-c1-1.log.zst",
                                             "cat/2023-11-14/22/replay-7/part-c1-2.log.zst"}));
  EXPECT_EQ(output_lines(h.root()), expected_once({live, replay}));
}

TEST(BucketStoreTest, RollsBySizeWithoutExceedingTheLimit) {
  Harness h;
  auto probe = make_batch("h1", "cat", 1, kT);
  h.options.roll_bytes = probe.payload.size() * 2 + 1;  // two batches per file
  h.clock.now = kT;
  h.open();
  std::vector<wire::BatchFrame> batches;
  for (uint64_t seq = 1; seq <= 5; ++seq) batches.push_back(make_batch("h1", "cat", seq, kT));
  for (const auto& b : batches) ASSERT_TRUE(h.store->add(b));
  auto ids = h.store->commit_due(kT);  // the full files only
  ASSERT_TRUE(ids);
  EXPECT_EQ(ids.value().size(), 4u);
  ASSERT_TRUE(h.store->commit_all());
  auto files = all_files(h.root());
  EXPECT_EQ(files.size(), 3u);
  for (const auto& [p, c] : files) EXPECT_LE(c.size(), h.options.roll_bytes) << p;
  EXPECT_EQ(output_lines(h.root()), expected_once(batches));
}

TEST(BucketStoreTest, RollsByAge) {
  Harness h;
  h.open();
  h.clock.now = kT;
  ASSERT_TRUE(h.store->add(make_batch("h1", "cat", 1, kT)));
  EXPECT_TRUE(h.store->commit_due(kT + h.options.roll_age_ms - 1).value().empty());
  EXPECT_EQ(h.store->commit_due(kT + h.options.roll_age_ms).value().size(), 1u);
  EXPECT_EQ(h.store->open_files(), 0u);
}

// One busy host has enough waiting before roll_bytes or roll_age: every file holding its
// batches commits then (its agent's window spans all its categories), so the agent gets
// DELIVERED before its window is full. Other hosts' batches in those files go with them;
// a file without the busy host's batches stays open.
TEST(BucketStoreTest, RollsEveryFileOfAHostWithEnoughWaiting) {
  Harness h;
  h.options.roll_host_batches = 3;
  h.clock.now = kT;
  h.open();
  ASSERT_TRUE(h.store->add(make_batch("quiet", "cat", 1, kT)));
  ASSERT_TRUE(h.store->add(make_batch("quiet", "other", 1, kT)));
  ASSERT_TRUE(h.store->add(make_batch("busy", "cat", 1, kT)));
  ASSERT_TRUE(h.store->add(make_batch("busy", "dog", 1, kT)));
  EXPECT_TRUE(h.store->commit_due(kT).value().empty());
  ASSERT_TRUE(h.store->add(make_batch("busy", "dog", 2, kT)));  // 3 in two files
  auto ids = h.store->commit_due(kT);
  ASSERT_TRUE(ids);
  EXPECT_EQ(ids.value().size(), 4u);     // cat: quiet 1, busy 1; dog: busy 1, 2
  EXPECT_EQ(h.store->open_files(), 1u);  // "other" holds only quiet's batch
  // The busy host's count starts again from what is still open (nothing).
  ASSERT_TRUE(h.store->add(make_batch("busy", "cat", 2, kT)));
  ASSERT_TRUE(h.store->add(make_batch("busy", "cat", 3, kT)));
  EXPECT_TRUE(h.store->commit_due(kT).value().empty());

  // The same by bytes.
  Harness by_bytes;
  auto probe = make_batch("busy", "cat", 1, kT);
  by_bytes.options.roll_host_batches = 0;
  by_bytes.options.roll_host_bytes = probe.payload.size() + 1;  // a second batch crosses it
  by_bytes.clock.now = kT;
  by_bytes.open();
  ASSERT_TRUE(by_bytes.store->add(make_batch("busy", "cat", 1, kT)));
  EXPECT_TRUE(by_bytes.store->commit_due(kT).value().empty());
  ASSERT_TRUE(by_bytes.store->add(make_batch("busy", "cat", 2, kT)));
  EXPECT_EQ(by_bytes.store->commit_due(kT).value().size(), 2u);
}

// Many hosts, none busy, fill a broker's forward window together: once the open files
// hold roll_pending_batches in all, every open file commits.
TEST(BucketStoreTest, RollsEveryOpenFileWhenEnoughWaitsInAll) {
  Harness h;
  h.options.roll_host_batches = 0;
  h.options.roll_pending_batches = 4;
  h.clock.now = kT;
  h.open();
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(
        h.store->add(make_batch("h" + std::to_string(i), "cat" + std::to_string(i % 2), 1, kT)));
  }
  EXPECT_TRUE(h.store->commit_due(kT).value().empty());
  ASSERT_TRUE(h.store->add(make_batch("h4", "cat0", 1, kT)));
  EXPECT_EQ(h.store->commit_due(kT).value().size(), 4u);
  EXPECT_EQ(h.store->open_files(), 0u);
  // Counting starts again from zero.
  for (int i = 5; i <= 7; ++i)
    ASSERT_TRUE(h.store->add(make_batch("h" + std::to_string(i), "cat0", 1, kT)));
  EXPECT_TRUE(h.store->commit_due(kT).value().empty());
  EXPECT_EQ(h.store->open_files(), 1u);
}

TEST(BucketStoreTest, TooManyOpenFilesCommitsTheOldest) {
  Harness h;
  h.options.max_open_files = 2;
  h.open();
  for (int i = 0; i < 3; ++i) {
    h.clock.now = kT + i;
    ASSERT_TRUE(h.store->add(make_batch("h1", "cat" + std::to_string(i), 1, kT)));
  }
  auto ids = h.store->commit_due(kT + 3);
  ASSERT_TRUE(ids);
  ASSERT_EQ(ids.value().size(), 1u);
  EXPECT_EQ(ids.value()[0].category, "cat0");
}

TEST(BucketStoreTest, RefusesSealedAndCorruptBatchesAndStaysUsable) {
  Harness h;
  h.open();
  auto sealed = make_batch("h1", "cat", 1, kT);
  sealed.header.flags = batch::kFlagSealed;  // a valid sealed header, never opened
  sealed.header.key_id = 1;
  EXPECT_EQ(h.store->add(sealed).error(), std::error_code(Errc::kSealedPayload));
  auto corrupt = make_batch("h1", "cat", 2, kT);
  corrupt.payload[0] ^= 1;
  EXPECT_EQ(h.store->add(corrupt).error(), std::error_code(Errc::kBadBatch));
  EXPECT_EQ(h.store->add(make_batch("h1", "cat", 3, kT)).value(), AddOutcome::kAccepted);
  EXPECT_TRUE(h.store->commit_all());
}

// --- Recovery from states built by hand: each intermediate state of the protocol.

struct Built {
  FileRecord rec;
  std::vector<wire::BatchFrame> batches;
};

// Writes a temp file holding `seqs` and a record in `state`; with `renamed`, the file
// sits at its final name instead.
Built build_state(Harness& h, uint64_t number, std::vector<uint64_t> seqs, FileState state,
                  bool renamed) {
  Built b;
  b.rec.number = number;
  b.rec.state = state;
  b.rec.bucket = {"cat", kHour0, BucketKind::kNormal, 0};
  std::string dir = bucket_dir(b.rec.bucket);
  b.rec.temp_path = dir + "/" + temp_name("c1", number, false);
  b.rec.final_path = dir + "/" + part_name("c1", number, false);
  std::string content;
  for (uint64_t seq : seqs) {
    b.batches.push_back(make_batch("h1", "cat", seq, kT));
    content += b.batches.back().payload;
    b.rec.batches.push_back({"h1", seq, b.batches.back().header.event_count});
  }
  b.rec.bytes = content.size();
  testing::write_file(h.root() + "/" + (renamed ? b.rec.final_path : b.rec.temp_path), content);
  auto m = CommitManifest::open(*h.db);
  EXPECT_TRUE(m);
  EXPECT_TRUE(m.value()->put_unfinished(b.rec));
  return b;
}

TEST(BucketStoreRecoveryTest, EveryIntermediateStateEndsExactlyOnce) {
  Harness h;
  h.open();
  h.close();
  {
    std::string why;
    h.db = storage::RocksStore::open(
               {.path = h.dir() + "/db", .column_families = BucketStore::column_families()}, why)
               .value();
  }
  // (1) open record, temp partly written: discarded.
  auto open_state = build_state(h, 1, {1, 2}, FileState::kOpen, false);
  // (2) prepared, temp complete: rolled forward.
  auto prepared_temp = build_state(h, 2, {3, 4}, FileState::kPrepared, false);
  // (3) prepared, already renamed: commit record completed.
  auto prepared_final = build_state(h, 3, {5}, FileState::kPrepared, true);
  // (4) a stray temp of ours nobody recorded cannot arise (the open record comes first);
  //     a prepared record whose temp vanished is dropped (its batches were never acked).
  auto lost = build_state(h, 4, {6}, FileState::kPrepared, false);
  std::filesystem::remove(h.root() + "/" + lost.rec.temp_path);
  h.db.reset();

  h.open();
  const auto& r = h.store->recovery();
  EXPECT_EQ(r.discarded_open, 1u);
  EXPECT_EQ(r.rolled_forward, 1u);
  EXPECT_EQ(r.completed, 1u);
  EXPECT_EQ(r.lost_prepared, 1u);
  for (uint64_t seq : {3, 4, 5})
    EXPECT_EQ(h.store->add(make_batch("h1", "cat", seq, kT)).value(),
              AddOutcome::kAlreadyCommitted);
  for (uint64_t seq : {1, 2, 6})
    EXPECT_EQ(h.store->add(make_batch("h1", "cat", seq, kT)).value(), AddOutcome::kAccepted);
  ASSERT_TRUE(h.store->commit_all());

  std::vector<wire::BatchFrame> all;
  for (uint64_t seq = 1; seq <= 6; ++seq) all.push_back(make_batch("h1", "cat", seq, kT));
  EXPECT_EQ(output_lines(h.root()), expected_once(all));
  for (const auto& [path, c] : all_files(h.root())) {
    EXPECT_EQ(path.find(".tmp"), std::string::npos) << path;
  }
  // Counts reached the tracker exactly once, recovered files included.
  EXPECT_EQ(h.tracker->hour_record("cat", kHour0)->hosts.at("h1").batches, 6u);
  EXPECT_EQ(h.tracker->stream("h1", "cat")->contiguous_seq, 6u);
  // A second recovery finds nothing to do.
  h.reopen();
  EXPECT_EQ(h.store->recovery().rolled_forward + h.store->recovery().discarded_open, 0u);
}

size_t index_entries(Harness& h) {
  size_t n = 0;
  EXPECT_TRUE(h.db->scan(h.db->cf(CommitManifest::kCommittedCf), "",
                         [&](std::string_view, std::string_view) {
                           ++n;
                           return true;
                         }));
  return n;
}

// The committed index does not grow with every batch ever committed: seqs below a
// stream's contiguous committed prefix fold into a floor, and duplicates of them are
// still recognised, across a restart too.
TEST(BucketStoreTest, CommittedIndexFoldsIntoPerStreamFloors) {
  Harness h;
  h.open();
  for (uint64_t seq : {1, 2, 3, 4, 6}) ASSERT_TRUE(h.store->add(make_batch("h1", "cat", seq, kT)));
  ASSERT_TRUE(h.store->add(make_batch("h2", "cat", 1, kT)));
  ASSERT_TRUE(h.store->add(make_batch("h1", "cat", 1, kT, 3, /*replay_id=*/7)));
  ASSERT_TRUE(h.store->commit_all());
  EXPECT_EQ(index_entries(h), 7u);

  auto raised = h.store->compact_committed_index();
  ASSERT_TRUE(raised) << raised.error().message();
  EXPECT_EQ(raised.value(), 2u);  // h1/cat to 4, h2/cat to 1; replays keep their entries
  EXPECT_EQ(h.store->manifest().floor({"h1", "cat", 0, 0}).value(), 4u);
  EXPECT_EQ(index_entries(h), 2u);  // h1 seq 6 (beyond the gap) and the replay
  EXPECT_EQ(h.store->compact_committed_index().value(), 0u);  // nothing new

  h.reopen();
  EXPECT_EQ(h.store->manifest().floor({"h1", "cat", 0, 0}).value(), 4u);
  for (uint64_t seq : {1, 4, 6})
    EXPECT_EQ(h.store->add(make_batch("h1", "cat", seq, kT)).value(), AddOutcome::kAlreadyCommitted)
        << seq;
  EXPECT_EQ(h.store->add(make_batch("h2", "cat", 1, kT)).value(), AddOutcome::kAlreadyCommitted);
  EXPECT_EQ(h.store->add(make_batch("h1", "cat", 1, kT, 3, 7)).value(),
            AddOutcome::kAlreadyCommitted);
  EXPECT_EQ(h.store->add(make_batch("h1", "cat", 5, kT)).value(), AddOutcome::kAccepted);
  EXPECT_EQ(h.store->add(make_batch("h1", "cat", 1, kT, 3, 8)).value(),
            AddOutcome::kAccepted);  // another replay
  ASSERT_TRUE(h.store->commit_all());
  ASSERT_TRUE(h.store->compact_committed_index());
  EXPECT_EQ(h.store->manifest().floor({"h1", "cat", 0, 0}).value(), 6u);
  EXPECT_EQ(index_entries(h), 2u);  // the two replays
  // Every line once in the output.
  for (const auto& [line, count] : output_lines(h.root())) EXPECT_EQ(count, 1) << line;
}

// Agents number their streams within an incarnation (never 0 since agent states have
// one): the floor belongs to that incarnation's stream, so its index entries fold too,
// and an older incarnation's seqs are not taken for committed.
TEST(BucketStoreTest, FloorsFoldTheStreamsOwnIncarnation) {
  Harness h;
  h.open();
  auto batch = [](uint64_t seq, uint64_t incarnation) {
    auto b = make_batch("h1", "cat", seq, kT);
    b.header.incarnation = incarnation;
    return b;
  };
  for (uint64_t seq : {1, 2, 3}) ASSERT_TRUE(h.store->add(batch(seq, 7)));
  ASSERT_TRUE(h.store->commit_all());
  ASSERT_EQ(h.store->compact_committed_index().value(), 1u);
  EXPECT_EQ(h.store->manifest().floor({"h1", "cat", 0, 0, 7}).value(), 3u);
  EXPECT_EQ(h.store->manifest().floor({"h1", "cat", 0, 0, 0}).value(), 0u);
  EXPECT_EQ(index_entries(h), 0u);
  EXPECT_EQ(h.store->add(batch(2, 7)).value(), AddOutcome::kAlreadyCommitted);
  EXPECT_EQ(h.store->add(batch(2, 0)).value(), AddOutcome::kAccepted);
}

TEST(BatchIdTest, KeyRoundTripsAndRejectsGarbage) {
  BatchId id{"host-1", "song_completion", 42, 7};
  auto back = parse_batch_id_key(batch_id_key(id));
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value(), id);
  EXPECT_FALSE(parse_batch_id_key(""));
  EXPECT_FALSE(parse_batch_id_key(batch_id_key(id).substr(0, 10)));
  EXPECT_FALSE(parse_batch_id_key(batch_id_key(id) + "x"));
}

}  // namespace
}  // namespace ferry::consumer::store::test
