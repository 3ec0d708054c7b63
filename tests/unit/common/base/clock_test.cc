#include "common/base/clock.h"

#include <limits>

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(ClockTest, HourStartFloorsBothSidesOfTheEpoch) {
  EXPECT_EQ(hour_start(0), 0);
  EXPECT_EQ(hour_start(kMsPerHour - 1), 0);
  EXPECT_EQ(hour_start(kMsPerHour), kMsPerHour);
  EXPECT_EQ(hour_start(-1), -kMsPerHour);
  EXPECT_EQ(hour_start(-kMsPerHour), -kMsPerHour);
}

// A batch header may carry any int64 (found by batch_decode_fuzz: INT64_MIN overflowed).
TEST(ClockTest, HourStartOfExtremeTimesDoesNotOverflow) {
  constexpr TimeMs kMin = std::numeric_limits<TimeMs>::min();
  constexpr TimeMs kMax = std::numeric_limits<TimeMs>::max();
  EXPECT_EQ(hour_start(kMin), kMin);
  EXPECT_EQ(hour_start(kMin + 1), kMin);
  EXPECT_EQ(hour_start(kMax), kMax - kMax % kMsPerHour);
  const TimeMs low = kMin + kMsPerHour;
  EXPECT_LE(hour_start(low), low);
  EXPECT_GT(hour_start(low), low - kMsPerHour);
}

}  // namespace
}  // namespace ferry
