// A broker over its disk budget stops reading from agents (nothing is lost: the data
// waits in the agents' files) and resumes when there is room again.

#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/http_get.h"
#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

size_t count_ids(const MiniCluster& cluster) {
  size_t n = 0;
  for (const auto& l : cluster.delivered_lines()) n += l.find("id=") != std::string::npos;
  return n;
}

TEST(BrokerDiskBudgetTest, OverBudgetPausesIngestAndResumesWithRoom) {
  MiniCluster cluster({.brokers = 1, .agents = 1});
  // A budget below what an empty RocksDB already uses: ingest pauses at once.
  std::string config = cluster.dir().file("config/broker-1.toml");
  std::string text = read_file(config);
  std::string budget = "[store]\ndisk_budget = \"1KiB\"\n";
  write_file(config, text + budget);
  cluster.start_all();
  {
    std::ofstream out(cluster.input_file(1), std::ios::app);
    for (int i = 0; i < 2000; ++i) out << syslog_line("h1", "id=b" + std::to_string(i));
  }
  ASSERT_TRUE(wait_until([&] {
    try {
      return http_get(cluster.broker_http_port(1), "/api/summary").body.find("\"ingest_paused\":true") != std::string::npos;
    } catch (const std::exception&) {
      return false;
    }
  }, 20s));
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(count_ids(cluster), 0u) << "nothing may be stored past the budget";

  // The operator gives the broker room (here: a larger budget and a restart).
  cluster.kill9("broker-1");
  write_file(config, text + "[store]\ndisk_budget = \"10GiB\"\n");
  cluster.start("broker-1");
  ASSERT_TRUE(wait_until([&] { return count_ids(cluster) >= 2000; }, 60s));
  EXPECT_EQ(count_ids(cluster), 2000u);
}

}  // namespace
}  // namespace ferry::testing
