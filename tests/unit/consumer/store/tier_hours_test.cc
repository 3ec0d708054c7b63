// Hour completeness decided by two consumers' stores over one output (a coordinated
// consumer tier, consumer/store/tier_hours.h): each publishes its streams' progress, the
// hour completes once every stream passed it whichever consumer wrote it, and only the
// consumer that writes the hour's marker slot writes _SUCCESS.

#include "consumer/store/tier_hours.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "consumer/store/bucket_path.h"
#include "tests/unit/consumer/store/store_harness.h"

namespace ferry::consumer::store::test {
namespace {

const TimeMs kT = kHour0 + 13 * 60'000;
const TimeMs kEnd = kHour0 + kMsPerHour;

struct Tier {
  Harness a, b;
  std::unique_ptr<TierHours> ta, tb;
  Tier() {
    a.options.consumer_id = "c1";
    a.options.fence_tag = "c1-100";
    b.options.consumer_id = "c2";
    b.options.fence_tag = "c2-200";
    b.shared_root = a.root();
    a.tracker_options.silent_timeout_ms = b.tracker_options.silent_timeout_ms = 90 * 60'000;
    a.open();
    b.open();
    // a writes every marker, b none.
    ta = std::make_unique<TierHours>(*a.sink, *a.tracker, "c1", "c1-100",
                                     [](uint32_t) { return true; });
    tb = std::make_unique<TierHours>(*b.sink, *b.tracker, "c2", "c2-200",
                                     [](uint32_t) { return false; });
  }
  void at(TimeMs now) { a.clock.now = b.clock.now = now; }
  static void commit(Harness& h, const std::string& host, uint64_t seq, int events = 3) {
    ASSERT_TRUE(h.store->add(make_batch(host, "cat", seq, kT, events)));
    ASSERT_TRUE(h.store->commit_all());
  }
  static void watermark(Harness& h, const std::string& host, uint64_t seq, TimeMs t) {
    ASSERT_TRUE(h.tracker->on_watermark({host, "cat", seq, t}));
  }
  // One round: b publishes, then a decides. The hours a wrote.
  std::vector<CompletedHour> round(TimeMs now) {
    at(now);
    auto rb = tb->evaluate(now);
    EXPECT_TRUE(rb) << rb.error().message();
    if (rb) {
      EXPECT_TRUE(rb.value().empty()) << "b writes no marker";
    }
    auto ra = ta->evaluate(now);
    EXPECT_TRUE(ra) << ra.error().message();
    return ra ? ra.value() : std::vector<CompletedHour>{};
  }
  std::string success() const { return a.root() + "/" + success_path("cat", kHour0); }
};

TEST(TierHoursTest, AnHourCompletesOnceEveryStreamPassedItOnWhicheverConsumer) {
  Tier t;
  t.at(kT);
  Tier::commit(t.a, "h1", 1, 4);
  Tier::commit(t.b, "h2", 1, 5);
  Tier::watermark(t.a, "h1", 1, kEnd);
  Tier::watermark(t.b, "h2", 1, kHour0 + 20 * 60'000);  // h2 is behind
  EXPECT_TRUE(t.round(kEnd + 1000).empty());
  EXPECT_FALSE(std::filesystem::exists(t.success())) << "a alone sees h1 pass the hour, not h2";
  EXPECT_FALSE(t.a.tracker->is_complete("cat", kHour0));

  Tier::watermark(t.b, "h2", 1, kEnd + 5);
  EXPECT_EQ(t.round(kEnd + 2000), (std::vector<CompletedHour>{{"cat", kHour0}}));
  auto manifest = nlohmann::json::parse(testing::read_file(t.success()));
  EXPECT_EQ(manifest["hosts"]["h1"]["events"], 4);
  EXPECT_EQ(manifest["hosts"]["h2"]["events"], 5);
  EXPECT_EQ(manifest["events"], 9);
  EXPECT_TRUE(t.a.tracker->is_complete("cat", kHour0));
  // b adopts it at its next round: its batches for the hour are late from now on.
  EXPECT_TRUE(t.round(kEnd + 3000).empty()) << "written once";
  EXPECT_TRUE(t.b.tracker->is_complete("cat", kHour0));
}

// b takes over h1 from a: it counts a's commits of h1 (read from a's commit manifests)
// for h1's watermark, so h1's hour completes with b's watermark.
TEST(TierHoursTest, ANewOwnerCountsTheSeqsItsPredecessorCommitted) {
  Tier t;
  t.at(kT);
  Tier::commit(t.a, "h1", 1);
  Tier::commit(t.a, "h1", 2);
  Tier::watermark(t.a, "h1", 2, kHour0 + 20 * 60'000);
  auto learnt = t.b.store->seed_from_shared_commits();
  ASSERT_TRUE(learnt) << learnt.error().message();
  EXPECT_EQ(learnt.value(), 2u);
  Tier::commit(t.b, "h1", 3);
  Tier::watermark(t.b, "h1", 3, kEnd);
  ASSERT_NE(t.b.tracker->stream("h1", "cat"), nullptr);
  EXPECT_EQ(t.b.tracker->stream("h1", "cat")->contiguous_seq, 3u);
  EXPECT_EQ(t.b.tracker->stream("h1", "cat")->watermark_ms, kEnd);
  EXPECT_EQ(t.round(kEnd + 1000), (std::vector<CompletedHour>{{"cat", kHour0}}));
  auto manifest = nlohmann::json::parse(testing::read_file(t.success()));
  EXPECT_EQ(manifest["hosts"]["h1"]["events"], 9) << "a's two batches and b's one";
}

// A progress file that cannot be read may hide the stream an hour waits for: nothing
// completes until it is fixed or removed.
TEST(TierHoursTest, AnUnreadableProgressFileHoldsEveryHour) {
  Tier t;
  t.at(kT);
  Tier::commit(t.a, "h1", 1);
  Tier::watermark(t.a, "h1", 1, kEnd);
  const std::string bad = t.a.root() + "/" + TierHours::kProgressDir + "/c9.json";
  std::filesystem::create_directories(std::filesystem::path(bad).parent_path());
  std::ofstream(bad) << "{\"consumer\":\"c9\",\"streams\":[{\"category\":\"../x\"";
  EXPECT_TRUE(t.round(kEnd + 1000).empty());
  EXPECT_FALSE(std::filesystem::exists(t.success()));
  std::filesystem::remove(bad);
  EXPECT_EQ(t.round(kEnd + 2000).size(), 1u);
}

TEST(TierHoursTest, AProgressFileNamingAPathIsRefused) {
  TierProgress p;
  std::string why;
  const std::string text =
      R"({"consumer":"c9","written_ms":1,"streams":[{"category":"../../etc","host":"h1",)"
      R"("wm":1,"contact":1,"produced":1}],"categories":{},"hours":[],"forgotten":{}})";
  EXPECT_FALSE(p.merge(text, why));
  EXPECT_NE(why.find("invalid stream name"), std::string::npos) << why;
  EXPECT_TRUE(p.streams.empty());
}

}  // namespace
}  // namespace ferry::consumer::store::test
