// Replay from the hosts' own files (`--source hosts`, DESIGN §7): real daemons, the
// ferryctl CLI, SIGKILL. The broker's retention no longer holds the range, so only the
// agents' files can give it back.

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/crypto/key_ring.h"
#include "tests/support/delivery_check.h"
#include "tests/support/http_get.h"
#include "tests/support/mini_cluster.h"
#include "tests/support/process.h"
#include "tests/support/replay_check.h"
#include "tests/support/temp_dir.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

// Retention of one byte: the broker expires every committed batch at once.
MiniClusterOptions without_retention(int agents) {
  return {.brokers = 1, .agents = agents, .broker_tables = "[store]\nretention_bytes = 1\n"};
}

// Delivers the lines, waits until the broker holds none of them, deletes the output.
void deliver_then_lose(MiniCluster& cluster, int agents, int lines) {
  write_and_deliver(cluster, agents, lines, 50, 120s);
  ASSERT_TRUE(wait_until(
      [&] {
        return json::parse(http_get(cluster.broker_http_port(1), "/api/summary")
                               .body)["retained_batches"] == 0;
      },
      30s))
      << "the broker still retains batches";
  ASSERT_NO_FATAL_FAILURE(delete_output(cluster));
}

TEST(ReplayHostsTest, HostsReplayAnHourTheBrokersNoLongerHoldExactlyOnce) {
  constexpr int kAgents = 2, kLines = 3000;
  MiniCluster cluster(without_retention(kAgents));
  cluster.start_all();
  ASSERT_NO_FATAL_FAILURE(deliver_then_lose(cluster, kAgents, kLines));

  // From the brokers there is nothing left to replay.
  const uint64_t from_brokers = start_replay(cluster);
  ASSERT_EQ(wait_replay(cluster, from_brokers, 60).status, 0);
  EXPECT_TRUE(lines_in(cluster.output_root(), "replay-" + std::to_string(from_brokers)).empty());

  const uint64_t id = start_replay(cluster, " --source hosts");
  CtlRun done = wait_replay(cluster, id, 90);
  ASSERT_EQ(done.status, 0) << done.out;
  EXPECT_NE(done.out.find("state: complete"), std::string::npos) << done.out;
  expect_each_once(lines_in(cluster.output_root(), "replay-" + std::to_string(id)), kAgents,
                   kLines);
  EXPECT_TRUE(lines_in(cluster.output_root(), "").empty()) << "a replay wrote into a live hour";
  expect_success_files(cluster, id);
  auto r = replay_json(cluster, id);
  EXPECT_EQ(r["source"], "hosts");
  EXPECT_EQ(r["committed_events"].get<uint64_t>(), static_cast<uint64_t>(kAgents * kLines));
  EXPECT_TRUE(r["missing"].empty()) << r.dump();
  ASSERT_EQ(r["streams"].size(), static_cast<size_t>(kAgents)) << r.dump();
  for (const auto& s : r["streams"])
    EXPECT_EQ(s["replayed_events"], s["committed_events"]) << s.dump();

  // Live delivery goes on untouched by the replay's own sequence numbers (numbered from 1
  // too): the writer starts its numbers over, and each lands once in the live hours.
  Writer more(cluster, kAgents, kLines, 50);
  more.start();
  more.join();
  expect_exactly_once(wait_for_delivery(cluster, kAgents, kLines, 60s),
                      static_cast<size_t>(kAgents) * kLines);
}

// logrotate with `compress`: the file is renamed, then gzipped (a new inode, the renamed
// file deleted). The agents read the .gz; their index knows it holds the hour.
TEST(ReplayHostsTest, HostsReplayAnHourFromGzippedRotatedFiles) {
  constexpr int kAgents = 2, kLines = 3000;
  MiniCluster cluster(without_retention(kAgents));
  cluster.start_all();
  ASSERT_NO_FATAL_FAILURE(deliver_then_lose(cluster, kAgents, kLines));
  for (int a = 1; a <= kAgents; ++a) {
    const std::string rotated = cluster.input_file(a) + ".1";
    ASSERT_EQ(std::rename(cluster.input_file(a).c_str(), rotated.c_str()), 0);
    ASSERT_EQ(run("gzip '" + rotated + "'").status, 0);
    ASSERT_TRUE(fs::exists(rotated + ".gz") && !fs::exists(rotated));
  }
  std::this_thread::sleep_for(2s);  // the agents' polls see the .gz files (and must not tail them)

  const uint64_t id = start_replay(cluster, " --source hosts");
  CtlRun done = wait_replay(cluster, id, 90);
  ASSERT_EQ(done.status, 0) << done.out;
  expect_each_once(lines_in(cluster.output_root(), "replay-" + std::to_string(id)), kAgents,
                   kLines);
  EXPECT_TRUE(lines_in(cluster.output_root(), "").empty())
      << "a .gz file was tailed into a live hour";
  expect_success_files(cluster, id);
  auto r = replay_json(cluster, id);
  EXPECT_EQ(r["committed_events"].get<uint64_t>(), static_cast<uint64_t>(kAgents * kLines));
  EXPECT_TRUE(r["missing"].empty()) << "a file compressed since was reported deleted: " << r.dump();
}

