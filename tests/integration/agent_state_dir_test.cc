// The agent's claim on its state dir, with real ferry-agent processes: a second agent on
// the same state dir refuses to start and names the first; a state dir that cannot be
// used is refused at start with its path and the reason.

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST(AgentStateDirTest, SecondAgentOnTheSameStateDirIsRefusedNamingTheFirst) {
  MiniCluster cluster({.brokers = 1, .agents = 1});
  cluster.start_all();
  const std::string state_dir = cluster.dir().file("data/agent-1");
  ASSERT_TRUE(
      wait_until([&] { return contains(read_file(cluster.log("agent-1")), "tailing"); }, 30s));
  Process second(bin_path("ferry-agent"), {"--config", cluster.dir().file("config/agent-1.toml")},
                 cluster.dir().file("logs/agent-1-second.log"));
  auto status = second.wait(20s);
  ASSERT_TRUE(status.has_value()) << "the second agent kept running";
  EXPECT_EQ(*status, 1);
  const std::string log = read_file(second.log_path());
  EXPECT_TRUE(contains(log, "state_dir " + state_dir + ": is in use by another ferry-agent (pid " +
                                std::to_string(cluster.pid("agent-1")) + ","))
      << log;
  EXPECT_TRUE(cluster.running("agent-1"));
  // The lock is the process's: once the first one stops, the dir can be taken again.
  EXPECT_EQ(cluster.stop_gracefully("agent-1", 20s), 0);
  cluster.start("agent-1");
  ASSERT_TRUE(
      wait_until([&] { return contains(read_file(cluster.log("agent-1")), "tailing"); }, 30s))
      << read_file(cluster.log("agent-1"));
}

TEST(AgentStateDirTest, StateDirThatIsAFileIsRefusedNamingThePath) {
  MiniCluster cluster({.brokers = 1, .agents = 1});
  const std::string state_dir = cluster.dir().file("data/agent-1");
  write_file(state_dir, "a file where the state dir should be");
  cluster.start("agent-1");
  ASSERT_TRUE(wait_until([&] { return !cluster.running("agent-1"); }, 20s));
  const std::string log = read_file(cluster.log("agent-1"));
  EXPECT_TRUE(contains(log, "state_dir " + state_dir + ": is not a directory")) << log;
  EXPECT_FALSE(contains(log, "damaged")) << log;
}

// Root writes through permission bits, so unwritability is made by a path under a file,
// which holds for every user.
TEST(AgentStateDirTest, StateDirThatCannotBeCreatedIsRefusedNamingThePath) {
  MiniCluster cluster({.brokers = 1, .agents = 1});
  const std::string state_dir = cluster.dir().file("data/agent-1");
  std::filesystem::remove_all(cluster.dir().file("data"));
  write_file(cluster.dir().file("data"), "a file where the data dir should be");
  cluster.start("agent-1");
  ASSERT_TRUE(wait_until([&] { return !cluster.running("agent-1"); }, 20s));
  const std::string log = read_file(cluster.log("agent-1"));
  EXPECT_TRUE(contains(log, "state_dir " + state_dir + ": cannot create it (")) << log;
}

TEST(AgentStateDirTest, UnwritableStateDirIsRefusedNamingThePath) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes through permission bits; see the test above";
  MiniCluster cluster({.brokers = 1, .agents = 1});
  const std::string state_dir = cluster.dir().file("data/agent-1");
  std::filesystem::create_directories(state_dir);
  ::chmod(state_dir.c_str(), 0500);
  cluster.start("agent-1");
  ASSERT_TRUE(wait_until([&] { return !cluster.running("agent-1"); }, 20s));
  ::chmod(state_dir.c_str(), 0700);
  const std::string log = read_file(cluster.log("agent-1"));
  EXPECT_TRUE(contains(log, "state_dir " + state_dir + ": is not writable (")) << log;
}

}  // namespace
}  // namespace ferry::testing
