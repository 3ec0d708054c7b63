// End-to-end: agents → brokers → consumer as real processes, lines written into the
// agents' files while components are SIGKILLed and restarted; every line must be in
// the committed output exactly once.

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/delivery_check.h"
#include "tests/support/fake_webhdfs.h"
#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

TEST(PipelineFaultTest, NoFaultDeliversEveryLineOnce) {
  MiniCluster cluster({.brokers = 2, .agents = 2});
  cluster.start_all();
  write_and_deliver(cluster, 2, 5000, 50, 60s);
  // The committed output is plain zstd: the zstd tool reads it back line for line.
  std::string cmd = "find " + cluster.output_root() +
                    " -name '*.log.zst' -not -name '.*' -exec zstdcat {} + | wc -l";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  long lines = 0;
  ASSERT_EQ(std::fscanf(p, "%ld", &lines), 1);
  pclose(p);
  EXPECT_EQ(lines, 10000);
}

TEST(PipelineFaultTest, AgentSigkillMidStream) {
  MiniCluster cluster({.brokers = 1, .agents = 2});
  cluster.start_all();
  Writer writer(cluster, 2, 6000, 30);
  writer.start();
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(700ms);
    cluster.kill9("agent-1");
    std::this_thread::sleep_for(300ms);
    cluster.start("agent-1");
  }
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, 2, 6000, 60s), 12000);
}

TEST(PipelineFaultTest, BrokerSigkillAgentsFailOver) {
  MiniCluster cluster({.brokers = 2, .agents = 2});
  cluster.start_all();
  Writer writer(cluster, 2, 6000, 30);
  writer.start();
  std::this_thread::sleep_for(1s);
  cluster.kill9("broker-1");
  std::this_thread::sleep_for(2s);
  cluster.start("broker-1");
  std::this_thread::sleep_for(1s);
  cluster.kill9("broker-2");
  std::this_thread::sleep_for(1s);
  cluster.start("broker-2");
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, 2, 6000, 90s), 12000);
}

TEST(PipelineFaultTest, ConsumerSigkillAndRestart) {
  MiniCluster cluster({.brokers = 1, .agents = 2});
  cluster.start_all();
  Writer writer(cluster, 2, 6000, 30);
  writer.start();
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(800ms);
    cluster.kill9("consumer");
    std::this_thread::sleep_for(500ms);
    cluster.start("consumer");
  }
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, 2, 6000, 90s), 12000);
}

// The consumer kills itself at each step of its commit protocol in turn.
TEST(PipelineFaultTest, ConsumerCrashAtEveryCommitStep) {
  MiniCluster cluster({.brokers = 1, .agents = 1});
  cluster.start_all();
  // 10 lines every 10 ms for 12 s: traffic outlasts the six crashes, so each point is
  // passed (twice) while lines still arrive.
  Writer writer(cluster, 1, 12000, 10);
  writer.start();
  const char* points[] = {"consumer.after_open_record", "consumer.after_append",
                          "consumer.after_temp_sync",   "consumer.after_prepare",
                          "consumer.after_rename",      "consumer.after_commit_record"};
  for (const char* point : points) {
    cluster.kill9("consumer");
    cluster.start("consumer", {{"FERRY_CRASH_POINTS", std::string(point) + "@2"}});
    EXPECT_TRUE(wait_until([&] { return !cluster.running("consumer"); }, 20s))
        << "crash point " << point << " did not fire within 20 s";
  }
  cluster.kill9("consumer");
  cluster.start("consumer");
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, 1, 12000, 90s), 12000);
}

TEST(PipelineFaultTest, RenameAndCreateRotationWhileStreaming) {
  MiniCluster cluster({.brokers = 1, .agents = 1});
  cluster.start_all();
  Writer writer(cluster, 1, 6000, 30);
  int rotations = 0;
  writer.between_ticks = [&](int tick) {
    if (tick % 40 == 39) {
      std::string f = cluster.input_file(1);
      std::filesystem::rename(f, f + "." + std::to_string(++rotations));
    }
  };
  writer.start();
  // The agent is SIGKILLed while files rotate under it, and restarted.
  std::this_thread::sleep_for(1200ms);
  cluster.kill9("agent-1");
  std::this_thread::sleep_for(400ms);
  cluster.start("agent-1");
  writer.join();
  EXPECT_GT(rotations, 2);
  expect_exactly_once(wait_for_delivery(cluster, 1, 6000, 60s), 6000);
}

