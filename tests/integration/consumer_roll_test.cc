// The consumer's early roll, end to end: an agent keeps every batch in its window until
// it is DELIVERED, and DELIVERED needs the batch's file committed. With a roll_age of an
// hour and files far from full, only the per-host rule (roll_host_batches) lets a host
// with more than one window of backlog make progress; without it the agent would send
// one window and wait an hour.

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

TEST(ConsumerRollTest, AHostsBacklogLargerThanItsWindowDrainsLongBeforeRollAge) {
  MiniCluster cluster(
      {.brokers = 1,
       .agents = 1,
       .consumer_output = "roll_age = \"1h\"\ncommit_interval = \"100ms\"\nroll_host_batches = 4",
       .agent_extra = "[window]\nbatches = 8\nbytes = \"8MiB\"",
       .agent_batch = "linger = \"50ms\"\nmax_bytes = \"16KiB\""});
  cluster.start_all();
  // About 60 batches of ~16 KiB: more than seven windows.
  constexpr int kLines = 5000;
  {
    std::ofstream out(cluster.input_file(1), std::ios::app);
    for (int i = 0; i < kLines; ++i)
      out << syslog_line("h1", "id=r" + std::to_string(i) + " " + std::string(120, 'r'));
  }
  // Everything but a tail of fewer than roll_host_batches batches (under 4 x 16 KiB,
  // i.e. fewer than ~400 of these lines) is committed; that tail waits for roll_age.
  size_t delivered = 0;
  EXPECT_TRUE(wait_until(
      [&] {
        delivered = cluster.delivered_lines().size();
        return delivered >= kLines - 400;
      },
      90s))
      << "only " << delivered << " of " << kLines
      << " lines committed: the agent's window waits for roll_age";
  EXPECT_LE(delivered, static_cast<size_t>(kLines));
}

}  // namespace
}  // namespace ferry::testing
