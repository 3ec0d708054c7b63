#include "common/log/log_throttle.h"

#include <gtest/gtest.h>

namespace ferry::log {
namespace {

using namespace std::chrono_literals;

TEST(LogThrottleTest, LetsOneLinePerIntervalThroughAndCountsTheRest) {
  LogThrottle throttle(1s);
  LogThrottle::Clock::time_point t0{};
  size_t held_back = 99;
  EXPECT_TRUE(throttle.allow(held_back, t0));
  EXPECT_EQ(held_back, 0u);
  EXPECT_FALSE(throttle.allow(held_back, t0 + 100ms));
  EXPECT_FALSE(throttle.allow(held_back, t0 + 900ms));
  EXPECT_TRUE(throttle.allow(held_back, t0 + 1s));
  EXPECT_EQ(held_back, 2u);
  EXPECT_EQ(LogThrottle::held_back_note(2), " (2 more since the last report)");
  EXPECT_EQ(LogThrottle::held_back_note(0), "");
}

}  // namespace
}  // namespace ferry::log
