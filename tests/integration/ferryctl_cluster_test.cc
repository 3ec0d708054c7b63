// ferryctl cluster, which every e2e scenario drives: `kill` returns only once the process
// has exited (a restart right after must not find the old agent holding its state dir's
// lock: E2eScenario.random failed so), and a failed `up` stops what it had started.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "tests/support/temp_dir.h"
#include "tools/ferryctl/cluster.h"

namespace ferry::ferryctl {
namespace {

namespace fs = std::filesystem;

// The processes `cluster` spawns here are this test's children: waitpid says exactly when
// one has exited, every thread of it (and so released its files and flocks).
bool reaped(pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) == pid; }

bool reaped_within(pid_t pid, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!reaped(pid)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

ClusterOptions one_host(const std::string& dir, const std::string& bin) {
  ClusterOptions o;
  o.dir = dir;
  o.dcs = 1;
  o.brokers_per_dc = 1;
  o.hosts_per_dc = 1;
  o.bin_dir = bin;
  return o;
}

TEST(FerryctlClusterTest, KillReturnsOnceTheProcessHasExitedAndARestartFindsItsStateFree) {
  testing::TempDir dir;
  // Down on every way out, a failed assertion included.
  std::unique_ptr<void, std::function<void(void*)>> down(
      &dir, [&](void*) { cluster_down(dir.file("c")); });
  ASSERT_EQ(cluster_up(one_host(dir.file("c"), FERRY_BIN_DIR)), "");
  for (int round = 0; round < 5; ++round) {
    const pid_t pid = load_cluster(dir.file("c"))["processes"].back()["pid"].get<pid_t>();
    ASSERT_EQ(cluster_kill(dir.file("c"), "agent-dc1-h1"), "");
    EXPECT_TRUE(reaped(pid)) << "round " << round << ": pid " << pid
                             << " still running after cluster kill";
    ASSERT_EQ(cluster_start(dir.file("c"), "agent-dc1-h1"), "");
    ::usleep(500'000);  // an agent that finds its state dir locked exits within milliseconds
    const pid_t restarted = load_cluster(dir.file("c"))["processes"].back()["pid"].get<pid_t>();
    EXPECT_FALSE(reaped(restarted))
        << "the restarted agent exited; see " << dir.file("c/logs/agent-dc1-h1.log");
  }
}

TEST(FerryctlClusterTest, AFailedUpStopsEveryProcessItStarted) {
  testing::TempDir dir;
  // Real consumer and broker; an "agent" that exits at once.
  fs::create_directories(dir.file("bin"));
  for (const char* b : {"ferry-broker", "ferry-consumer", "ferryctl"}) {
    fs::create_symlink(fs::path(FERRY_BIN_DIR) / b, dir.file("bin") + "/" + b);
  }
  testing::write_file(dir.file("bin/ferry-agent"), "#!/bin/sh\nexit 3\n");
  ::chmod(dir.file("bin/ferry-agent").c_str(), 0755);

  const std::string error = cluster_up(one_host(dir.file("c"), dir.file("bin")));
  EXPECT_NE(error.find("agent-dc1-h1 exited during start"), std::string::npos) << error;
  EXPECT_NE(error.find("stopped again"), std::string::npos) << error;
  for (const auto& p : load_cluster(dir.file("c"))["processes"]) {
    EXPECT_TRUE(reaped_within(p["pid"].get<pid_t>(), std::chrono::seconds(10)))
        << p["name"] << " still runs after a failed up";
  }
}

}  // namespace
}  // namespace ferry::ferryctl