// Hourly-named files: each "hour" (here every 40 ticks) goes to a new file name, the
// old ones stay; the agent is SIGKILLed twice meanwhile.
TEST(PipelineFaultTest, HourlyNamedFilesWithAgentSigkills) {
  MiniCluster cluster({.brokers = 1, .agents = 1});
  cluster.start_all();
  Writer writer(cluster, 1, 6000, 30);
  writer.file_for = [&](int a, int tick) {
    return cluster.input_file(a) + "." + std::to_string(2026112300 + tick / 40);
  };
  writer.start();
  for (int round = 0; round < 2; ++round) {
    std::this_thread::sleep_for(1200ms);
    cluster.kill9("agent-1");
    std::this_thread::sleep_for(round == 0 ? 300ms : 1200ms);
    cluster.start("agent-1");
  }
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, 1, 6000, 60s), 6000);
}

// copytruncate: the file is copied aside and truncated in place while the agent reads.
// The writer is the only writer, so no line falls between copy and truncate.
TEST(PipelineFaultTest, CopytruncateRotationWhileStreaming) {
  MiniCluster cluster({.brokers = 1, .agents = 1});
  cluster.start_all();
  Writer writer(cluster, 1, 6000, 30);
  int rotations = 0;
  writer.between_ticks = [&](int tick) {
    if (tick % 40 == 39) {
      std::string f = cluster.input_file(1);
      std::filesystem::copy_file(f, f + "." + std::to_string(++rotations));
      std::filesystem::resize_file(f, 0);
    }
  };
  writer.start();
  // The agent is SIGKILLed twice while files are copied and truncated under it: after
  // each restart the copies must resume where their originals had been read to.
  for (int round = 0; round < 2; ++round) {
    std::this_thread::sleep_for(1500ms);
    cluster.kill9("agent-1");
    std::this_thread::sleep_for(round == 0 ? 400ms : 1500ms);  // the second spans a rotation
    cluster.start("agent-1");
  }
  writer.join();
  EXPECT_GT(rotations, 2);
  expect_exactly_once(wait_for_delivery(cluster, 1, 6000, 60s), 6000);
}

// The broker kills itself right before and right after its group-commit sync.
TEST(PipelineFaultTest, BrokerCrashAroundTheGroupCommitSync) {
  MiniCluster cluster({.brokers = 1, .agents = 2});
  cluster.start_all();
  // A crash point fires at the 5th group commit, and only arriving batches make groups:
  // the writer runs long enough (about 15 s) to outlast both rounds of agents
  // reconnecting with backoff.
  Writer writer(cluster, 2, 15000, 10);
  writer.start();
  for (const char* point : {"broker.before_sync", "broker.after_sync_before_ack"}) {
    std::this_thread::sleep_for(500ms);
    cluster.kill9("broker-1");
    cluster.start("broker-1", {{"FERRY_CRASH_POINTS", std::string(point) + "@5"}});
    bool died = wait_until([&] { return !cluster.running("broker-1"); }, 20s);
    std::printf("crash point %s: %s\n", point, died ? "fired" : "did not fire within 20 s");
    EXPECT_TRUE(died) << point;
    cluster.start("broker-1");
  }
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, 2, 15000, 90s), 30000);
}

// The consumer is away while traffic flows: the backlog builds in the brokers (RocksDB)
// while agents keep their files, then everything drains when it returns.
TEST(PipelineFaultTest, ConsumerDownForAWhileThenReturns) {
  MiniCluster cluster({.brokers = 2, .agents = 2});
  cluster.start_all();
  cluster.kill9("consumer");
  Writer writer(cluster, 2, 5000, 50);
  writer.start();
  writer.join();
  std::this_thread::sleep_for(1s);
  EXPECT_TRUE(tally(cluster, 2, 5000).delivered < 10000);
  cluster.start("consumer");
  expect_exactly_once(wait_for_delivery(cluster, 2, 5000, 60s), 10000);
}

