// An idle agent sleeps: inotify and a slow safety poll wake it, not a short timer (it
// used to wake every 20 ms: an fstat and an inotify read that found nothing, each time).

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

// Times the process's threads went to sleep by themselves (blocking in epoll_wait and
// the like): one per wakeup.
uint64_t voluntary_switches(pid_t pid) {
  uint64_t total = 0;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::ifstream status(task.path() / "status");
    std::string key;
    uint64_t value = 0;
    for (std::string line; std::getline(status, line);) {
      std::istringstream in(line);
      if (in >> key >> value && key == "voluntary_ctxt_switches:") total += value;
    }
  }
  return total;
}

bool delivered(const MiniCluster& cluster, const std::string& id) {
  for (const auto& l : cluster.delivered_lines()) {
    if (l.find(id) != std::string::npos) return true;
  }
  return false;
}

TEST(AgentIdleTest, IdleAgentWakesAFewTimesASecondAndStillShipsAtOnce) {
  MiniCluster cluster({.brokers = 1, .agents = 1});  // poll_interval 100ms, status_interval 500ms
  cluster.start_all();
  auto append = [&](const std::string& id) {
    std::ofstream out(cluster.input_file(1), std::ios::app | std::ios::binary);
    out << syslog_line("h1", id);
  };
  append("id=first");
  ASSERT_TRUE(wait_until([&] { return delivered(cluster, "id=first"); }, 30s));
  std::this_thread::sleep_for(1s);  // acks and the last linger are done: idle now
  const pid_t agent = cluster.pid("agent-1");
  const uint64_t before = voluntary_switches(agent);
  std::this_thread::sleep_for(5s);
  const double per_second = static_cast<double>(voluntary_switches(agent) - before) / 5.0;
  // 10 safety polls and 2 status reports a second, a log flush, heartbeats: well under
  // 30; a 20 ms pump alone was 50.
  EXPECT_LT(per_second, 30.0) << "wakeups per second";
  // Sleeping does not delay shipping: inotify wakes the agent for a new line.
  append("id=after-idle");
  EXPECT_TRUE(wait_until([&] { return delivered(cluster, "id=after-idle"); }, 30s));
}

}  // namespace
}  // namespace ferry::testing
