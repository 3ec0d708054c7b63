// A real broker refuses, with a specific ERROR, peers that claim another identity or
// send bad input, and keeps serving well-behaved agents. After each: both daemons run,
// a line committed before is still in the output once, and the broker's log names the
// reason.

#include <optional>

#include <gtest/gtest.h>

#include "common/wire/messages.h"
#include "tests/support/hostile_peer.h"
#include "tests/support/mini_cluster.h"
#include "tests/support/test_pki.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

Conversation converse_as(const MiniCluster& cluster, const tls::TlsOptions& identity,
                         std::vector<std::string> frames,
                         std::optional<wire::FrameType> until = std::nullopt) {
  return testing::converse(cluster.broker_port(1), identity, std::move(frames), until);
}

Conversation converse(const MiniCluster& cluster, const std::string& identity,
                      std::vector<std::string> frames,
                      std::optional<wire::FrameType> until = std::nullopt) {
  return testing::converse(cluster.broker_port(1), cluster.tls_options(identity), std::move(frames),
                           until);
}

wire::BatchFrame batch_for(const std::string& host, uint64_t seq) {
  return one_line_batch(host, seq);
}

std::string hello(const std::string& host, const std::string& dc = "dc1") {
  return wire::encode(wire::Hello{wire::kProtocolVersion, wire::Role::kAgent, host, dc});
}

class BrokerRefusalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<MiniCluster>(MiniClusterOptions{.brokers = 1, .agents = 2});
    cluster_->start("consumer");
    cluster_->start("broker-1");
    ASSERT_TRUE(wait_until([&] { return converse(*cluster_, "h1", {}).connected; }, 20s));
    auto out = converse(*cluster_, "h2",
                        {hello("h2"), wire::encode(one_line_batch("h2", 1, "before-the-attack\n"))},
                        wire::FrameType::kDelivered);
    ASSERT_TRUE(out.saw(wire::FrameType::kDelivered));
    ASSERT_TRUE(wait_until([&] { return !(before_ = cluster_->delivered_lines()).empty(); }, 20s));
  }
  // The broker still serves a good agent, nothing committed before was lost, and its log
  // gives `reason`.
  void expect_alive_and_logged(const std::string& reason) {
    auto out = converse(*cluster_, "h2", {hello("h2")});
    EXPECT_FALSE(out.error);
    ASSERT_FALSE(out.frames.empty());
    EXPECT_EQ(out.frames.front().type, wire::FrameType::kHello);
    cluster_->expect_unharmed({"consumer", "broker-1"}, before_, "broker-1", reason);
  }

  std::unique_ptr<MiniCluster> cluster_;
  std::vector<std::string> before_;  // delivered before each test's attack
};

TEST_F(BrokerRefusalTest, HelloNamingAnotherHostIsRefused) {
  auto out = converse(*cluster_, "h1", {hello("h2")});
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, wire::Errc::kIdentityMismatch);
  EXPECT_NE(out.error->text.find("h2"), std::string::npos) << out.error->text;
  expect_alive_and_logged("certificate grants");
}

TEST_F(BrokerRefusalTest, BatchNamingAnotherHostIsRefusedAndNotStored) {
  auto out = converse(*cluster_, "h1", {hello("h1"), wire::encode(batch_for("h2", 1))});
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, wire::Errc::kIdentityMismatch);
  EXPECT_FALSE(out.saw(wire::FrameType::kStored));
  expect_alive_and_logged("batch names host 'h2' on a connection of 'h1'");
}

// The broker's node id is the host of its self-status (docs/protocol.md §4.5): no
// agent may take it; the broker's own certificate grants no agent role.
TEST_F(BrokerRefusalTest, AgentUsingTheBrokersOwnNameIsRefused) {
  auto out = converse(*cluster_, "broker-1", {hello("broker-1")});
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, wire::Errc::kIdentityMismatch);
  EXPECT_NE(out.error->text.find("ferry://agent/broker-1"), std::string::npos) << out.error->text;
  expect_alive_and_logged("ferry://agent/broker-1");
}