TEST(ReplayHostsTest, AHostWhoseFilesWereDeletedIsReportedMissing) {
  constexpr int kAgents = 2, kLines = 1000;
  MiniCluster cluster(without_retention(kAgents));
  cluster.start_all();
  ASSERT_NO_FATAL_FAILURE(deliver_then_lose(cluster, kAgents, kLines));
  fs::remove(cluster.input_file(2));

  const uint64_t id = start_replay(cluster, " --source hosts --host h1 --host h2 --host h9");
  CtlRun done = wait_replay(cluster, id, 90);
  ASSERT_EQ(done.status, 0) << done.out;
  EXPECT_NE(done.out.find("MISSING"), std::string::npos) << done.out;
  auto r = replay_json(cluster, id);
  std::map<std::string, std::string> why;
  for (const auto& m : r["missing"])
    why[m["host"].get<std::string>()] = m["reason"].get<std::string>();
  ASSERT_EQ(why.size(), 2u) << r.dump();
  EXPECT_NE(why["h2"].find("was deleted"), std::string::npos) << why["h2"];
  EXPECT_NE(why["h9"].find("not connected"), std::string::npos) << why["h9"];
  // h1's lines, once; none of h2's.
  auto lines = lines_in(cluster.output_root(), "replay-" + std::to_string(id));
  expect_each_once(lines, 1, kLines);
}

// Sealed payloads: the agent seals what it re-reads with its current key; the replay id
// stays outside the seal, so the consumer opens them like live batches.
TEST(ReplayHostsTest, SealedClusterReplaysFromHosts) {
  constexpr int kLines = 2000;
  TempDir keys;
  std::string why;
  ASSERT_TRUE(crypto::make_key_file(keys.file("keys"), why)) << why;
  MiniClusterOptions o = without_retention(1);
  o.agent_extra = o.consumer_extra = "[seal]\nkeys_dir = \"" + keys.file("keys") + "\"\n";
  MiniCluster cluster(o);
  cluster.start_all();
  ASSERT_NO_FATAL_FAILURE(deliver_then_lose(cluster, 1, kLines));
  const uint64_t id = start_replay(cluster, " --source hosts");
  CtlRun done = wait_replay(cluster, id, 60);
  ASSERT_EQ(done.status, 0) << done.out;
  expect_each_once(lines_in(cluster.output_root(), "replay-" + std::to_string(id)), 1, kLines);
  EXPECT_TRUE(!fs::exists(cluster.dir().file("data/consumer/quarantine")) ||
              fs::is_empty(cluster.dir().file("data/consumer/quarantine")))
      << "a sealed batch re-read from the host failed to open";
}

// An agent that is down when the replay begins: its broker says so, and the replay
// completes with the hosts it could read.
TEST(ReplayHostsTest, AHostNotConnectedIsReportedAsSuch) {
  constexpr int kAgents = 2, kLines = 1000;
  MiniCluster cluster(without_retention(kAgents));
  cluster.start_all();
  ASSERT_NO_FATAL_FAILURE(deliver_then_lose(cluster, kAgents, kLines));
  cluster.kill9("agent-2");
  ASSERT_TRUE(wait_until(
      [&] {
        const json hosts = json::parse(http_get(cluster.broker_http_port(1), "/api/hosts").body);
        for (const auto& h : hosts["hosts"]) {
          if (h["host"] == "h2") return !h["connected"].get<bool>();
        }
        return false;
      },
      30s))
      << http_get(cluster.broker_http_port(1), "/api/hosts").body;

  const uint64_t id = start_replay(cluster, " --source hosts");
  CtlRun done = wait_replay(cluster, id, 90);
  ASSERT_EQ(done.status, 0) << done.out;
  auto r = replay_json(cluster, id);
  ASSERT_EQ(r["missing"].size(), 1u) << r.dump();
  EXPECT_EQ(r["missing"][0]["host"], "h2");
  EXPECT_NE(
      r["missing"][0]["reason"].get<std::string>().find("is not connected to broker broker-1"),
      std::string::npos)
      << r.dump();
  expect_each_once(lines_in(cluster.output_root(), "replay-" + std::to_string(id)), 1, kLines);
}

TEST(ReplayHostsTest, AnAgentKilledMidReplayStillEndsWithEachLineOnce) {
  constexpr int kAgents = 2, kLines = 30000;
  MiniCluster cluster(without_retention(kAgents));
  cluster.start_all();
  ASSERT_NO_FATAL_FAILURE(deliver_then_lose(cluster, kAgents, kLines));

  // Slow enough that the kill lands mid-replay: the rate counts compressed bytes, and
  // these lines compress to a few batches of ~50 KB each per agent.
  const uint64_t id = start_replay(cluster, " --source hosts --rate-mb 0.01");
  const uint64_t total = static_cast<uint64_t>(kAgents) * kLines;
  auto committed = [&] { return replay_json(cluster, id)["committed_events"].get<uint64_t>(); };
  ASSERT_TRUE(wait_until([&] { return committed() > 0; }, 30s));
  ASSERT_LT(committed(), total) << "the replay finished before the agent could be killed mid-way";
  cluster.kill9("agent-1");
  std::this_thread::sleep_for(1s);
  auto running = replay_json(cluster, id);
  EXPECT_EQ(running["state"], "running") << "a replay waits for an agent that went away mid-way";
  cluster.start("agent-1");

  CtlRun done = wait_replay(cluster, id, 180);
  ASSERT_EQ(done.status, 0) << done.out;
  expect_each_once(lines_in(cluster.output_root(), "replay-" + std::to_string(id)), kAgents,
                   kLines);
  EXPECT_EQ(committed(), total);
  expect_success_files(cluster, id);
}

}  // namespace
}  // namespace ferry::testing
