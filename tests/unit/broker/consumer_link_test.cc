// ConsumerLink (broker/consumer_link.h) against a fake consumer over real mutual TLS on
// loopback, with a real BatchStore in a temp dir: the pending batches of the streams
// routed to the link go out in key order, COMMITTED moves them to retention, a reconnect
// resends only what was not committed (never a batch already settled, even while its
// move is still on the store pool), and a peer that is not a consumer gets nothing.

#include "broker/consumer_link.h"

#include <gtest/gtest.h>

#include <future>

#include "common/net/hello_exchange.h"
#include "common/net/tls_server.h"
#include "common/tls/role_claim.h"
#include "common/tls/tls_context.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/frame_connection_pair.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"
#include "tests/unit/broker/test_batches.h"

namespace ferry::broker {
namespace {

using namespace std::chrono_literals;
using store::testing::make_frame;

constexpr uint32_t kMaxFrame = 1 << 20;
constexpr auto kPatience = 10s;  // a bound on waiting, never a timing assertion

std::shared_ptr<asio::ssl::context> context_or_fail(
    tls::TlsResult<std::shared_ptr<asio::ssl::context>> r) {
  EXPECT_TRUE(r) << (r ? "" : r.error().text);
  return r ? r.value() : nullptr;
}

// A consumer on loopback: answers HELLO as `identity` claiming `role`, and keeps what
// arrives on each connection it accepts.
class FakeConsumer {
 public:
  struct Connection {
    std::shared_ptr<net::FrameConnection> conn;
    bool hello_ok = false;
    std::vector<wire::BatchFrame> batches;
    std::vector<wire::FrameType> other;  // frame types that were not BATCH
    bool ended = false;
  };

  FakeConsumer(asio::io_context& io, const testing::TestPki& pki, const std::string& identity,
               wire::Role role)
      : server_(io.get_executor(), context_or_fail(tls::make_server_context(pki.options(identity))),
                {}, kMaxFrame, "fake consumer") {
    policy_.local = wire::Hello{wire::kProtocolVersion, role, identity, "central"};
    policy_.expected_peer_role = wire::Role::kBroker;
    EXPECT_FALSE(server_.listen("127.0.0.1", 0));
    server_.start([this](std::shared_ptr<net::FrameConnection> conn) {
      return serve(this, std::move(conn));
    });
  }
  ~FakeConsumer() { server_.stop_accepting(); }

  std::string address() const { return "127.0.0.1:" + std::to_string(server_.port()); }
  const std::vector<std::shared_ptr<Connection>>& connections() const { return connections_; }
  Connection& last() { return *connections_.back(); }
  void commit(uint64_t first, uint64_t last_seq) {
    wire::AckRange r{"h1", "app", first, last_seq, 0};
    last().conn->send(wire::encode(wire::FrameType::kCommitted, wire::Ack{{r}}));
  }

 private:
  static asio::awaitable<void> serve(FakeConsumer* self,
                                     std::shared_ptr<net::FrameConnection> conn) {
    auto c = std::make_shared<Connection>();
    c->conn = conn;
    self->connections_.push_back(c);
    c->hello_ok = static_cast<bool>(co_await net::accept_hello(*conn, self->policy_));
    while (c->hello_ok) {
      auto frame = co_await conn->read_frame();
      if (!frame) break;
      if (frame.value().type != wire::FrameType::kBatch) {
        c->other.push_back(frame.value().type);
        continue;
      }
      auto batch = wire::decode_batch(frame.value().body);
      EXPECT_TRUE(batch);
      if (batch) c->batches.push_back(std::move(batch).value());
    }
    c->ended = true;
  }

  net::TlsServer server_;
  net::HelloPolicy policy_;
  std::vector<std::shared_ptr<Connection>> connections_;
};

std::vector<uint64_t> seqs(const std::vector<wire::BatchFrame>& batches) {
  std::vector<uint64_t> out;
  for (const auto& b : batches) out.push_back(b.header.seq);
  return out;
}

class ConsumerLinkTest : public ::testing::Test {
 protected:
  ConsumerLinkTest()
      : pki_({tls::RoleClaim::broker("dc1", "broker-1"), tls::RoleClaim::consumer("c1"),
              tls::RoleClaim::agent("h1")}),
        tls_client_(context_or_fail(tls::make_client_context(pki_.options("broker-1")))),
        store_(store::testing::open_store(dir_.file("db"))) {}

