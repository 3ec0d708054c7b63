#include "broker/store/disk_budget.h"

#include <gtest/gtest.h>

#include "common/storage/errc.h"

namespace ferry::broker::store {
namespace {

TEST(DiskBudgetTest, OverBudgetFollowsMeasuredUsage) {
  uint64_t used = 100;
  DiskBudget budget(150, [&] { return used; });
  EXPECT_FALSE(budget.over_budget());
  used = 150;
  EXPECT_FALSE(budget.over_budget());  // not sampled yet
  budget.refresh();
  EXPECT_TRUE(budget.over_budget());
  used = 10;
  budget.refresh();
  EXPECT_FALSE(budget.over_budget());
}

TEST(DiskBudgetTest, NoSpaceRaisesTheLatchUntilAWriteSucceeds) {
  uint64_t used = 1000;
  DiskBudget budget(0, [&] { return used; });
  EXPECT_TRUE(budget.on_write(storage::Errc::kNoSpace)) << "newly raised: the store says so once";
  EXPECT_TRUE(budget.over_budget());
  EXPECT_TRUE(budget.out_of_space());
  EXPECT_FALSE(budget.on_write(storage::Errc::kNoSpace)) << "already raised";
  EXPECT_FALSE(budget.on_write(storage::Errc::kIo));  // other errors leave it as it is
  EXPECT_TRUE(budget.out_of_space());
  EXPECT_FALSE(budget.on_write({}));
  EXPECT_FALSE(budget.out_of_space());
  EXPECT_FALSE(budget.over_budget());
}

TEST(DiskBudgetTest, FreedSpaceAloneDoesNotLiftTheLatch) {
  // RocksDB takes no write after a failed WAL append until it resumes: only the store's
  // probe write, succeeding, may lift the latch, not a drop in usage.
  uint64_t used = 1000;
  DiskBudget budget(0, [&] { return used; });
  budget.on_write(storage::Errc::kNoSpace);
  used = 100;
  budget.refresh();
  EXPECT_TRUE(budget.out_of_space());
  EXPECT_TRUE(budget.over_budget());
}

TEST(DiskBudgetTest, FreeSpaceBelowTheReserveStopsIngestBeforeTheDiskFills) {
  uint64_t used = 10, free = 1000;
  DiskBudget budget(0, [&] { return used; });
  budget.set_reserve(500, [&] { return free; });
  EXPECT_FALSE(budget.over_budget());
  free = 499;
  budget.refresh();
  EXPECT_TRUE(budget.over_budget());
  EXPECT_FALSE(budget.out_of_space());  // paused by the reserve, not by ENOSPC
  free = 800;
  budget.refresh();
  EXPECT_FALSE(budget.over_budget());
  budget.set_reserve(0, [&] { return free; });
  free = 0;
  budget.refresh();
  EXPECT_FALSE(budget.over_budget()) << "no reserve configured";
}

}  // namespace
}  // namespace ferry::broker::store
