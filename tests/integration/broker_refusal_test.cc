// A real broker refuses, with a specific ERROR, peers that claim another identity or
// send bad input, and keeps serving well-behaved agents.

#include <optional>

#include <gtest/gtest.h>

#include "common/base/crc32c.h"
#include "common/net/hello_exchange.h"
#include "common/net/tls_server.h"
#include "common/tls/tls_context.h"
#include "common/wire/messages.h"
#include "tests/support/mini_cluster.h"
#include "tests/support/test_pki.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

struct Outcome {
  bool connected = false;
  std::optional<wire::Error> error;  // the ERROR the broker sent, if any
  std::vector<wire::FrameType> frames;
};

// Connects to the broker with `identity`'s certificate, sends `frames` and collects
// what comes back until the broker closes, 3 s pass without a frame or 10 s in all. With
// `until`, reading stops at that frame type instead, and waits up to 40 s for it (a
// DELIVERED takes a commit on the consumer, several synced writes on a loaded disk).
Outcome converse_as(const MiniCluster& cluster, const tls::TlsOptions& identity, std::vector<std::string> frames,
                    std::optional<wire::FrameType> until = std::nullopt) {
  asio::io_context io;
  auto ctx = tls::make_client_context(identity);
  EXPECT_TRUE(ctx);
  Outcome out;
  struct Run {
    static asio::awaitable<void> go(asio::io_context& io, asio::ssl::context& ctx, uint16_t port,
                                    std::vector<std::string> frames, std::optional<wire::FrameType> until,
                                    Outcome& out) {
      // Locals, not temporaries: g++ 12 mishandles temporaries in co_await arguments.
      const std::string host = "127.0.0.1";
      const net::SocketTuning tuning;
      auto executor = io.get_executor();
      auto conn = co_await net::connect_tls(executor, ctx, host, port, tuning, wire::kDefaultMaxFrameBody,
                                            std::chrono::milliseconds(5000));
      if (!conn) co_return;
      out.connected = true;
      for (auto& f : frames) conn.value()->send(std::move(f));
      const std::chrono::milliseconds idle = until ? 40s : 3s;
      while (true) {
        auto frame = co_await conn.value()->read_frame_within(idle);
        if (!frame) break;
        out.frames.push_back(frame.value().type);
        if (frame.value().type == until) break;
        if (frame.value().type == wire::FrameType::kError) {
          auto e = wire::decode_error(frame.value().body);
          if (e) out.error = e.value();
        }
      }
    }
  };
  asio::co_spawn(io, Run::go(io, *ctx.value(), cluster.broker_port(1), std::move(frames), until, out),
                 asio::detached);
  io.run_for(until ? 40s : 10s);
  return out;
}

// The same, with `identity`'s certificate from the cluster's CA.
Outcome converse(const MiniCluster& cluster, const std::string& identity, std::vector<std::string> frames,
                 std::optional<wire::FrameType> until = std::nullopt) {
  std::string certs = cluster.dir().file("certs");
  return converse_as(cluster, {certs + "/" + identity + ".crt", certs + "/" + identity + ".key", certs + "/ca.crt"},
                     std::move(frames), until);
}

wire::BatchFrame batch_for(const std::string& host, uint64_t seq) {
  wire::BatchFrame b;
  b.header.host = host;
  b.header.category = "events";
  b.header.seq = seq;
  b.header.event_count = 1;
  b.payload = "hello\n";
  b.header.raw_size = 6;
  b.header.payload_size = 6;
  b.header.codec = batch::Codec::kNone;
  b.header.min_time_ms = b.header.max_time_ms = 1'700'000'000'000;
  b.header.payload_crc = crc32c::value(b.payload);
  return b;
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
  }
  // The broker still serves a good agent, and its log gives `reason`.
  void expect_alive_and_logged(const std::string& reason) {
    EXPECT_TRUE(cluster_->running("broker-1"));
    auto out = converse(*cluster_, "h2", {hello("h2")});
    EXPECT_FALSE(out.error);
    ASSERT_FALSE(out.frames.empty());
    EXPECT_EQ(out.frames.front(), wire::FrameType::kHello);
    EXPECT_NE(read_file(cluster_->log("broker-1")).find(reason), std::string::npos)
        << "no '" << reason << "' in the broker's log";
  }

  std::unique_ptr<MiniCluster> cluster_;
};

TEST_F(BrokerRefusalTest, HelloNamingAnotherHostIsRefused) {
  auto out = converse(*cluster_, "h1", {hello("h2")});
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, wire::Errc::kIdentityMismatch);
  EXPECT_NE(out.error->text.find("h2"), std::string::npos) << out.error->text;
}

TEST_F(BrokerRefusalTest, BatchNamingAnotherHostIsRefusedAndNotStored) {
  auto out = converse(*cluster_, "h1", {hello("h1"), wire::encode(batch_for("h2", 1))});
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, wire::Errc::kIdentityMismatch);
  for (auto t : out.frames) EXPECT_NE(t, wire::FrameType::kStored);
}

// The broker's node id is the host of its self-status (docs/protocol.md §4.5): no
// agent may take it, even with a certificate that names it.
TEST_F(BrokerRefusalTest, AgentUsingTheBrokersOwnNameIsRefused) {
  auto out = converse(*cluster_, "broker-1", {hello("broker-1")});
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, wire::Errc::kIdentityMismatch);
  EXPECT_NE(out.error->text.find("node id"), std::string::npos) << out.error->text;
}

TEST_F(BrokerRefusalTest, WrongDcIsRefused) {
  auto out = converse(*cluster_, "h1", {hello("h1", "dc9")});
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, wire::Errc::kProtocolViolation);
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
  TestPki other({"h1"});
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

  auto bad = batch_for("h1", 1);
  bad.header.payload_crc ^= 1;  // frame intact, payload CRC wrong
  out = converse(*cluster_, "h1", {hello("h1"), wire::encode(bad)});
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, wire::Errc::kBadCrc);
}

TEST_F(BrokerRefusalTest, GoodBatchIsStoredAndAResendIsAckedAgain) {
  auto out = converse(*cluster_, "h1", {hello("h1"), wire::encode(batch_for("h1", 1)), wire::encode(batch_for("h1", 1))},
                      wire::FrameType::kDelivered);
  EXPECT_FALSE(out.error);
  // Both copies are acked (STORED, or DELIVERED once committed), and the consumer's
  // commit comes back as DELIVERED on the same connection.
  int stored = 0, delivered = 0;
  for (auto t : out.frames) {
    stored += t == wire::FrameType::kStored;
    delivered += t == wire::FrameType::kDelivered;
  }
  EXPECT_GE(stored + delivered, 2);
  EXPECT_GE(delivered, 1);
}

}  // namespace
}  // namespace ferry::testing