// SIGTERM: every process drains and exits 0; after a restart nothing is lost or doubled.
TEST(PipelineFaultTest, SigtermDrainsAndExitsCleanly) {
  MiniCluster cluster({.brokers = 1, .agents = 1});
  cluster.start_all();
  Writer writer(cluster, 1, 3000, 30);
  writer.start();
  std::this_thread::sleep_for(500ms);
  for (const char* name : {"agent-1", "broker-1", "consumer"}) {
    auto status = cluster.stop_gracefully(name, std::chrono::seconds(20));
    EXPECT_EQ(status, 0) << name << " did not exit 0 on SIGTERM";
  }
  writer.join();
  cluster.start_all();
  expect_exactly_once(wait_for_delivery(cluster, 1, 3000, 60s), 3000);
}

// A random kill schedule over every component while traffic flows (seeded, so a
// failure can be replayed with FERRY_FAULT_SEED).
TEST(PipelineFaultTest, RandomKillSchedule) {
  const char* env_seed = std::getenv("FERRY_FAULT_SEED");
  uint32_t seed = env_seed ? static_cast<uint32_t>(std::strtoul(env_seed, nullptr, 10))
                           : std::random_device{}();
  std::printf("FERRY_FAULT_SEED=%u\n", seed);
  std::mt19937 rng(seed);
  // Soak: FERRY_SOAK_EVENTS (per agent) and FERRY_SOAK_RATE (lines per 10 ms per agent).
  const char* soak_events = std::getenv("FERRY_SOAK_EVENTS");
  const char* soak_rate = std::getenv("FERRY_SOAK_RATE");
  const int per_agent = soak_events ? std::atoi(soak_events) : 8000;
  const int per_tick = soak_rate ? std::atoi(soak_rate) : 20;
  MiniCluster cluster({.brokers = 2, .agents = 3});
  cluster.start_all();
  Writer writer(cluster, 3, per_agent, per_tick);
  writer.start();
  auto names = cluster.names();
  int kills = 0;
  while (!writer.done()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 600));
    const auto& victim = names[rng() % names.size()];
    cluster.kill9(victim);
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 500));
    cluster.start(victim);
    ++kills;
    std::printf("killed and restarted %s\n", victim.c_str());
  }
  writer.join();
  EXPECT_GE(kills, 3);
  std::printf("kills=%d\n", kills);
  expect_exactly_once(wait_for_delivery(cluster, 3, per_agent, 600s), 3u * per_agent);
}

// The consumer writes to HDFS through WebHDFS (a server written for the tests from the
// Hadoop documentation) and is SIGKILLed meanwhile: every line once, in HDFS.
TEST(PipelineFaultTest, WebHdfsSinkWithConsumerKills) {
  TempDir hdfs;
  FakeWebHdfs namenode(hdfs.path().string());
  MiniCluster cluster(
      {.brokers = 1,
       .agents = 2,
       .consumer_extra =
           "[webhdfs]\nnamenode = \"" + namenode.namenode() + "\"\nroot = \"/ferry\"\n",
       .consumer_output = "sink = \"webhdfs\"\nroll_age = \"300ms\"\ncommit_interval = \"100ms\""});
  cluster.set_output_root(namenode.local("/ferry"));
  cluster.start_all();
  Writer writer(cluster, 2, 3000, 30);
  writer.start();
  std::this_thread::sleep_for(700ms);
  cluster.kill9("consumer");
  std::this_thread::sleep_for(300ms);
  cluster.start("consumer");
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, 2, 3000, 60s), 6000);
  EXPECT_GT(namenode.count("PUT CREATE datanode"), 0);
  EXPECT_GT(namenode.count("PUT RENAME"), 0);
}

}  // namespace
}  // namespace ferry::testing
