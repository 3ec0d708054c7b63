#include "consumer/store/hour_tracker.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "consumer/store/bucket_path.h"
#include "tests/unit/consumer/store/store_harness.h"

namespace ferry::consumer::store::test {
namespace {

const TimeMs kEnd = kHour0 + kMsPerHour;

class HourTrackerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h.clock.now = kHour0 + 60'000;
    h.tracker_options.silent_timeout_ms = 90 * 60'000;
    h.open();
  }
  void commit(const std::string& host, uint64_t seq, TimeMs t = kHour0 + 1000, int events = 3,
              uint64_t incarnation = 0) {
    auto b = make_batch(host, "cat", seq, t, events);
    b.header.incarnation = incarnation;
    ASSERT_TRUE(h.store->add(b));
    ASSERT_TRUE(h.store->commit_all());
  }
  void watermark(const std::string& host, uint64_t seq, TimeMs t, uint64_t incarnation = 0) {
    ASSERT_TRUE(h.tracker->on_watermark({host, "cat", seq, t, incarnation}));
  }
  std::vector<CompletedHour> evaluate(TimeMs now) {
    h.clock.now = now;
    auto r = h.tracker->evaluate(now);
    EXPECT_TRUE(r) << r.error().message();
    return r ? r.value() : std::vector<CompletedHour>{};
  }
  std::string success_path(TimeMs hour) const {
    return h.root() + "/" + hour_dir("cat", hour) + "/_SUCCESS";
  }
  Harness h;
};

TEST_F(HourTrackerTest, WatermarkCountsOnlyOnceItsSeqsAreContiguous) {
  commit("h1", 1);
  commit("h1", 3);
  watermark("h1", 3, kEnd);
  EXPECT_EQ(h.tracker->stream("h1", "cat")->contiguous_seq, 1u);
  EXPECT_EQ(h.tracker->stream("h1", "cat")->watermark_ms, 0);
  EXPECT_TRUE(evaluate(kEnd + 1).empty());
  commit("h1", 2);  // fills the gap: seq 3's watermark now counts
  EXPECT_EQ(h.tracker->stream("h1", "cat")->contiguous_seq, 3u);
  EXPECT_EQ(h.tracker->stream("h1", "cat")->watermark_ms, kEnd);
  EXPECT_EQ(evaluate(kEnd + 1), (std::vector<CompletedHour>{{"cat", kHour0}}));
}

// A host whose agent state was wiped: the old incarnation left a gap (seq 2 never came)
// and a watermark waiting on it; the new incarnation starts at seq 1 and its watermark
// alone decides, while a late word from the old state moves nothing.
TEST_F(HourTrackerTest, ANewIncarnationSupersedesTheOldOnesGapsAndWatermarks) {
  commit("h1", 1, kHour0 + 1000, 3, 5);
  commit("h1", 3, kHour0 + 2000, 3, 5);
  watermark("h1", 3, kEnd, 5);
  EXPECT_TRUE(evaluate(kEnd + 1000).empty());

  commit("h1", 1, kHour0 + 3000, 3, 9);
  watermark("h1", 1, kEnd + 10, 9);
  watermark("h1", 3, kEnd + 99'000, 5);  // the superseded state's late word
  EXPECT_EQ(h.tracker->stream("h1", "cat")->incarnation, 9u);
  EXPECT_EQ(h.tracker->stream("h1", "cat")->watermark_ms, kEnd + 10);
  auto done = evaluate(kEnd + 2000);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].hour, kHour0);

  commit("h1", 2, kHour0 + 4000, 3, 5);  // an old batch still in flight is kept, never dedup'd
  EXPECT_EQ(h.tracker->stream("h1", "cat")->contiguous_seq, 1u);
}

// 40,000 WATERMARKs naming made-up categories once grew the stream table (and its
// database) for good: a watermark now moves only a stream that has a committed batch.
TEST_F(HourTrackerTest, WatermarksOfStreamsWithoutACommitGrowNothing) {
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(h.tracker->on_watermark({"h1", "made-up-" + std::to_string(i), 1, kEnd}));
  }
  EXPECT_EQ(h.tracker->stream("h1", "made-up-7"), nullptr);
  EXPECT_EQ(h.tracker->ignored_watermarks(), 2000u);
  commit("h1", 1);
  watermark("h1", 1, kEnd);
  EXPECT_EQ(h.tracker->stream("h1", "cat")->watermark_ms, kEnd);
}

