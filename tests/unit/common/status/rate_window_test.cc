#include "common/status/rate_window.h"

#include <gtest/gtest.h>

namespace ferry::status {
namespace {

constexpr TimeMs kT0 = 1'700'000'000'000;  // a whole second

TEST(RateWindowTest, NothingCountedIsZero) {
  RateWindow w(10);
  EXPECT_EQ(w.per_second(kT0), 0.0);
}

TEST(RateWindowTest, TheCurrentSecondCountsOnceItIsComplete) {
  RateWindow w(10);
  w.add(kT0, 100);
  w.add(kT0 + 500, 100);
  EXPECT_EQ(w.per_second(kT0 + 999), 0.0);
  EXPECT_DOUBLE_EQ(w.per_second(kT0 + 1000), 200.0);
}

TEST(RateWindowTest, SteadyFlowGivesItsRate) {
  RateWindow w(10);
  for (int s = 0; s < 30; ++s) {
    for (int i = 0; i < 5; ++i) w.add(kT0 + s * 1000 + i * 200, 10);
  }
  EXPECT_DOUBLE_EQ(w.per_second(kT0 + 30'000), 50.0);
  EXPECT_DOUBLE_EQ(w.per_second(kT0 + 30'700), 50.0);
}

TEST(RateWindowTest, ShortHistoryIsDividedByItsOwnLength) {
  RateWindow w(10);
  w.add(kT0, 300);
  w.add(kT0 + 2000, 300);
  EXPECT_DOUBLE_EQ(w.per_second(kT0 + 3000), 200.0);  // 600 over 3 s, not over 10 s
}

TEST(RateWindowTest, SecondsOlderThanTheWindowDropOut) {
  RateWindow w(10);
  w.add(kT0, 1000);
  EXPECT_DOUBLE_EQ(w.per_second(kT0 + 5000), 200.0);
  EXPECT_DOUBLE_EQ(w.per_second(kT0 + 10'000), 100.0);
  EXPECT_EQ(w.per_second(kT0 + 11'000), 0.0);
}

TEST(RateWindowTest, ReusedBucketsForgetTheirOldSecond) {
  RateWindow w(3);  // 4 buckets: second s and s + 4 share one
  w.add(kT0, 1000);
  w.add(kT0 + 4000, 8);
  // Window [s+2, s+4): only second s+4 once complete.
  EXPECT_DOUBLE_EQ(w.per_second(kT0 + 5000), 8.0 / 3.0);
}

}  // namespace
}  // namespace ferry::status
