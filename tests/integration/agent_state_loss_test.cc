// An agent whose state dir is gone (a reimaged host, an operator "starting fresh") starts
// a new incarnation of its streams (DESIGN §3): its seqs start again at 1, and brokers
// and the consumer never take them for the old state's. Before incarnations, every new
// batch was dropped by the consumer as a duplicate of the old seqs and counted DELIVERED
// by the agent: new lines lost, silently.

#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::map<std::string, int> counts_with_prefix(const std::vector<std::string>& lines,
                                              const std::string& marker) {
  std::map<std::string, int> out;
  for (const auto& l : lines) {
    auto at = l.find(marker);
    if (at != std::string::npos) ++out[l.substr(at)];
  }
  return out;
}

void write_lines(const std::string& file, const std::string& marker, int n) {
  std::ofstream out(file, std::ios::app);
  for (int i = 0; i < n; ++i) out << syslog_line("h1", marker + std::to_string(i));
}

TEST(AgentStateLossTest, EveryLineWrittenAfterTheStateWasWipedArrivesOnce) {
  MiniCluster cluster(MiniClusterOptions{.brokers = 1, .agents = 1});
  cluster.start_all();
  write_lines(cluster.input_file(1), "before-", 300);
  ASSERT_TRUE(wait_until(
      [&] { return counts_with_prefix(cluster.delivered_lines(), "before-").size() == 300; }, 60s));

  // The operator stops the agent, moves its state aside and starts it again; the old
  // file is gone too, so the new state reads only new lines, numbered from seq 1 again.
  ASSERT_EQ(cluster.stop_gracefully("agent-1", 20s), 0);
  fs::rename(cluster.dir().file("data/agent-1"), cluster.dir().file("data/agent-1.moved-aside"));
  fs::remove(cluster.input_file(1));
  std::ofstream(cluster.input_file(1)).flush();
  cluster.start("agent-1");
  write_lines(cluster.input_file(1), "after-", 300);

  std::map<std::string, int> after;
  EXPECT_TRUE(wait_until(
      [&] {
        return (after = counts_with_prefix(cluster.delivered_lines(), "after-")).size() == 300;
      },
      60s))
      << after.size() << " of 300 lines written after the state was wiped reached the output";
  for (const auto& [line, n] : after) EXPECT_EQ(n, 1) << line;
  for (const auto& [line, n] : counts_with_prefix(cluster.delivered_lines(), "before-"))
    EXPECT_EQ(n, 1) << line;
}

}  // namespace
}  // namespace ferry::testing