// Streams that went quiet (hosts that left, categories a host named once) leave memory
// after idle_stream_ms instead of growing the tables for good. One that comes back goes
// on where it stopped: its old seqs are still duplicates, its new ones follow them, and
// its hours complete with the counts they had.
TEST_F(HourTrackerTest, IdleStreamsLeaveMemoryAndComeBackWhereTheyStopped) {
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(h.store->add(make_batch("h1", "quiet-" + std::to_string(i), 1, kHour0 + 1000)));
  }
  commit("h2", 1);
  ASSERT_TRUE(h.store->compact_committed_index());
  EXPECT_EQ(h.tracker->streams().size(), 301u);
  EXPECT_EQ(h.tracker->categories_in_memory(), 301u);
  EXPECT_EQ(h.store->manifest().floors_in_memory(), 301u);

  h.clock.now = kHour0 + 23 * kMsPerHour;
  EXPECT_EQ(h.store->expire_idle_streams(h.clock.now), 0u);
  const TimeMs later = kHour0 + 25 * kMsPerHour;  // only h2 spoke meanwhile
  h.clock.now = later;
  watermark("h2", 1, later);
  EXPECT_EQ(h.store->expire_idle_streams(later), 300u);
  EXPECT_EQ(h.tracker->streams().size(), 1u);
  EXPECT_EQ(h.tracker->categories_in_memory(), 1u);
  EXPECT_EQ(h.store->manifest().floors_in_memory(), 1u);

  ASSERT_TRUE(h.tracker->on_watermark({"h1", "quiet-7", 1, later}));  // moves nothing while gone
  EXPECT_EQ(h.tracker->stream("h1", "quiet-7"), nullptr);
  EXPECT_EQ(h.store->add(make_batch("h1", "quiet-7", 1, kHour0 + 1000)).value(),
            AddOutcome::kAlreadyCommitted);
  EXPECT_EQ(h.store->add(make_batch("h1", "quiet-7", 2, later)).value(), AddOutcome::kAccepted);
  ASSERT_TRUE(h.store->commit_all());
  ASSERT_NE(h.tracker->stream("h1", "quiet-7"), nullptr);
  EXPECT_EQ(h.tracker->stream("h1", "quiet-7")->contiguous_seq, 2u);
  const TimeMs end = hour_start(later) + kMsPerHour;
  ASSERT_TRUE(h.tracker->on_watermark({"h1", "quiet-7", 2, end}));
  auto done = evaluate(end + 1);
  EXPECT_EQ(std::count_if(done.begin(), done.end(),
                          [](const auto& d) { return d.category == "quiet-7"; }),
            26);
  auto first = nlohmann::json::parse(
      testing::read_file(h.root() + "/" + hour_dir("quiet-7", kHour0) + "/_SUCCESS"));
  EXPECT_EQ(first["hosts"]["h1"]["events"], 3);
  EXPECT_FALSE(std::filesystem::exists(h.root() + "/" + hour_dir("quiet-8", kHour0) + "/_SUCCESS"));

  // A restart loads only what is not idle.
  h.reopen();
  EXPECT_EQ(h.tracker->streams().size(), 2u);
  EXPECT_EQ(h.tracker->categories_in_memory(), 2u);
  EXPECT_TRUE(h.tracker->is_complete("quiet-7", kHour0));
  EXPECT_EQ(h.store->add(make_batch("h1", "quiet-8", 1, kHour0 + 1000)).value(),
            AddOutcome::kAlreadyCommitted);
}

TEST_F(HourTrackerTest, IdleHostsWatermarkCompletesTheHourAndWritesSuccess) {
  commit("h1", 1, kHour0 + 1000, 4);
  commit("h1", 2, kHour0 + 2000, 1);
  commit("h2", 1, kHour0 + 3000, 2);
  watermark("h1", 2, kEnd + 5);
  EXPECT_TRUE(evaluate(kEnd + 10).empty()) << "h2 has not passed the hour";
  EXPECT_TRUE(h.tracker->evaluate(kEnd + 10).value().empty());
  // h2 is idle: no new batch, its watermark advances with its clock.
  watermark("h2", 1, kEnd + 7);
  EXPECT_EQ(evaluate(kEnd + 10).size(), 1u);
  EXPECT_TRUE(h.tracker->is_complete("cat", kHour0));
  EXPECT_FALSE(h.tracker->is_complete("cat", kEnd));
  auto j = nlohmann::json::parse(testing::read_file(success_path(kHour0)));
  EXPECT_EQ(j["category"], "cat");
  EXPECT_EQ(j["hour"], "2023-11-14T22:00:00Z");
  EXPECT_EQ(j["hosts"]["h1"]["events"], 5);
  EXPECT_EQ(j["hosts"]["h1"]["batches"], 2);
  EXPECT_EQ(j["hosts"]["h2"]["events"], 2);
  EXPECT_EQ(j["hosts"]["h2"]["batches"], 1);
  EXPECT_EQ(j["events"], 7);
  EXPECT_EQ(j["batches"], 3);
}

TEST_F(HourTrackerTest, SilentHostBlocksUntilItsTimeout) {
  commit("h1", 1);
  commit("h2", 1);
  watermark("h1", 1, kEnd + 1);
  // h2 says nothing more: expected until silent for silent_timeout_ms.
  EXPECT_TRUE(evaluate(kEnd + 1).empty());
  auto snap = h.tracker->snapshot(kEnd + 1);
  auto hour = snap["categories"]["cat"]["hours"][0];
  EXPECT_EQ(hour["complete"], false);
  ASSERT_EQ(hour["waiting_on"].size(), 1u);
  EXPECT_EQ(hour["waiting_on"][0]["host"], "h2");
  // Past the timeout h2 is gone, as long as h1 keeps talking.
  TimeMs later = kHour0 + 60'000 + h.tracker_options.silent_timeout_ms + 1;
  h.clock.now = later;
  watermark("h1", 1, later);
  EXPECT_EQ(evaluate(later).size(), 1u);
}

