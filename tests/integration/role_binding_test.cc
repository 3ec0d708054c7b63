// A certificate acts only as the role it was issued for (DESIGN §10, docs/security.md):
// each test plays a peer holding a real key of the cluster's CA and claiming a role or
// name that key does not grant, against real daemons. Before role-bound certificates,
// every one of these was accepted, and the first forged lines and lost a real one.

#include <algorithm>
#include <fstream>

#include <gtest/gtest.h>

#include "common/wire/messages.h"
#include "tests/support/hostile_peer.h"
#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

std::string hello(wire::Role role, const std::string& id, const std::string& dc) {
  return wire::encode(wire::Hello{wire::kProtocolVersion, role, id, dc});
}

bool delivered_contains(const MiniCluster& cluster, const std::string& needle) {
  auto lines = cluster.delivered_lines();
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

void expect_refused_as_impostor(const Conversation& out) {
  ASSERT_TRUE(out.connected);
  ASSERT_TRUE(out.error) << "the impostor was not refused";
  EXPECT_EQ(out.error->code, wire::Errc::kIdentityMismatch) << out.error->text;
  EXPECT_NE(out.error->text.find("certificate grants"), std::string::npos) << out.error->text;
}

class RoleBindingTest : public ::testing::Test {
 protected:
  MiniClusterOptions options() {
    MiniClusterOptions o{.brokers = 1, .agents = 1};
    o.extra_identities = {tls::RoleClaim::broker("dc2", "broker-x")};
    return o;
  }
  MiniCluster cluster_{options()};
};

// An agent's key, dialling the consumer as a "broker" of a made-up DC, once had its
// forged line COMMITTED, and its seq 1 then shadowed the real h1's seq 1 (dropped as a
// duplicate and counted DELIVERED).
TEST_F(RoleBindingTest, AgentKeyPosingAsABrokerToTheConsumerForgesNothingAndShadowsNothing) {
  cluster_.start("consumer");
  ASSERT_TRUE(wait_until(
      [&] {
        return converse(cluster_.consumer_port(), cluster_.tls_options("consumer-1"), {}).connected;
      },
      20s));
  auto out = converse(cluster_.consumer_port(), cluster_.tls_options("h1"),
                      {hello(wire::Role::kBroker, "h1", "made-up-dc"),
                       wire::encode(one_line_batch("h1", 1, "forged-line\n"))});
  expect_refused_as_impostor(out);
  EXPECT_FALSE(out.saw(wire::FrameType::kCommitted));

  cluster_.start("broker-1");
  cluster_.start("agent-1");
  std::ofstream(cluster_.input_file(1), std::ios::app) << syslog_line("h1", "real-line-1");
  EXPECT_TRUE(wait_until([&] { return delivered_contains(cluster_, "real-line-1"); }, 60s))
      << "the real host's first line never reached the output";
  EXPECT_FALSE(delivered_contains(cluster_, "forged-line"));
  std::ifstream log(cluster_.log("consumer"));
  std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(text.find("ferry://broker/made-up-dc/h1"), std::string::npos)
      << "the consumer did not log the reason";
  cluster_.expect_unharmed({"consumer", "broker-1", "agent-1"}, {}, "consumer",
                           "certificate grants");
}

// A consumer's key saying HELLO to a broker as an agent once had its batches STORED.
TEST_F(RoleBindingTest, ConsumerKeyPosingAsAnAgentIsRefusedByTheBroker) {
  cluster_.start("consumer");
  cluster_.start("broker-1");
  ASSERT_TRUE(wait_until(
      [&] { return converse(cluster_.broker_port(1), cluster_.tls_options("h1"), {}).connected; },
      20s));
  auto out = converse(cluster_.broker_port(1), cluster_.tls_options("consumer-1"),
                      {hello(wire::Role::kAgent, "consumer-1", "dc1"),
                       wire::encode(one_line_batch("consumer-1", 1))});
  expect_refused_as_impostor(out);
  EXPECT_FALSE(out.saw(wire::FrameType::kStored));
  cluster_.expect_unharmed({"consumer", "broker-1"}, {}, "broker-1",
                           "HELLO claims ferry://agent/consumer-1");
}

// Names compare in one case: "H1" with h1's certificate once opened a second stream.
TEST_F(RoleBindingTest, ANameInAnotherCaseIsRefused) {
  cluster_.start("consumer");
  cluster_.start("broker-1");
  ASSERT_TRUE(wait_until(
      [&] { return converse(cluster_.broker_port(1), cluster_.tls_options("h1"), {}).connected; },
      20s));
  auto out = converse(cluster_.broker_port(1), cluster_.tls_options("h1"),
                      {hello(wire::Role::kAgent, "H1", "dc1")});
  expect_refused_as_impostor(out);
  cluster_.expect_unharmed({"consumer", "broker-1"}, {}, "broker-1",
                           "HELLO claims ferry://agent/H1");
}

// A broker dials its consumers: an agent's key answering as the consumer once got every
// batch and acked them COMMITTED while throwing them away.
TEST_F(RoleBindingTest, BrokerRefusesAnAgentKeyAnsweringAsItsConsumer) {
  FakePeerServer fake(cluster_.consumer_port(), cluster_.tls_options("h1"),
                      wire::Hello{wire::kProtocolVersion, wire::Role::kConsumer, "h1", "central"});
  cluster_.start("broker-1");
  auto out = fake.first_conversation(30s);
  expect_refused_as_impostor(out);
  EXPECT_FALSE(out.saw(wire::FrameType::kBatch));
}

// An agent talks only to brokers of its DC, whatever a peer's HELLO says.
TEST_F(RoleBindingTest, AgentRefusesABrokerOfAnotherDcAndAnotherRole) {
  std::ofstream(cluster_.input_file(1), std::ios::app) << syslog_line("h1", "must-not-leave");
  for (const auto& [identity, claimed] :
       {std::pair{std::string("broker-x"), std::string("broker-x")},
        std::pair{std::string("consumer-1"), std::string("consumer-1")}}) {
    FakePeerServer fake(cluster_.broker_port(1), cluster_.tls_options(identity),
                        wire::Hello{wire::kProtocolVersion, wire::Role::kBroker, claimed, "dc1"});
    cluster_.start("agent-1");
    auto out = fake.first_conversation(30s);
    cluster_.kill9("agent-1");
    SCOPED_TRACE(identity);
    expect_refused_as_impostor(out);
    EXPECT_FALSE(out.saw(wire::FrameType::kBatch));
  }
}

}  // namespace
}  // namespace ferry::testing
