#include "agent/pump_waker.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>

namespace ferry::agent {
namespace {

using namespace std::chrono_literals;

asio::awaitable<void> sleep_then_mark(PumpWaker* waker, std::chrono::milliseconds limit,
                                      bool* done) {
  co_await waker->sleep_for(limit);
  *done = true;
}

// Starts one sleep_for(limit) on `io` and runs `io` until it ends or `budget` passed;
// returns whether it ended.
bool sleep_ends_within(asio::io_context& io, PumpWaker& waker, std::chrono::milliseconds limit,
                       std::chrono::milliseconds budget,
                       const std::function<void()>& meanwhile = {}) {
  bool done = false;
  asio::co_spawn(io, sleep_then_mark(&waker, limit, &done), asio::detached);
  io.restart();
  io.run_for(20ms);  // asleep now
  if (meanwhile) meanwhile();
  const auto end = std::chrono::steady_clock::now() + budget;
  while (!done && std::chrono::steady_clock::now() < end) {
    io.restart();
    io.run_one_for(10ms);
  }
  return done;
}

class PumpWakerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::pipe(fds_), 0); }
  void TearDown() override {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int fds_[2] = {-1, -1};
};

TEST_F(PumpWakerTest, SleepsUntilItsLimitWithoutActivity) {
  asio::io_context io;
  PumpWaker waker(io);
  waker.watch_readable(fds_[0]);
  EXPECT_FALSE(sleep_ends_within(io, waker, 60s, 100ms));
}

TEST_F(PumpWakerTest, WatchedDescriptorBecomingReadableWakesIt) {
  asio::io_context io;
  PumpWaker waker(io);
  waker.watch_readable(fds_[0]);
  EXPECT_TRUE(
      sleep_ends_within(io, waker, 60s, 10s, [&] { ASSERT_EQ(::write(fds_[1], "x", 1), 1); }));
}

TEST_F(PumpWakerTest, WakeBeforeTheSleepIsNotLost) {
  asio::io_context io;
  PumpWaker waker(io);
  waker.wake();
  EXPECT_TRUE(sleep_ends_within(io, waker, 60s, 10s));
  EXPECT_FALSE(sleep_ends_within(io, waker, 60s, 100ms)) << "one wake ends one sleep";
}

TEST_F(PumpWakerTest, WakeEndsASleepInProgress) {
  asio::io_context io;
  PumpWaker waker(io);
  EXPECT_TRUE(sleep_ends_within(io, waker, 60s, 10s, [&] { waker.wake(); }));
}

}  // namespace
}  // namespace ferry::agent