TEST_F(HourTrackerTest, ForgetHostUnblocksUntilTheHostSpeaksAgain) {
  commit("h1", 1);
  commit("h2", 1);
  watermark("h1", 1, kEnd + kMsPerHour + 1);
  h.clock.now = kEnd + 1;
  EXPECT_TRUE(evaluate(kEnd + 1).empty());
  ASSERT_TRUE(h.tracker->forget_host("h2"));
  EXPECT_EQ(h.tracker->expected_hosts("cat", kEnd + 1), std::vector<std::string>{"h1"});
  EXPECT_EQ(evaluate(kEnd + 1).size(), 1u);
  // h2 comes back: expected again, and holds the next hour.
  h.clock.now = kEnd + 2;
  watermark("h2", 1, kEnd + 2);
  EXPECT_EQ(h.tracker->expected_hosts("cat", kEnd + 2).size(), 2u);
  EXPECT_TRUE(evaluate(kEnd + kMsPerHour + 1).empty());
}

TEST_F(HourTrackerTest, LateBatchesGoToLateAndAreCounted) {
  commit("h1", 1);
  watermark("h1", 1, kEnd);
  ASSERT_EQ(evaluate(kEnd + 1).size(), 1u);
  // A batch of the completed hour from a host nobody expected.
  commit("h9", 1, kHour0 + 5, 4);
  auto files = all_files(h.root());
  EXPECT_EQ(files.count("cat/2023-11-14/22/late/part-c1-2.log.zst"), 1u);
  EXPECT_EQ(h.tracker->hour_record("cat", kHour0)->late_events, 4u);
  EXPECT_EQ(h.tracker->hour_record("cat", kHour0)->late_batches, 1u);
  auto hour = h.tracker->snapshot(kEnd + 1)["categories"]["cat"]["hours"][0];
  EXPECT_EQ(hour["complete"], true);
  EXPECT_EQ(hour["late_events"], 4);
  EXPECT_EQ(hour["events"], 3);
  // _SUCCESS still describes the on-time content only.
  auto j = nlohmann::json::parse(testing::read_file(success_path(kHour0)));
  EXPECT_EQ(j["events"], 3);
}

TEST_F(HourTrackerTest, FileOpenWhenItsHourCompletesIsCommittedToLate) {
  commit("h1", 1);
  ASSERT_TRUE(h.store->add(make_batch("h9", "cat", 1, kHour0 + 5)));  // open, on time
  watermark("h1", 1, kEnd);
  ASSERT_EQ(evaluate(kEnd + 1).size(), 1u);
  ASSERT_TRUE(h.store->commit_all());
  EXPECT_EQ(all_files(h.root()).count("cat/2023-11-14/22/late/part-c1-2.log.zst"), 1u);
  EXPECT_EQ(h.tracker->hour_record("cat", kHour0)->late_batches, 1u);
}

TEST_F(HourTrackerTest, StateSurvivesRestart) {
  commit("h1", 1);
  commit("h1", 3);
  watermark("h1", 3, kEnd);
  commit("h2", 1);
  watermark("h2", 1, kEnd);
  h.reopen();
  EXPECT_EQ(h.tracker->stream("h1", "cat")->contiguous_seq, 1u);
  commit("h1", 2);
  EXPECT_EQ(h.tracker->stream("h1", "cat")->watermark_ms, kEnd);
  ASSERT_EQ(evaluate(kEnd + 1).size(), 1u);
  h.reopen();
  EXPECT_TRUE(h.tracker->is_complete("cat", kHour0));
  EXPECT_EQ(h.tracker->hour_record("cat", kHour0)->hosts.at("h1").batches, 3u);
  EXPECT_TRUE(evaluate(kEnd + 2).empty());
}

TEST_F(HourTrackerTest, EmptyHoursCompleteInOrder) {
  commit("h1", 1);
  h.clock.now = kHour0 + 3 * kMsPerHour;
  watermark("h1", 1, kHour0 + 3 * kMsPerHour);
  auto done = evaluate(kHour0 + 3 * kMsPerHour);
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(done[2].hour, kHour0 + 2 * kMsPerHour);
  auto j = nlohmann::json::parse(testing::read_file(success_path(kHour0 + kMsPerHour)));
  EXPECT_EQ(j["events"], 0);
  EXPECT_EQ(j["hosts"]["h1"]["events"], 0);
}

TEST_F(HourTrackerTest, ReplayBatchesDoNotMoveLiveStreams) {
  ASSERT_TRUE(h.store->add(make_batch("h1", "cat", 1, kHour0 + 5, 3, 9)));
  ASSERT_TRUE(h.store->commit_all());
  EXPECT_EQ(h.tracker->stream("h1", "cat"), nullptr);
}

}  // namespace
}  // namespace ferry::consumer::store::test
