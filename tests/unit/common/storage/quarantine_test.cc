#include "common/storage/quarantine.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "tests/support/hostile_peer.h"
#include "tests/support/temp_dir.h"

namespace ferry::storage {
namespace {

TEST(QuarantineTest, KeepsFramesAndReasonsAndCountsThemAgainOnOpen) {
  testing::TempDir dir;
  {
    auto q = Quarantine::open(dir.file("q"));
    ASSERT_TRUE(q);
    ASSERT_TRUE(q.value()->put(testing::one_line_batch("h1", 3), "b1: bad"));
    EXPECT_EQ(q.value()->batches(), 1u);
  }
  auto listed = Quarantine::list(dir.file("q"));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed.value().size(), 1u);
  EXPECT_EQ(listed.value()[0].name, "h1.events.0.3");
  EXPECT_EQ(listed.value()[0].reason, "b1: bad");
  EXPECT_GT(listed.value()[0].bytes, 0u);
  auto again = Quarantine::open(dir.file("q"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again.value()->batches(), 1u);
}

// A hostile sender cannot fill the disk through the quarantine.
TEST(QuarantineTest, PastItsBoundOnlyTheReasonIsKept) {
  testing::TempDir dir;
  auto q =
      Quarantine::open(dir.file("q"), QuarantineLimits{.max_batches = 2, .max_bytes = 1u << 20});
  ASSERT_TRUE(q);
  for (uint64_t seq = 1; seq <= 4; ++seq)
    ASSERT_TRUE(q.value()->put(testing::one_line_batch("h1", seq), "bad"));
  EXPECT_EQ(q.value()->batches(), 4u);
  EXPECT_EQ(q.value()->dropped_frames(), 2u);
  EXPECT_TRUE(std::filesystem::exists(dir.file("q/h1.events.0.2.batch")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("q/h1.events.0.3.batch")));
  auto listed = Quarantine::list(dir.file("q"));
  ASSERT_TRUE(listed);
  EXPECT_NE(listed.value()[3].reason.find("not kept"), std::string::npos);
}

}  // namespace
}  // namespace ferry::storage