  ~ConsumerLinkTest() override {
    if (link_) link_->stop();
    testing::run_for(io_, 200ms);  // the link's coroutines see the stop and end
    consumer_.reset();
    testing::run_for(io_, 100ms);  // and the fake's accept loop
  }

  FakeConsumer& serve_as(const std::string& identity, wire::Role role) {
    consumer_ = std::make_unique<FakeConsumer>(io_, pki_, identity, role);
    return *consumer_;
  }

  ConsumerLinkDeps deps() {
    return ConsumerLinkDeps{
        .executor = io_.get_executor(),
        .tls_client = tls_client_,
        .store = *store_,
        .store_pool = store_pool_,
        .agents = agents_,
        .hosts = hosts_,
        .clock = clock_,
        .node_id = "broker-1",
        .dc = "dc1",
        .tuning = {},
        .max_frame_bytes = kMaxFrame,
        .window_batches = 4096,
        .window_bytes = 128u << 20,
        .replay_rate_bytes = 8u << 20,
        .replay_window_bytes = 4u << 20,
        .link_for = [this](std::string_view, std::string_view category) -> const ConsumerLink* {
          return category == "elsewhere" ? nullptr : link_.get();
        },
        .on_committed =
            [this](const std::vector<wire::AckRange>& moved) {
              delivered_.insert(delivered_.end(), moved.begin(), moved.end());
            },
    };
  }

  void store_batches(uint64_t first, uint64_t last) {
    for (uint64_t seq = first; seq <= last; ++seq)
      ASSERT_TRUE(store_->store(make_frame("h1", "app", seq)));
  }
  void start_link(const FakeConsumer& consumer) {
    link_ = std::make_unique<ConsumerLink>(deps(), "", consumer.address());
    link_->start();
  }
  // Runs the io thread until `done` holds; false if it did not within kPatience.
  template <class Pred>
  bool run_until(Pred done) {
    const auto give_up = std::chrono::steady_clock::now() + kPatience;
    while (!done()) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      testing::run_for(io_, 20ms);
    }
    return true;
  }
  store::BatchState state_of(uint64_t seq) {
    auto s = store_->state("h1", "app", 0, seq);
    EXPECT_TRUE(s);
    return s ? s.value() : store::BatchState::kUnknown;
  }

