// Agents that know no broker address find their DC's brokers in a real ZooKeeper, each
// on its rendezvous first choice; when that broker is SIGKILLed they fail over, stay on
// the new broker after the old one returns, and every line arrives exactly once.

#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "common/zk/rendezvous.h"
#include "tests/support/delivery_check.h"
#include "tests/support/http_get.h"
#include "tests/support/mini_cluster.h"
#include "tests/support/zookeeper_server.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

// The broker ids an agent's log says it connected to, in order.
std::vector<std::string> brokers_connected(const MiniCluster& cluster, int agent) {
  static const std::regex kConnected("connected to broker ([a-z0-9-]+) ");
  std::vector<std::string> out;
  const std::string log = read_file(cluster.log("agent-" + std::to_string(agent)));
  for (std::sregex_iterator it(log.begin(), log.end(), kConnected), end; it != end; ++it)
    out.push_back((*it)[1]);
  return out;
}

TEST(ZooKeeperDiscoveryTest, AgentsFindBrokersFailOverAndStick) {
  TempDir zk_dir;
  ZooKeeperServer zk(zk_dir.file("zk"));
  constexpr int kAgents = 4, kLines = 3000;
  MiniCluster cluster({.brokers = 2, .agents = kAgents, .zookeeper = zk.hosts()});
  // Brokers first, registered before any agent looks: an agent takes the first list it
  // sees and then sticks, so a broker registering late would not get its share.
  for (const char* name : {"consumer", "broker-1", "broker-2"}) cluster.start(name);
  for (const char* name : {"broker-1", "broker-2"}) {
    ASSERT_TRUE(wait_until(
        [&] {
          return read_file(cluster.log(name)).find("registered /brokers/dc1/") != std::string::npos;
        },
        30s))
        << name;
  }
  for (int a = 1; a <= kAgents; ++a) cluster.start("agent-" + std::to_string(a));

  auto first_choice = [&](int a) {
    return zk::rendezvous_rank(cluster.host(a), {"broker-1", "broker-2"}).front();
  };
  for (int a = 1; a <= kAgents; ++a) {
    ASSERT_TRUE(wait_until([&] { return !brokers_connected(cluster, a).empty(); }, 30s))
        << "agent-" << a;
    EXPECT_EQ(brokers_connected(cluster, a).front(), first_choice(a))
        << "agent-" << a << " dials its rendezvous first choice";
  }

  Writer writer(cluster, kAgents, kLines, 20);
  writer.start();
  std::this_thread::sleep_for(1s);
  const std::string victim = first_choice(1);
  cluster.kill9(victim);
  std::this_thread::sleep_for(4s);  // past the 2 s session: ZooKeeper drops its node
  cluster.start(victim);
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, kAgents, kLines, 90s), kAgents * kLines);

  for (int a = 1; a <= kAgents; ++a) {
    auto seen = brokers_connected(cluster, a);
    if (first_choice(a) != victim) {
      EXPECT_EQ(seen.size(), 1u) << "agent-" << a << " never left its live broker";
      continue;
    }
    ASSERT_GE(seen.size(), 2u) << "agent-" << a << " failed over";
    EXPECT_NE(seen[1], victim);
    EXPECT_EQ(seen.back(), seen[1]) << "agent-" << a << " stays on the broker it failed over to";
  }

  // A broker says at once, on /metrics, when its consumer link is down.
  const std::string link_up = "ferry_broker_consumer_connected{consumer=\"127.0.0.1:" +
                              std::to_string(cluster.consumer_port()) + "\"} ";
  auto metrics = [&] { return http_get(cluster.broker_http_port(1), "/metrics").body; };
  EXPECT_NE(metrics().find("ferry_broker_zookeeper_registered 1"), std::string::npos) << metrics();
  EXPECT_NE(metrics().find(link_up + "1"), std::string::npos) << metrics();
  cluster.kill9("consumer");
  EXPECT_TRUE(wait_until([&] { return metrics().find(link_up + "0") != std::string::npos; }, 10s))
      << metrics();
}

}  // namespace
}  // namespace ferry::testing
