// A consumer tier coordinated in ZooKeeper (docs/coordination.md): brokers route each
// stream to the live consumer that owns its slot; consumers claim, fence and release
// slots. Checked on the shared output: every line once, and per stream one writer at a
// time (the commit manifests under _ferry/commits say who committed which seqs).

#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <thread>

#include "common/zk/slot_map.h"
#include "tests/support/commit_history.h"
#include "tests/support/delivery_check.h"
#include "tests/support/http_get.h"
#include "tests/support/mini_cluster.h"
#include "tests/support/zookeeper_server.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

int slots_owned(const MiniCluster& cluster, int c) {
  static const std::regex kOwned("\"slots_owned\":(-?[0-9]+)");
  std::smatch m;
  std::string body;
  try {
    body = http_get(cluster.consumer_http_port(c), "/api/summary").body;
  } catch (const std::exception&) {
    return 0;  // not listening (yet, or any more)
  }
  return std::regex_search(body, m, kOwned) ? std::stoi(m[1]) : 0;
}

// Waits until consumers `live` hold every slot between them.
void wait_slots_settled(const MiniCluster& cluster, const std::vector<int>& live) {
  ASSERT_TRUE(wait_until([&] {
    int sum = 0;
    for (int c : live) sum += slots_owned(cluster, c);
    return sum == static_cast<int>(zk::kSlots);
  }, 60s)) << "the live consumers never held all slots";
}

std::string owner_of(int agent, const std::vector<std::string>& ids) {
  return zk::SlotMap(ids).owner_of("h" + std::to_string(agent), "events");
}

void expect_one_writer_at_a_time(const MiniCluster& cluster) {
  auto history = read_commit_history(cluster.output_root());
  EXPECT_GT(history.manifests, 0u);
  for (const auto& overlap : history.overlaps()) ADD_FAILURE() << "two writers at once: " << overlap;
}

// Brokers registered before any agent looks (an agent sticks to the first broker it
// finds), then the agents.
void start_brokers_then_agents(MiniCluster& cluster, int agents) {
  for (const char* b : {"broker-1", "broker-2"}) cluster.start(b);
  for (const char* b : {"broker-1", "broker-2"}) {
    ASSERT_TRUE(wait_until([&] { return read_file(cluster.log(b)).find("registered /brokers/dc1/") != std::string::npos; },
                           30s)) << b;
  }
  for (int a = 1; a <= agents; ++a) cluster.start("agent-" + std::to_string(a));
}

MiniClusterOptions tier(const std::string& zk, int consumers, int agents) {
  MiniClusterOptions o{.brokers = 2, .agents = agents, .zookeeper = zk};
  o.consumers = consumers;
  o.log_to_files = false;
  return o;
}

TEST(ZooKeeperConsumerTierTest, BrokersRouteEachStreamToItsSlotOwner) {
  TempDir zk_dir;
  ZooKeeperServer zk(zk_dir.file("zk"));
  constexpr int kConsumers = 3, kAgents = 8, kLines = 2000;
  MiniCluster cluster(tier(zk.hosts(), kConsumers, kAgents));
  for (int c = 1; c <= kConsumers; ++c) cluster.start(MiniCluster::consumer_name(c));
  wait_slots_settled(cluster, {1, 2, 3});
  start_brokers_then_agents(cluster, kAgents);

  Writer writer(cluster, kAgents, kLines, 4);
  writer.start();
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, kAgents, kLines, 90s), kAgents * kLines);

  const std::vector<std::string> ids{"consumer-1", "consumer-2", "consumer-3"};
  auto history = read_commit_history(cluster.output_root());
  std::set<std::string> writer_ids;
  for (int a = 1; a <= kAgents; ++a) {
    const auto& by_writer = history.streams["h" + std::to_string(a) + "/events"];
    ASSERT_EQ(by_writer.size(), 1u) << "h" << a << " has one writer";
    const std::string& tag = by_writer.begin()->first;
    EXPECT_EQ(tag.substr(0, tag.rfind('-')), owner_of(a, ids)) << "h" << a << " is written by its slot's owner";
    writer_ids.insert(tag.substr(0, tag.rfind('-')));
  }
  EXPECT_EQ(writer_ids.size(), 3u) << "every consumer writes some of the streams";

  // Brokers send every host's STATUS to every consumer: any consumer's page shows all.
  for (int c = 1; c <= kConsumers; ++c) {
    EXPECT_TRUE(wait_until([&] {
      const std::string hosts = http_get(cluster.consumer_http_port(c), "/api/hosts").body;
      for (int a = 1; a <= kAgents; ++a) {
        if (hosts.find("\"h" + std::to_string(a) + "\"") == std::string::npos) return false;
      }
      return true;
    }, 10s)) << "consumer " << c << " shows every host: " << http_get(cluster.consumer_http_port(c), "/api/hosts").body;
  }
}