  asio::io_context io_;
  testing::TestPki pki_;
  tls::ContextSource tls_client_;
  testing::TempDir dir_;
  std::unique_ptr<store::BatchStore> store_;
  AckRelay agents_;
  status::HostTable hosts_;
  testing::FakeClock clock_;
  std::vector<wire::AckRange> delivered_;
  asio::thread_pool store_pool_{1};  // declared after the store: joined before it closes
  std::unique_ptr<FakeConsumer> consumer_;
  std::unique_ptr<ConsumerLink> link_;
};

TEST_F(ConsumerLinkTest, ForwardsPendingBatchesInOrder) {
  store_batches(1, 5);
  auto& consumer = serve_as("c1", wire::Role::kConsumer);
  start_link(consumer);
  ASSERT_TRUE(run_until(
      [&] { return !consumer.connections().empty() && consumer.last().batches.size() >= 5; }));
  EXPECT_EQ(seqs(consumer.last().batches), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_TRUE(link_->connected());
  EXPECT_EQ(link_->inflight_batches(), 5u);

  // A batch stored later goes out once the link is told.
  store_batches(6, 6);
  link_->mark_dirty();
  ASSERT_TRUE(run_until([&] { return consumer.last().batches.size() >= 6; }));
  EXPECT_EQ(seqs(consumer.last().batches), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
}

TEST_F(ConsumerLinkTest, SendsOnlyTheStreamsRoutedToIt) {
  ASSERT_TRUE(store_->store(make_frame("h1", "elsewhere", 1)));
  store_batches(1, 2);
  auto& consumer = serve_as("c1", wire::Role::kConsumer);
  start_link(consumer);
  ASSERT_TRUE(run_until(
      [&] { return !consumer.connections().empty() && consumer.last().batches.size() >= 2; }));
  testing::run_for(io_, 300ms);  // room for a wrong extra batch to arrive
  ASSERT_EQ(consumer.last().batches.size(), 2u);
  for (const auto& b : consumer.last().batches) EXPECT_EQ(b.header.category, "app");
}

TEST_F(ConsumerLinkTest, CommittedMovesBatchesToRetention) {
  store_batches(1, 5);
  auto& consumer = serve_as("c1", wire::Role::kConsumer);
  start_link(consumer);
  ASSERT_TRUE(run_until(
      [&] { return !consumer.connections().empty() && consumer.last().batches.size() >= 5; }));
  consumer.commit(1, 3);
  ASSERT_TRUE(run_until([&] { return !delivered_.empty(); }));
  EXPECT_EQ(delivered_, (std::vector<wire::AckRange>{{"h1", "app", 1, 3, 0}}));
  for (uint64_t seq = 1; seq <= 3; ++seq)
    EXPECT_EQ(state_of(seq), store::BatchState::kRetained) << seq;
  for (uint64_t seq = 4; seq <= 5; ++seq)
    EXPECT_EQ(state_of(seq), store::BatchState::kPending) << seq;
  EXPECT_EQ(link_->inflight_batches(), 2u);
  EXPECT_EQ(link_->committed_batches(), 3u);
}

TEST_F(ConsumerLinkTest, ReconnectResendsOnlyWhatWasNotCommitted) {
  store_batches(1, 5);
  auto& consumer = serve_as("c1", wire::Role::kConsumer);
  start_link(consumer);
  ASSERT_TRUE(run_until(
      [&] { return !consumer.connections().empty() && consumer.last().batches.size() >= 5; }));
  consumer.commit(1, 3);
  ASSERT_TRUE(run_until([&] { return !delivered_.empty(); }));

  consumer.last().conn->close();
  ASSERT_TRUE(run_until(
      [&] { return consumer.connections().size() == 2 && consumer.last().batches.size() >= 2; }));
  testing::run_for(io_, 300ms);  // room for a wrong extra batch to arrive
  EXPECT_EQ(seqs(consumer.last().batches), (std::vector<uint64_t>{4, 5}));
  EXPECT_EQ(link_->resent_after_reconnect(), 2u);
}

// COMMITTED arrived, but its move out of pending has not landed when the connection
// drops: the batches are still pending in the store, and must not go out again.
TEST_F(ConsumerLinkTest, ABatchSettledIsNotResentWhileItsMoveIsStillPending) {
  store_batches(1, 5);
  auto& consumer = serve_as("c1", wire::Role::kConsumer);
  start_link(consumer);
  ASSERT_TRUE(run_until(
      [&] { return !consumer.connections().empty() && consumer.last().batches.size() >= 5; }));

  std::promise<void> release;
  asio::post(store_pool_,
             [held = release.get_future()]() mutable { held.wait(); });  // the pool is busy
  consumer.commit(1, 3);
  ASSERT_TRUE(run_until([&] { return link_->committed_batches() == 3; }));
  consumer.last().conn->close();
  ASSERT_TRUE(run_until(
      [&] { return consumer.connections().size() == 2 && consumer.last().batches.size() >= 2; }));
  testing::run_for(io_, 300ms);
  EXPECT_EQ(state_of(1), store::BatchState::kPending)
      << "the move must still be held up, or this proves nothing";
  EXPECT_EQ(seqs(consumer.last().batches), (std::vector<uint64_t>{4, 5}));

  release.set_value();
  ASSERT_TRUE(run_until([&] { return !delivered_.empty(); }));
  EXPECT_EQ(state_of(1), store::BatchState::kRetained);
  link_->mark_dirty();
  testing::run_for(io_, 300ms);
  EXPECT_EQ(seqs(consumer.last().batches), (std::vector<uint64_t>{4, 5}));
}

TEST_F(ConsumerLinkTest, APeerThatIsNotAConsumerGetsNoBatches) {
  store_batches(1, 2);
  auto& agent = serve_as("h1", wire::Role::kAgent);
  start_link(agent);
  ASSERT_TRUE(run_until([&] { return !agent.connections().empty() && agent.last().ended; }));
  testing::run_for(io_, 300ms);
  for (const auto& c : agent.connections()) {
    EXPECT_TRUE(c->batches.empty());
    if (c->ended) {
      EXPECT_EQ(c->other, std::vector<wire::FrameType>{wire::FrameType::kError})
          << "refused with a reason";
    }
  }
  EXPECT_FALSE(link_->connected());
  EXPECT_EQ(link_->forwarded_batches(), 0u);
}

}  // namespace
}  // namespace ferry::broker
