// run_broker_session (consumer/broker_session.h) over real mutual-TLS connections, with
// fakes for what it hands on: who is let in, where batches, refusals, watermarks and
// STATUS go, and that no frame is read while max_pending_adds batches are queued.

#include "consumer/broker_session.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>

#include "common/base/crc32c.h"
#include "common/net/tls_server.h"
#include "common/wire/errc.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/frame_connection_pair.h"
#include "tests/support/session_frames.h"

namespace ferry::consumer {
namespace {

using namespace std::chrono_literals;
using testing::error_code_of;
using testing::FrameInbox;
using testing::run_for;

constexpr auto kPatience = 10s;  // a bound on waiting, never a timing assertion
// Time for a frame that should not come to arrive: a test can only pass wrongly by it.
constexpr auto kQuiet = 200ms;

const tls::RoleClaim kConsumer = tls::RoleClaim::consumer("c1");
const tls::RoleClaim kBroker = tls::RoleClaim::broker("dc1", "broker-1");

std::string hello_from(const tls::RoleClaim& who, wire::Role role = wire::Role::kBroker) {
  return wire::encode(
      wire::Hello{wire::kProtocolVersion, role, who.id, who.dc.empty() ? "dc1" : who.dc});
}

std::vector<wire::FrameType> types(const std::vector<wire::Frame>& frames) {
  std::vector<wire::FrameType> out;
  for (const auto& f : frames) out.push_back(f.type);
  return out;
}

class BrokerSessionTest : public ::testing::Test {
 protected:
  BrokerSessionTest()
      : deps_{
            .node_id = "c1",
            .allowed_brokers = {},
            .max_pending_adds = 100,
            .clock = clock_,
            .brokers_live = live_,
            .hosts = hosts_,
            .dc_totals = totals_,
            .open_and_check = [this](wire::BatchFrame& b, std::string& why) -> std::error_code {
              if (!check_refuses_.count(b.header.seq)) return {};
              why = "refused by the test";
              return wire::Errc::kBadBatch;
            },
            .add_batch =
                [this](wire::BatchFrame b, const std::string& dc,
                       std::weak_ptr<net::FrameConnection>,
                       std::shared_ptr<PendingAdds> pending_adds) {
                  EXPECT_EQ(dc, "dc1");
                  added_.push_back(b.header.seq);
                  queued_.push_back(std::move(pending_adds));
                },
            .refuse_batch =
                [this](std::weak_ptr<net::FrameConnection>, wire::BatchFrame b, wire::Errc code,
                       std::string why, const std::string&, std::shared_ptr<PendingAdds>) {
                  EXPECT_EQ(code, wire::Errc::kBadBatch);
                  EXPECT_NE(why.find("refused by the test"), std::string::npos) << why;
                  refused_.push_back(b.header.seq);
                },
            .add_watermark = [this](const wire::Watermark& w) { watermarks_.push_back(w.seq); },
            .on_broker_connected =
                [this](const std::string& broker, const std::string& dc,
                       std::shared_ptr<net::FrameConnection>) {
                  connected_.push_back(dc + "/" + broker);
                },
            .on_broker_disconnected =
                [this](const std::string& broker, const net::FrameConnection*) {
                  disconnected_.push_back(broker);
                },
            .on_replay_progress = [](const std::string&, const wire::ReplayProgress&) {},
            .accepts_replay = [](uint64_t) { return false; },
        } {}

  // Connects `count` clients with `client`'s certificate, each served by a session.
  void connect(int count = 1, const tls::RoleClaim& client = kBroker) {
    pairs_ = testing::make_frame_connection_pairs(io_, count, kConsumer, client);
    ASSERT_EQ(pairs_.size(), static_cast<size_t>(count));
    for (auto& p : pairs_) {
      inboxes_.push_back(std::make_unique<FrameInbox>(p.client));
      asio::co_spawn(io_, run_broker_session(deps_, p.server), net::log_exception);
    }
  }
  // Connects one broker and completes its HELLO.
  void connect_broker() {
    connect();
    pairs_[0].client->send(hello_from(kBroker));
    ASSERT_TRUE(run_until([&] { return !got(0).empty(); }));
    ASSERT_EQ(types(got(0)), std::vector<wire::FrameType>{wire::FrameType::kHello});
    got(0).clear();
  }
  // What arrived on client `i` so far (not cleared by reading).
  std::vector<wire::Frame>& got(size_t i) {
    got_.resize(inboxes_.size());
    for (auto& f : inboxes_[i]->take()) got_[i].push_back(std::move(f));
    return got_[i];
  }
  bool ended(size_t i) { return inboxes_[i]->ended(); }
  // Runs the io thread until `done` holds; false if it did not within kPatience.
  template <class Pred>
  bool run_until(Pred done) {
    const auto give_up = std::chrono::steady_clock::now() + kPatience;
    while (!done()) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      run_for(io_, 20ms);
    }
    return true;
  }
  void send(const std::string& frame) { pairs_[0].client->send(frame); }
  // Lowers the counters of the batches queued so far (as the store does once it took them).
  void complete_one() {
    ASSERT_FALSE(queued_.empty());
    queued_.front()->answered();
    queued_.erase(queued_.begin());
  }