TEST(ZooKeeperConsumerTierTest, ExactlyOnceAcrossAConsumerKilledAndOneAdded) {
  TempDir zk_dir;
  ZooKeeperServer zk(zk_dir.file("zk"));
  constexpr int kAgents = 8, kLines = 3000;
  MiniCluster cluster(tier(zk.hosts(), 4, kAgents));
  for (int c = 1; c <= 3; ++c) cluster.start(MiniCluster::consumer_name(c));
  wait_slots_settled(cluster, {1, 2, 3});
  start_brokers_then_agents(cluster, kAgents);

  // The victim writes some streams; the newcomer takes some over.
  const std::string victim = "consumer-3";
  int victim_streams = 0, newcomer_streams = 0;
  for (int a = 1; a <= kAgents; ++a) {
    victim_streams += owner_of(a, {"consumer-1", "consumer-2", "consumer-3"}) == victim;
    newcomer_streams += owner_of(a, {"consumer-1", "consumer-2", "consumer-4"}) == "consumer-4";
  }
  ASSERT_GT(victim_streams, 0);
  ASSERT_GT(newcomer_streams, 0);

  Writer writer(cluster, kAgents, kLines, 2);  // ~15 s of traffic
  writer.start();
  std::this_thread::sleep_for(4s);
  cluster.kill9(MiniCluster::consumer_name(3));
  wait_slots_settled(cluster, {1, 2});  // after its session (2 s) expired
  std::this_thread::sleep_for(2s);
  cluster.start(MiniCluster::consumer_name(4));
  wait_slots_settled(cluster, {1, 2, 4});
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, kAgents, kLines, 120s), kAgents * kLines);
  expect_one_writer_at_a_time(cluster);

  auto writers = read_commit_history(cluster.output_root()).writers();
  std::set<std::string> ids;
  for (const auto& tag : writers) ids.insert(tag.substr(0, tag.rfind('-')));
  EXPECT_TRUE(ids.count("consumer-4")) << "the newcomer wrote its streams";
  EXPECT_TRUE(ids.count("consumer-3")) << "the victim wrote before it died";
}

TEST(ZooKeeperConsumerTierTest, AConsumerPausedPastItsSessionIsFencedAndWritesNothing) {
  TempDir zk_dir;
  ZooKeeperServer zk(zk_dir.file("zk"));
  constexpr int kAgents = 6, kLines = 3000;
  MiniCluster cluster(tier(zk.hosts(), 3, kAgents));
  for (int c = 1; c <= 3; ++c) cluster.start(MiniCluster::consumer_name(c));
  wait_slots_settled(cluster, {1, 2, 3});
  start_brokers_then_agents(cluster, kAgents);

  const std::string victim = "consumer-3";  // writes h1..h5 (common/zk/slot_map.h ranks)
  Writer writer(cluster, kAgents, kLines, 2);
  writer.start();
  std::this_thread::sleep_for(4s);
  const pid_t pid = cluster.pid(MiniCluster::consumer_name(3));
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  // Its session expires; the others claim its slots and fence it.
  wait_slots_settled(cluster, {1, 2});
  ASSERT_TRUE(wait_until([&] {
    for (int c : {1, 2}) {
      if (read_file(cluster.log(MiniCluster::consumer_name(c))).find("fenced consumer instance " + victim) !=
          std::string::npos) {
        return true;
      }
    }
    return false;
  }, 30s)) << "nobody fenced the paused consumer";
  std::this_thread::sleep_for(2s);  // the new owners write the moved streams
  const auto before = read_commit_history(cluster.output_root());
  ASSERT_EQ(::kill(pid, SIGCONT), 0);
  // It wakes with batches and open files of streams it no longer owns: none may land.
  EXPECT_TRUE(wait_until([&] { return !cluster.running(MiniCluster::consumer_name(3)); }, 30s))
      << "the woken consumer stops";
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, kAgents, kLines, 120s), kAgents * kLines);
  expect_one_writer_at_a_time(cluster);

  const auto after = read_commit_history(cluster.output_root());
  for (const auto& [stream, by_writer] : after.streams) {
    for (const auto& [tag, seqs] : by_writer) {
      if (tag.rfind(victim + "-", 0) != 0) continue;
      auto was = before.streams.find(stream);
      const size_t had = was == before.streams.end() || !was->second.count(tag) ? 0 : was->second.at(tag).size();
      EXPECT_EQ(seqs.size(), had) << stream << ": the fenced consumer committed after it woke";
    }
  }
  const std::string log = read_file(cluster.log(MiniCluster::consumer_name(3)));
  // Whichever it notices first: its session expired, or a write failed on the fence.
  EXPECT_TRUE(log.find("session expired") != std::string::npos ||
              log.find("bucket store failed (No such file or directory)") != std::string::npos)
      << log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
}

}  // namespace
}  // namespace ferry::testing