TEST_F(BrokerRefusalTest, WrongDcIsRefused) {
  auto out = converse(*cluster_, "h1", {hello("h1", "dc9")});
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, wire::Errc::kProtocolViolation);
  expect_alive_and_logged("dc9");
}

TEST_F(BrokerRefusalTest, BatchBeforeHelloIsAProtocolViolation) {
  auto out = converse(*cluster_, "h1", {wire::encode(batch_for("h1", 1))});
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, wire::Errc::kProtocolViolation);
  expect_alive_and_logged("expected HELLO, got BATCH");
}

TEST_F(BrokerRefusalTest, UnknownProtocolVersionIsRefused) {
  // Version 2 in the frame header: the decoder refuses it before reading the body.
  std::string frame = hello("h1");
  frame[4] = 2;
  auto out = converse(*cluster_, "h1", {frame});
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, wire::Errc::kUnsupportedVersion);
  expect_alive_and_logged("unsupported protocol version before HELLO");

  // Version 2 inside a well-formed HELLO.
  out = converse(*cluster_, "h1", {wire::encode(wire::Hello{2, wire::Role::kAgent, "h1", "dc1"})});
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, wire::Errc::kUnsupportedVersion);
  expect_alive_and_logged("bad HELLO: unsupported protocol version");
}

TEST_F(BrokerRefusalTest, CertificateFromAnotherCaIsRefusedAtTheHandshake) {
  // The client trusts the broker (the cluster's CA) but shows a certificate of its own CA.
  TestPki other({tls::RoleClaim::agent("h1")});
  tls::TlsOptions stranger = other.options("h1");
  stranger.ca_file = cluster_->dir().file("certs/ca.crt");
  auto out = converse_as(*cluster_, stranger, {hello("h1")});
  EXPECT_TRUE(out.frames.empty()) << "a peer of another CA got frames back";
  expect_alive_and_logged("TLS handshake with 127.0.0.1 failed: certificate verify failed");
}

TEST_F(BrokerRefusalTest, CorruptFrameAndBadPayloadCrcAreRefused) {
  std::string frame = wire::encode(batch_for("h1", 1));
  frame.back() ^= 1;  // body CRC no longer matches
  auto out = converse(*cluster_, "h1", {hello("h1"), frame});
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, wire::Errc::kBadCrc);

  // Frame intact, payload CRC wrong: that one batch is refused (REFUSED, quarantined),
  // not the connection.
  auto bad = batch_for("h1", 1);
  bad.header.payload_crc ^= 1;
  out = converse(*cluster_, "h1", {hello("h1"), wire::encode(bad)});
  EXPECT_FALSE(out.error);
  ASSERT_TRUE(out.saw(wire::FrameType::kRefused));
  for (const auto& f : out.frames) {
    if (f.type == wire::FrameType::kRefused) {
      EXPECT_EQ(wire::decode_refusal(f.body).value().code, wire::Errc::kBadCrc);
    }
  }
  expect_alive_and_logged("batch h1/events/1 refused for good");
}

TEST_F(BrokerRefusalTest, GoodBatchIsStoredAndAResendIsAckedAgain) {
  auto out =
      converse(*cluster_, "h1",
               {hello("h1"), wire::encode(batch_for("h1", 1)), wire::encode(batch_for("h1", 1))},
               wire::FrameType::kDelivered);
  EXPECT_FALSE(out.error);
  // Both copies are acked (STORED, or DELIVERED once committed), and the consumer's
  // commit comes back as DELIVERED on the same connection.
  int stored = 0, delivered = 0;
  for (const auto& f : out.frames) {
    stored += f.type == wire::FrameType::kStored;
    delivered += f.type == wire::FrameType::kDelivered;
  }
  EXPECT_GE(stored + delivered, 2);
  EXPECT_GE(delivered, 1);
}

}  // namespace
}  // namespace ferry::testing