  asio::io_context io_;
  testing::FakeClock clock_;
  net::LiveSessions live_;
  status::HostTable hosts_;
  status::DcTotals totals_;
  std::set<uint64_t> check_refuses_;
  std::vector<uint64_t> added_, refused_, watermarks_;
  std::vector<std::shared_ptr<PendingAdds>> queued_;
  std::vector<std::string> connected_, disconnected_;
  BrokerSessionDeps deps_;
  std::vector<testing::FrameConnectionPair> pairs_;
  std::vector<std::unique_ptr<FrameInbox>> inboxes_;
  std::vector<std::vector<wire::Frame>> got_;
};

TEST_F(BrokerSessionTest, ABrokerIsAnsweredWithHelloAndRegistered) {
  connect_broker();
  EXPECT_EQ(connected_, std::vector<std::string>{"dc1/broker-1"});
  pairs_[0].client->close();
  ASSERT_TRUE(run_until([&] { return !disconnected_.empty(); }));
  EXPECT_EQ(disconnected_, std::vector<std::string>{"broker-1"});
}

TEST_F(BrokerSessionTest, APeerOfAnotherRoleIsRefused) {
  const auto agent = tls::RoleClaim::agent("h1");
  connect(1, agent);
  send(wire::encode(wire::Hello{wire::kProtocolVersion, wire::Role::kAgent, "h1", "dc1"}));
  ASSERT_TRUE(run_until([&] { return ended(0); }));
  EXPECT_TRUE(error_code_of(got(0))) << "refused with a reason";
  EXPECT_TRUE(connected_.empty());
}

TEST_F(BrokerSessionTest, ABrokerNotInAllowedBrokersIsRefused) {
  deps_.allowed_brokers = {"dc1/broker-2"};
  connect();
  send(hello_from(kBroker));
  ASSERT_TRUE(run_until([&] { return ended(0); }));
  EXPECT_TRUE(error_code_of(got(0)));
  EXPECT_TRUE(connected_.empty());
}

TEST_F(BrokerSessionTest, ASecondLiveConnectionOfTheSameBrokerIsRefused) {
  connect(2);
  pairs_[0].client->send(hello_from(kBroker));
  ASSERT_TRUE(run_until([&] { return !got(0).empty(); }));
  pairs_[1].client->send(hello_from(kBroker));
  ASSERT_TRUE(run_until([&] { return ended(1); }));
  EXPECT_EQ(error_code_of(got(1)), static_cast<uint16_t>(wire::Errc::kIdentityMismatch));
  run_for(io_, kQuiet);
  EXPECT_EQ(types(got(0)), std::vector<wire::FrameType>{wire::FrameType::kHello});
  EXPECT_FALSE(ended(0)) << "the first one goes on";
  EXPECT_EQ(connected_, std::vector<std::string>{"dc1/broker-1"});
}

TEST_F(BrokerSessionTest, AGoodBatchReachesTheStore) {
  connect_broker();
  send(wire::encode(testing::checked_batch(1)));
  send(wire::encode(testing::checked_batch(2)));
  ASSERT_TRUE(run_until([&] { return added_.size() >= 2; }));
  run_for(io_, kQuiet);
  EXPECT_EQ(added_, (std::vector<uint64_t>{1, 2}));
  EXPECT_TRUE(got(0).empty());
  EXPECT_FALSE(ended(0));
}

TEST_F(BrokerSessionTest, AMalformedBatchGetsErrorAndClose) {
  connect_broker();
  send(wire::encode_frame(wire::FrameType::kBatch, "not a batch"));
  ASSERT_TRUE(run_until([&] { return ended(0); }));
  EXPECT_TRUE(error_code_of(got(0)));
  EXPECT_TRUE(added_.empty());
}

TEST_F(BrokerSessionTest, ABatchWithoutAValidHostCategoryOrSeqGetsErrorAndClose) {
  for (int bad = 0; bad < 3; ++bad) {
    SCOPED_TRACE(bad);
    inboxes_.clear();
    got_.clear();
    connect_broker();
    auto b = testing::checked_batch(bad == 2 ? 0 : 1, bad == 0 ? "bad/host" : "h1");
    if (bad == 1) b.header.category = "";
    send(wire::encode(b));
    ASSERT_TRUE(run_until([&] { return ended(0); }));
    EXPECT_EQ(error_code_of(got(0)), static_cast<uint16_t>(wire::Errc::kBadBatch));
  }
  EXPECT_TRUE(added_.empty());
  EXPECT_TRUE(refused_.empty());
}

TEST_F(BrokerSessionTest, ABatchTheChecksRefuseIsRefusedAloneAndTheConnectionGoesOn) {
  check_refuses_ = {2};
  connect_broker();
  for (uint64_t seq = 1; seq <= 3; ++seq) send(wire::encode(testing::checked_batch(seq)));
  ASSERT_TRUE(run_until([&] { return added_.size() >= 2; }));
  run_for(io_, kQuiet);
  EXPECT_EQ(added_, (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(refused_, std::vector<uint64_t>{2});
  EXPECT_TRUE(got(0).empty());
  EXPECT_FALSE(ended(0));
}

TEST_F(BrokerSessionTest, AReplayedBatchOfAReplayNotRunningIsNotWritten) {
  connect_broker();
  auto b = testing::checked_batch(1);
  b.header.replay_id = 77;
  send(wire::encode(b));
  send(wire::encode(testing::checked_batch(2)));
  ASSERT_TRUE(run_until([&] { return !added_.empty(); }));
  EXPECT_EQ(added_, std::vector<uint64_t>{2}) << "frames are handled in order: 1 was passed over";
  EXPECT_FALSE(ended(0));
}

TEST_F(BrokerSessionTest, StatusOfTheBrokerIsItsBacklogAndOfAHostGoesToTheHostTable) {
  connect_broker();
  wire::Status self{"broker-1", clock_.now, {wire::StreamStatus{"app", 30, 7, 1000, 0, 0, 0}}};
  wire::Status host{"h1", clock_.now, {wire::StreamStatus{"app", 5, 1, 10, 0, 0, 0}}};
  send(wire::encode(self));
  send(wire::encode(host));
  ASSERT_TRUE(run_until([&] { return !hosts_.snapshot(clock_.now).empty(); }));
  std::vector<std::string> names;
  for (const auto& e : hosts_.snapshot(clock_.now)) {
    names.push_back(e.host);
    EXPECT_EQ(e.dc, "dc1");
    EXPECT_EQ(e.via, "broker-1");
  }
  EXPECT_EQ(names, std::vector<std::string>{"h1"}) << "the broker is not a host";
  auto dcs = totals_.to_json(hosts_.snapshot(clock_.now), clock_.now);
  ASSERT_TRUE(dcs.contains("dc1")) << dcs.dump();
  EXPECT_EQ(dcs["dc1"]["broker_backlog_batches"], 7) << dcs.dump();
}

TEST_F(BrokerSessionTest, NoFrameIsReadWhileMaxPendingAddsBatchesAreQueued) {
  deps_.max_pending_adds = 2;
  deps_.hold_recheck = std::chrono::hours(1);  // only an answered add can wake the session
  connect_broker();
  for (uint64_t seq = 1; seq <= 4; ++seq) send(wire::encode(testing::checked_batch(seq)));
  send(wire::encode(wire::Watermark{"h1", "app", 4, 1000, 0}));
  ASSERT_TRUE(run_until([&] { return added_.size() >= 2; }));
  run_for(io_, kQuiet);
  EXPECT_EQ(added_, (std::vector<uint64_t>{1, 2}));
  EXPECT_TRUE(watermarks_.empty());

  complete_one();
  ASSERT_TRUE(run_until([&] { return added_.size() >= 3; }));
  run_for(io_, kQuiet);
  EXPECT_EQ(added_, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_TRUE(watermarks_.empty());

  complete_one();
  complete_one();
  ASSERT_TRUE(run_until([&] { return !watermarks_.empty(); }));
  EXPECT_EQ(added_, (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(watermarks_, std::vector<uint64_t>{4});
}

}  // namespace
}  // namespace ferry::consumer
