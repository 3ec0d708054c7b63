// BrokerLink (agent/send/broker_link.h) against a fake broker over real mTLS on one
// io_context: the window is resent whole and in order on every connection, DELIVERED and
// REFUSED take batches out of it, and a broker of another DC is never sent a batch.

#include "agent/send/broker_link.h"

#include <gtest/gtest.h>

#include "common/net/hello_exchange.h"
#include "common/tls/context_source.h"
#include "common/tls/role_claim.h"
#include "common/tls/tls_context.h"
#include "tests/support/test_pki.h"

namespace ferry::agent::send {
namespace {

using namespace std::chrono_literals;
using tls::RoleClaim;

constexpr uint64_t kIncarnation = 5;

InflightBatch batch(const std::string& category, uint64_t seq, size_t payload_bytes = 1) {
  wire::BatchFrame f;
  f.header.host = "h1";
  f.header.category = category;
  f.header.incarnation = kIncarnation;
  f.header.seq = seq;
  f.header.event_count = 1;
  f.payload = std::string(payload_bytes, 'x');
  f.header.payload_size = static_cast<uint32_t>(payload_bytes);
  f.header.raw_size = static_cast<uint32_t>(payload_bytes);
  InflightBatch b;
  b.category = category;
  b.seq = seq;
  b.events = 1;
  b.frame = wire::encode(f);
  return b;
}

wire::AckRange range(const std::string& category, uint64_t first, uint64_t last) {
  return {"h1", category, first, last, kIncarnation};
}

// Accepts agents, answers HELLO as broker `id` of `dc`, and records the (category, seq)
// of every BATCH on each connection.
class FakeBroker {
 public:
  FakeBroker(asio::io_context& io, const testing::TestPki& pki, std::string dc, std::string id)
      : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        dc_(std::move(dc)),
        id_(std::move(id)) {
    auto ctx = tls::make_server_context(pki.options(id_));
    if (!ctx) throw std::runtime_error(ctx.error().text);
    ctx_ = ctx.value();
    asio::co_spawn(io, accept_loop(), asio::detached);
  }
  std::string address() const {
    return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  // Per connection, in order: the batches received.
  std::vector<std::vector<std::pair<std::string, uint64_t>>> received;
  std::shared_ptr<net::FrameConnection> current;
  bool paused = false;  // stop reading (the agent's writes then stay queued)

 private:
  asio::awaitable<void> accept_loop() {
    while (true) {
      boost::system::error_code ec;
      auto socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(acceptor_.get_executor(), serve(std::move(socket)), asio::detached);
    }
  }
  asio::awaitable<void> serve(tcp::socket socket) {
    net::TlsStream stream(std::move(socket), *ctx_);
    if (co_await net::handshake(stream, asio::ssl::stream_base::server, 10s)) co_return;
    auto conn = std::make_shared<net::FrameConnection>(std::move(stream), 1 << 20);
    net::HelloPolicy policy;
    policy.local = wire::Hello{wire::kProtocolVersion, wire::Role::kBroker, id_, dc_};
    policy.expected_peer_role = wire::Role::kAgent;
    if (!co_await net::accept_hello(*conn, policy)) co_return;
    current = conn;
    auto& mine = received.emplace_back();
    asio::steady_timer pause(conn->executor());
    while (true) {
      while (paused) {
        pause.expires_after(5ms);
        boost::system::error_code ec;
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      auto f = co_await conn->read_frame();
      if (!f) co_return;
      if (f.value().type != wire::FrameType::kBatch) continue;
      auto b = wire::decode_batch_fields(f.value().body);
      if (!b) {
        ADD_FAILURE() << "a BATCH that does not decode: " << b.error().message();
        co_return;
      }
      mine.emplace_back(b.value().header.category, b.value().header.seq);
    }
  }

  tcp::acceptor acceptor_;
  std::string dc_, id_;
  std::shared_ptr<asio::ssl::context> ctx_;
};

class BrokerLinkTest : public ::testing::Test {
 protected:
  void start_link(const std::vector<std::string>& brokers) {
    auto source = tls::ContextSource::load(tls::ContextSource::Side::kClient, pki_.options("h1"));
    ASSERT_TRUE(source) << source.error().text;
    tls_ = source.value();
    BrokerLinkOptions o;
    o.host = "h1";
    o.dc = "dc1";
    o.brokers = brokers;
    o.backoff_initial = 10ms;
    o.backoff_max = 50ms;
    link_ = std::make_unique<BrokerLink>(
        io_.get_executor(), *tls_, o, window_,
        [this](std::vector<InflightBatch> b) {
          delivered_.insert(delivered_.end(), b.begin(), b.end());
        },
        [this](std::vector<InflightBatch> b, const wire::Refusal&) {
          refused_.insert(refused_.end(), b.begin(), b.end());
        });
    link_->start();
  }
  // Runs the io_context until `done` holds (false after 10 s).
  template <class Pred>
  bool run_until(Pred done) {
    io_.restart();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.run_one_for(50ms);
    }
    return true;
  }
  void TearDown() override {
    if (link_) link_->stop();
    io_.restart();
    io_.run_for(100ms);
  }

  asio::io_context io_;
  testing::TestPki pki_{{RoleClaim::broker("dc1", "broker-1"), RoleClaim::broker("dc2", "broker-9"),
                         RoleClaim::agent("h1")}};
  std::shared_ptr<tls::ContextSource> tls_;
  InflightWindow window_{100, 1 << 20};
  std::unique_ptr<BrokerLink> link_;
  std::vector<InflightBatch> delivered_, refused_;
};

using Sent = std::vector<std::pair<std::string, uint64_t>>;

TEST_F(BrokerLinkTest, EveryConnectionGetsTheWholeWindowInOrder) {
  window_.set_incarnation(kIncarnation);
  for (auto [c, s] : Sent{{"web", 1}, {"app", 2}, {"app", 1}}) window_.add(batch(c, s));
  FakeBroker broker(io_, pki_, "dc1", "broker-1");
  start_link({broker.address()});
  ASSERT_TRUE(
      run_until([&] { return broker.received.size() == 1 && broker.received[0].size() == 3; }));
  EXPECT_EQ(broker.received[0], (Sent{{"app", 1}, {"app", 2}, {"web", 1}}));

  // The connection drops: the next one gets everything not yet DELIVERED again.
  broker.current->close();
  ASSERT_TRUE(
      run_until([&] { return broker.received.size() == 2 && broker.received[1].size() == 3; }));
  EXPECT_EQ(broker.received[1], (Sent{{"app", 1}, {"app", 2}, {"web", 1}}));
  EXPECT_EQ(link_->reconnects(), 2u);
}

TEST_F(BrokerLinkTest, DeliveredAndRefusedTakeBatchesOutOfTheWindow) {
  window_.set_incarnation(kIncarnation);
  for (uint64_t s = 1; s <= 4; ++s) window_.add(batch("app", s));
  FakeBroker broker(io_, pki_, "dc1", "broker-1");
  start_link({broker.address()});
  ASSERT_TRUE(
      run_until([&] { return broker.received.size() == 1 && broker.received[0].size() == 4; }));

  wire::Ack stored;
  stored.ranges = {range("app", 1, 4)};
  broker.current->send(wire::encode(wire::FrameType::kStored, stored));
  wire::Ack ack;
  ack.ranges = {range("app", 1, 2)};
  broker.current->send(wire::encode(wire::FrameType::kDelivered, ack));
  broker.current->send(
      wire::encode(wire::Refusal{range("app", 4, 4), wire::Errc::kBadBatch, "bad"}));
  ASSERT_TRUE(run_until([&] { return delivered_.size() == 2 && refused_.size() == 1; }));
  EXPECT_EQ(delivered_[0].seq, 1u);
  EXPECT_EQ(delivered_[1].seq, 2u);
  EXPECT_EQ(refused_[0].seq, 4u);
  ASSERT_EQ(window_.size(), 1u);
  EXPECT_EQ(window_.lowest_seq("app"), 3u) << "only the stored, undelivered batch stays";

  broker.current->close();  // what is left is resent, and only that
  ASSERT_TRUE(
      run_until([&] { return broker.received.size() == 2 && !broker.received[1].empty(); }));
  io_.restart();
  io_.run_for(300ms);  // anything else that would come arrives meanwhile
  EXPECT_EQ(broker.received[1], (Sent{{"app", 3}}));
}

TEST_F(BrokerLinkTest, ABrokerOfAnotherDcIsNeverSentABatchAndTheNextIsTried) {
  window_.set_incarnation(kIncarnation);
  window_.add(batch("app", 1));
  FakeBroker stranger(io_, pki_, "dc2", "broker-9");
  FakeBroker ours(io_, pki_, "dc1", "broker-1");
  start_link({stranger.address(), ours.address()});
  ASSERT_TRUE(run_until([&] { return !ours.received.empty() && ours.received[0].size() == 1; }));
  for (const auto& conn : stranger.received)
    EXPECT_TRUE(conn.empty()) << "a batch went to another DC's broker";
}

TEST_F(BrokerLinkTest, WhenUnsentBelowWaitsForTheBrokerToTakeWhatIsQueued) {
  window_.set_incarnation(kIncarnation);
  constexpr size_t kBatchBytes = 900 << 10;
  for (uint64_t s = 1; s <= 30; ++s)
    window_.add(batch("app", s, kBatchBytes));  // 27 MB: past any socket buffer
  FakeBroker broker(io_, pki_, "dc1", "broker-1");
  broker.paused = true;
  start_link({broker.address()});
  ASSERT_TRUE(run_until([&] { return link_->connected() && link_->unsent_bytes() > 0; }));
  bool at_once = false;
  link_->when_unsent_below(link_->unsent_bytes() + 1, [&] { at_once = true; });
  EXPECT_TRUE(at_once) << "nothing to wait for: called at once";

  int older = 0, newest = 0;
  link_->when_unsent_below(1 << 20, [&] { ++older; });
  link_->when_unsent_below(1 << 20, [&] { ++newest; });
  io_.restart();
  io_.run_for(300ms);
  EXPECT_EQ(newest, 0) << "the broker reads nothing, so nothing can drain";
  EXPECT_GT(link_->unsent_bytes(), size_t{1} << 20);

  broker.paused = false;
  ASSERT_TRUE(run_until([&] { return newest == 1; }));
  EXPECT_LT(link_->unsent_bytes(), size_t{1} << 20);
  EXPECT_EQ(older, 0) << "a later call replaces the callback";
  ASSERT_TRUE(
      run_until([&] { return broker.received.size() == 1 && broker.received[0].size() == 30; }));
}

}  // namespace
}  // namespace ferry::agent::send
