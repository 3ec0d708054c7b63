// The consumer's optional allow-list (docs/security.md): with allowed_brokers set, a
// broker the CA vouches for but the list does not name is refused at HELLO, with the
// reason logged; listed brokers deliver as before. Without it, any broker key of the CA
// could feed the consumer.

#include <algorithm>
#include <fstream>

#include <gtest/gtest.h>

#include "common/wire/messages.h"
#include "tests/support/hostile_peer.h"
#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

bool delivered_contains(const MiniCluster& cluster, const std::string& needle) {
  auto lines = cluster.delivered_lines();
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

TEST(AllowedBrokersTest, BrokerOutsideTheListIsRefusedAtHelloListedOnesDeliver) {
  MiniClusterOptions o{.brokers = 1, .agents = 1};
  o.consumer_extra = "allowed_brokers = [\"DC1/Broker-1\"]";  // any case, compared lowercased
  o.extra_identities = {tls::RoleClaim::broker("dc1", "broker-9")};
  MiniCluster cluster(o);
  cluster.start_all();
  ASSERT_TRUE(wait_until(
      [&] {
        return converse(cluster.consumer_port(), cluster.tls_options("consumer-1"), {}).connected;
      },
      20s));

  auto out = converse(
      cluster.consumer_port(), cluster.tls_options("broker-9"),
      {wire::encode(wire::Hello{wire::kProtocolVersion, wire::Role::kBroker, "broker-9", "dc1"}),
       wire::encode(one_line_batch("h1", 1, "unlisted-broker-line\n"))});
  ASSERT_TRUE(out.connected);
  ASSERT_TRUE(out.error) << "an unlisted broker was let in";
  EXPECT_EQ(out.error->code, wire::Errc::kUnauthenticated) << out.error->text;
  EXPECT_NE(out.error->text.find("broker dc1/broker-9 is not in this node's allow-list"),
            std::string::npos)
      << out.error->text;
  EXPECT_FALSE(out.saw(wire::FrameType::kCommitted));

  std::ofstream(cluster.input_file(1), std::ios::app) << syslog_line("h1", "listed-broker-line");
  EXPECT_TRUE(wait_until([&] { return delivered_contains(cluster, "listed-broker-line"); }, 60s));
  EXPECT_FALSE(delivered_contains(cluster, "unlisted-broker-line"));
  EXPECT_NE(
      read_file(cluster.log("consumer")).find("dc1/broker-9 is not in this node's allow-list"),
      std::string::npos)
      << "the consumer did not log the reason";
}

}  // namespace
}  // namespace ferry::testing
