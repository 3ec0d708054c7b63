// AckRelay (broker/ack_relay.h) over real TLS connections: DELIVERED reaches every open
// connection of the acked host and no other, a detached or closed one no longer counts.

#include "broker/ack_relay.h"

#include <gtest/gtest.h>

#include "tests/support/frame_connection_pair.h"

namespace ferry::broker {
namespace {

using namespace std::chrono_literals;
using testing::FrameInbox;
using testing::run_for;

wire::AckRange range(const std::string& host, uint64_t first, uint64_t last) {
  wire::AckRange r;
  r.host = host;
  r.category = "app";
  r.incarnation = 7;
  r.first_seq = first;
  r.last_seq = last;
  return r;
}

// The ranges of every DELIVERED frame in `frames`.
std::vector<wire::AckRange> delivered(const std::vector<wire::Frame>& frames) {
  std::vector<wire::AckRange> out;
  for (const auto& f : frames) {
    EXPECT_EQ(f.type, wire::FrameType::kDelivered);
    auto ack = wire::decode_ack(f.body);
    EXPECT_TRUE(ack);
    if (ack) out.insert(out.end(), ack.value().ranges.begin(), ack.value().ranges.end());
  }
  return out;
}

class AckRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pairs_ = testing::make_frame_connection_pairs(io_, 3);
    ASSERT_EQ(pairs_.size(), 3u);
    for (auto& p : pairs_) inboxes_.push_back(std::make_unique<FrameInbox>(p.client));
    // h1 has two connections (a reconnect whose old one is not gone yet), h2 one.
    relay_.attach("h1", pairs_[0].server);
    relay_.attach("h1", pairs_[1].server);
    relay_.attach("h2", pairs_[2].server);
  }
  std::vector<wire::AckRange> delivered_to(int i) { return delivered(inboxes_[i]->take()); }

  asio::io_context io_;
  std::vector<testing::FrameConnectionPair> pairs_;
  std::vector<std::unique_ptr<FrameInbox>> inboxes_;
  AckRelay relay_;
};

TEST_F(AckRelayTest, DeliveredReachesEveryConnectionOfItsHostAndNoOther) {
  EXPECT_EQ(relay_.connected_hosts(), 2u);
  relay_.relay_delivered({range("h1", 1, 3), range("h2", 5, 5), range("h9", 1, 1)});
  run_for(io_, 300ms);
  EXPECT_EQ(delivered_to(0), (std::vector<wire::AckRange>{range("h1", 1, 3)}));
  EXPECT_EQ(delivered_to(1), (std::vector<wire::AckRange>{range("h1", 1, 3)}));
  EXPECT_EQ(delivered_to(2), (std::vector<wire::AckRange>{range("h2", 5, 5)}));
}

TEST_F(AckRelayTest, ADetachedConnectionNoLongerHearsOfItsHost) {
  relay_.detach("h1", pairs_[0].server.get());
  relay_.relay_delivered({range("h1", 4, 4)});
  run_for(io_, 300ms);
  EXPECT_TRUE(delivered_to(0).empty());
  EXPECT_EQ(delivered_to(1), (std::vector<wire::AckRange>{range("h1", 4, 4)}));
  relay_.detach("h1", pairs_[1].server.get());
  EXPECT_EQ(relay_.connected_hosts(), 1u) << "a host without connections is forgotten";
  EXPECT_EQ(relay_.hosts(), std::vector<std::string>{"h2"});
}

TEST_F(AckRelayTest, SendToReachesOnlyUsableConnectionsOfTheHost) {
  EXPECT_FALSE(relay_.send_to("h9", wire::encode(wire::Heartbeat{})));
  EXPECT_TRUE(relay_.send_to("h2", wire::encode(wire::Heartbeat{})));
  run_for(io_, 300ms);
  auto frames = inboxes_[2]->take();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].type, wire::FrameType::kHeartbeat);
  EXPECT_TRUE(inboxes_[0]->take().empty());
  pairs_[2].server->close();
  EXPECT_FALSE(relay_.send_to("h2", wire::encode(wire::Heartbeat{})))
      << "its only connection is closed";
}

}  // namespace
}  // namespace ferry::broker
