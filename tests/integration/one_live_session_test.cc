// One live connection per identity: a second agent connection for a host that already has
// one, or a second connection of a broker id at the consumer, is refused with the reason
// instead of both being served (two writers of one stream: a cloned host, or a stolen
// key beside the real peer).

#include <future>

#include <gtest/gtest.h>

#include "common/wire/messages.h"
#include "tests/support/hostile_peer.h"
#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

// While a first connection with `first_hello` idles (it reads for 3 s), a second one
// says the same HELLO.
Conversation second_of_two(uint16_t port, const tls::TlsOptions& identity,
                           const std::string& hello) {
  auto first = std::async(std::launch::async, [&] { return converse(port, identity, {hello}); });
  std::this_thread::sleep_for(1s);
  auto second = converse(port, identity, {hello});
  EXPECT_FALSE(first.get().error) << "the first connection was refused";
  return second;
}

TEST(OneLiveSessionTest, ASecondConnectionOfAnAgentHostOrABrokerIdIsRefused) {
  MiniCluster cluster(MiniClusterOptions{.brokers = 1, .agents = 1});
  cluster.start("consumer");
  cluster.start("broker-1");
  ASSERT_TRUE(wait_until(
      [&] { return converse(cluster.broker_port(1), cluster.tls_options("h1"), {}).connected; },
      20s));

  auto agent = second_of_two(
      cluster.broker_port(1), cluster.tls_options("h1"),
      wire::encode(wire::Hello{wire::kProtocolVersion, wire::Role::kAgent, "h1", "dc1"}));
  ASSERT_TRUE(agent.error);
  EXPECT_EQ(agent.error->code, wire::Errc::kIdentityMismatch);
  EXPECT_NE(agent.error->text.find("already has a live connection"), std::string::npos)
      << agent.error->text;

  // broker-1 itself holds its connection to the consumer: a second one is refused.
  auto broker = converse(
      cluster.consumer_port(), cluster.tls_options("broker-1"),
      {wire::encode(wire::Hello{wire::kProtocolVersion, wire::Role::kBroker, "broker-1", "dc1"})});
  ASSERT_TRUE(broker.error);
  EXPECT_NE(broker.error->text.find("already has a live connection"), std::string::npos)
      << broker.error->text;

  // Once the first is gone, the identity is free again.
  EXPECT_FALSE(
      converse(cluster.broker_port(1), cluster.tls_options("h1"),
               {wire::encode(wire::Hello{wire::kProtocolVersion, wire::Role::kAgent, "h1", "dc1"})})
          .error);
}

}  // namespace
}  // namespace ferry::testing
