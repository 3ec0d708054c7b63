#include "common/batch/batch_id.h"

#include <gtest/gtest.h>

namespace ferry::batch {
namespace {

BatchId id(std::string host, uint64_t seq, uint64_t incarnation, uint64_t replay = 0) {
  return BatchId{std::move(host), "cat", seq, replay, incarnation};
}

TEST(BatchIdTest, FoldsRunsPerStreamIncarnationAndReplay) {
  auto ranges =
      fold_ranges({id("h", 3, 1), id("h", 1, 1), id("h", 2, 1), id("h", 2, 2), id("h", 3, 2),
                   id("h", 4, 1, 9), id("h", 5, 1, 9), id("h", 7, 1), id("g", 1, 1)});
  std::vector<IdRange> expect = {
      {wire::AckRange{"g", "cat", 1, 1, 1}, 0}, {wire::AckRange{"h", "cat", 1, 3, 1}, 0},
      {wire::AckRange{"h", "cat", 7, 7, 1}, 0},  // a gap starts a new run
      {wire::AckRange{"h", "cat", 4, 5, 1}, 9},  // a replay folds apart from live seqs
      {wire::AckRange{"h", "cat", 2, 3, 2}, 0},  // another incarnation is another stream
  };
  EXPECT_EQ(ranges, expect);
}

TEST(BatchIdTest, AckRangesAreTheFoldedRuns) {
  auto ranges = to_ack_ranges({id("h", 2, 5), id("h", 1, 5), id("h", 1, 5)});
  ASSERT_EQ(ranges.size(), 1u) << "a duplicate id folds into its run";
  EXPECT_EQ(ranges[0], (wire::AckRange{"h", "cat", 1, 2, 5}));
}

}  // namespace
}  // namespace ferry::batch
