// Retention by bytes, the persisted expiry mark replays report missing ranges from, and
// replay jobs' durable state (BatchStore "replays", broker/replay_job.h).

#include <gtest/gtest.h>

#include "broker/replay_job.h"
#include "broker/store/batch_store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/broker/test_batches.h"

namespace ferry::broker::store {
namespace {

using testing::kHour0;
using testing::make_frame;
using testing::open_store;

TEST(ReplayStateStoreTest, RetentionBytesDropsTheOldestFirstAndTheMarkSurvivesReopen) {
  ::ferry::testing::TempDir dir;
  const TimeMs t0 = kHour0 + 10 * kMsPerHour;
  uint64_t one = 0;
  {
    auto store = open_store(dir.file("db"));
    for (uint64_t seq = 1; seq <= 4; ++seq) ASSERT_TRUE(store->store(make_frame("h1", "cat", seq)));
    for (uint64_t seq = 1; seq <= 4; ++seq)
      ASSERT_TRUE(store->mark_committed({{"h1", "cat", seq, seq}}, t0 + seq));
    one = store->totals().retained_bytes / 4;
    EXPECT_EQ(store->expired_through_ms(), 0);
    EXPECT_EQ(store->expire_retained(t0 + 10).value(), 0u)
        << "nothing is old and there is no byte cap";
  }
  BatchStoreOptions capped;
  capped.retention_bytes = 2 * one;
  auto store = open_store(dir.file("db"), capped);
  EXPECT_EQ(store->expire_retained(t0 + 10).value(), 2u);
  EXPECT_EQ(store->state("h1", "cat", 0, 2).value(), BatchState::kUnknown);
  EXPECT_EQ(store->state("h1", "cat", 0, 3).value(), BatchState::kRetained);
  EXPECT_EQ(store->totals().retained_bytes, 2 * one);
  EXPECT_EQ(store->expired_through_ms(), t0 + 2);
  EXPECT_EQ(store->oldest_retained_ms().value(), t0 + 3);
  store.reset();
  store = open_store(dir.file("db"), capped);
  EXPECT_EQ(store->expired_through_ms(), t0 + 2) << "the mark is durable";
}

TEST(ReplayStateStoreTest, JobStateRoundTripsThroughTheStore) {
  ::ferry::testing::TempDir dir;
  auto store = open_store(dir.file("db"));
  ReplayJobState s;
  s.request = wire::ReplayRequest{
      77, wire::ReplayAction::kStart, 1000, 5000, 1u << 20, {"h1"}, {"cat", "other"}};
  s.state = wire::ReplayState::kDone;
  s.committed_cursor = std::string(
                           "\x02h1\x03"
                           "cat",
                           6) +
                       std::string(16, '\0');
  s.counts[{"h1", "cat"}] = {"h1", "cat", 3, 42};
  s.missing = {{"", "", 1000, 2000, "expired"}};
  ASSERT_TRUE(store->put_replay_job(77, encode_replay_job(s)));
  auto back = store->get_replay_job(77);
  ASSERT_TRUE(back && back.value());
  auto decoded = decode_replay_job(*back.value());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded.value(), s);
  EXPECT_FALSE(store->get_replay_job(78).value());
  EXPECT_FALSE(decode_replay_job(back.value()->substr(0, back.value()->size() - 1))) << "truncated";
  EXPECT_FALSE(decode_replay_job("\x09")) << "unknown version";
}

}  // namespace
}  // namespace ferry::broker::store
