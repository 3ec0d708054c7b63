#include "broker/store/batch_id.h"

#include <gtest/gtest.h>

namespace ferry::broker::store {
namespace {

TEST(BatchIdTest, KeyRoundTrips) {
  BatchId id{"host-1", "song_completion", 42};
  auto back = batch_id_from_key(key_of(id));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, id);
  EXPECT_FALSE(batch_id_from_key("junk"));
}

TEST(BatchIdTest, MergesConsecutiveSeqsPerStream) {
  std::vector<BatchId> ids = {{"b", "c", 1}, {"a", "c", 3}, {"a", "c", 1},
                              {"a", "c", 2}, {"a", "d", 4}, {"a", "c", 2}};
  EXPECT_EQ(to_ack_ranges(ids),
            (std::vector<wire::AckRange>{{"a", "c", 1, 3}, {"a", "d", 4, 4}, {"b", "c", 1, 1}}));
}

}  // namespace
}  // namespace ferry::broker::store
