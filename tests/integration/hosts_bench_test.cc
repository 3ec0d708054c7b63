// `ferryctl bench hosts` kept from rotting: a small run against a real cluster, every
// connection a host with its own certificate, and the report it writes. No timing is
// asserted; memory only in that the broker was sampled at all.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"

namespace ferry {
namespace {

TEST(HostsBenchTest, FiftyAgentsConnectEachBatchIsStoredAndTheReportParses) {
  testing::TempDir dir;
  const std::string json_file = dir.file("hosts.json");
  const std::string command = std::string(FERRY_BIN_DIR) +
                              "/ferryctl bench hosts --agents 50 --dir " + dir.path().string() +
                              " --hold 1 --settle 1 --json " + json_file + " > " +
                              dir.file("out.txt") + " 2>&1";
  const int status = std::system(command.c_str());
  const std::string output = testing::read_file(dir.file("out.txt"));
  ASSERT_EQ(status, 0) << output;

  std::ifstream in(json_file);
  std::string line;
  ASSERT_TRUE(std::getline(in, line)) << "no JSON line in " << json_file << "\n" << output;
  const auto r = nlohmann::json::parse(line);
  EXPECT_EQ(r["agents"], 50);
  EXPECT_EQ(r["connected"], 50);
  EXPECT_EQ(r["stored"], 50);
  EXPECT_EQ(r["failed"], 0) << r["first_error"];
  EXPECT_TRUE(r["ok"].get<bool>());
  EXPECT_GT(r["broker_before"]["rss_bytes"].get<uint64_t>(), 0u);
  EXPECT_GT(r["broker_idle"]["rss_bytes"].get<uint64_t>(), 0u);
  EXPECT_GT(r["broker_after"]["hwm_bytes"].get<uint64_t>(), 0u);
  EXPECT_GT(r["broker_open_file_limit"].get<uint64_t>(), 50u);
  // The cluster's own agent and the 50.
  EXPECT_EQ(r["broker_api_hosts"]["hosts"], 51);
  EXPECT_GE(r["consumer_api_hosts"]["hosts"].get<size_t>(),
            50u);  // ours; its own agent may not have reported yet
  EXPECT_GE(r["broker_api_hosts"]["median_ms"].get<double>(), 0);
  // The table for people.
  EXPECT_NE(output.find("per connection"), std::string::npos) << output;
  EXPECT_NE(output.find("handshakes/s"), std::string::npos) << output;
}

}  // namespace
}  // namespace ferry
