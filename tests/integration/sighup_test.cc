// SIGHUP never stops a daemon: logrotate's postrotate HUPs "the logger" after moving its
// file away, and every Ferry daemon then writes on to a new file at its configured path.

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

bool file_contains(const std::string& path, const std::string& needle) {
  return std::filesystem::exists(path) && read_file(path).find(needle) != std::string::npos;
}

TEST(SighupTest, DaemonsReopenTheirLogFileAndKeepDelivering) {
  MiniCluster cluster({.brokers = 1, .agents = 1, .log_to_files = true});
  cluster.start_all();
  const std::vector<std::string> daemons = cluster.names();
  for (const auto& name : daemons) {
    ASSERT_TRUE(wait_until(
        [&] {
          return file_contains(cluster.daemon_log(name),
                               name == "agent-1" ? "tailing" : "listening");
        },
        30s))
        << name << " did not start";
  }
  for (const auto& name : daemons) {
    // logrotate's default (create): the file is renamed away, then the daemon is HUPed.
    std::filesystem::rename(cluster.daemon_log(name), cluster.daemon_log(name) + ".1");
    ASSERT_EQ(::kill(cluster.pid(name), SIGHUP), 0);
  }
  for (const auto& name : daemons) {
    EXPECT_TRUE(wait_until(
        [&] { return file_contains(cluster.daemon_log(name), "SIGHUP: log file"); }, 20s))
        << name << " wrote no new log file; it is " << (cluster.running(name) ? "running" : "gone");
    EXPECT_TRUE(cluster.running(name)) << name;
    EXPECT_FALSE(file_contains(cluster.daemon_log(name) + ".1", "SIGHUP"))
        << name << " logged to the old file";
  }
  // A second HUP, without a rename, is harmless too; and the pipeline still delivers.
  ASSERT_EQ(::kill(cluster.pid("agent-1"), SIGHUP), 0);
  {
    std::ofstream out(cluster.input_file(1), std::ios::app | std::ios::binary);
    out << syslog_line("h1", "id=after-hup");
  }
  EXPECT_TRUE(wait_until(
      [&] {
        for (const auto& l : cluster.delivered_lines()) {
          if (l.find("id=after-hup") != std::string::npos) return true;
        }
        return false;
      },
      30s));
  for (const auto& name : daemons) EXPECT_TRUE(cluster.running(name)) << name;
}

}  // namespace
}  // namespace ferry::testing
