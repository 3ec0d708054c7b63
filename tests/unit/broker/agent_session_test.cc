// run_agent_session (broker/agent_session.h) over real mutual-TLS connections, with fakes
// for what it hands on: the group commit, the acks' bookkeeping, the forwarder. Covers
// the HELLO and identity checks, STORED after the commit, and the backpressure: no frame
// is read while the ingest gate is closed or too many submits are unanswered, and the
// gate reopening resumes reading at once (the safety-net recheck is an hour here).

#include "broker/agent_session.h"

#include <gtest/gtest.h>

#include <optional>

#include "common/base/crc32c.h"
#include "common/net/tls_server.h"
#include "common/wire/errc.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/frame_connection_pair.h"
#include "tests/support/session_frames.h"

namespace ferry::broker {
namespace {

using namespace std::chrono_literals;
using testing::error_code_of;
using testing::FrameInbox;
using testing::run_for;

constexpr auto kPatience = 10s;  // a bound on waiting, never a timing assertion
// Time for a frame that should not be read to be read: a test can only pass wrongly by it.
constexpr auto kQuiet = 200ms;

const tls::RoleClaim kBroker = tls::RoleClaim::broker("dc1", "b1");
const tls::RoleClaim kAgent = tls::RoleClaim::agent("h1");

class AgentSessionTest : public ::testing::Test {
 protected:
  AgentSessionTest()
      : gate_(io_.get_executor(), [this] { return gate_closed_; }),
        deps_{
            .node_id = "b1",
            .dc = "dc1",
            .max_categories_per_host = 2,
            .max_pending_submits = 100,
            .hold_recheck = std::chrono::hours(1),  // only a wake-up may resume reading
            .clock = clock_,
            .agents_live = live_,
            .hosts = hosts_,
            .checker = checker_,
            .ingest = gate_,
            .submit = [this](wire::BatchFrame b,
                             store::GroupCommitter::Callback done) -> Result<void> {
              submitted_.push_back(b.header.seq);
              callbacks_.push_back(std::move(done));
              return success();
            },
            .on_stored = [this](const wire::AckRange& r,
                                store::SubmitOutcome) { stored_.push_back(r.first_seq); },
            .refuse_batch = [this](std::weak_ptr<net::FrameConnection>, wire::BatchFrame b,
                                   wire::Errc, std::string) { refused_.push_back(b.header.seq); },
            .batch_received = [](size_t) {},
            .agent_connected = [this](int delta) { connections_ += delta; },
            .attach_acks = [this](const std::string& host,
                                  std::shared_ptr<net::FrameConnection>) { attached_ = host; },
            .detach_acks = [this](const std::string&,
                                  const net::FrameConnection*) { attached_.clear(); },
            .on_agent_connected = [](const std::string&) {},
            .forward_watermark = [this](const wire::Watermark& w) { watermarks_.push_back(w.seq); },
            .forward_status = [this](const wire::Status& s) { statuses_.push_back(s.host); },
            .on_replay_progress = [](const std::string&, const wire::ReplayProgress&) {},
            .relay_replayed_batch = [](uint64_t, std::string) { return false; },
        } {}

  // Connects one agent (certificate h1) and completes its HELLO as `host`.
  void connect_agent(const std::string& host = "h1") {
    pairs_ = testing::make_frame_connection_pairs(io_, 1, kBroker, kAgent);
    ASSERT_EQ(pairs_.size(), 1u);
    inbox_ = std::make_unique<FrameInbox>(pairs_[0].client);
    asio::co_spawn(io_, run_agent_session(deps_, pairs_[0].server), net::log_exception);
    send(wire::encode(wire::Hello{wire::kProtocolVersion, wire::Role::kAgent, host, "dc1"}));
    ASSERT_TRUE(run_until([&] { return !got().empty(); }));
    if (got()[0].type == wire::FrameType::kHello) got_.erase(got_.begin());
  }
  std::vector<wire::Frame>& got() {
    for (auto& f : inbox_->take()) got_.push_back(std::move(f));
    return got_;
  }
  bool ended() { return inbox_->ended(); }
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
  // The group commit answers the oldest submit.
  void answer_one(store::SubmitOutcome outcome = store::SubmitOutcome::kStored) {
    ASSERT_FALSE(callbacks_.empty());
    auto done = std::move(callbacks_.front());
    callbacks_.erase(callbacks_.begin());
    done(outcome);
  }

  asio::io_context io_;
  testing::FakeClock clock_;
  net::LiveSessions live_;
  status::HostTable hosts_;
  batch::BatchChecker checker_;
  bool gate_closed_ = false;
  IngestGate gate_;
  std::vector<uint64_t> submitted_, stored_, refused_, watermarks_;
  std::vector<std::string> statuses_;
  std::vector<store::GroupCommitter::Callback> callbacks_;
  std::string attached_;
  int connections_ = 0;
  AgentSessionDeps deps_;
  std::vector<testing::FrameConnectionPair> pairs_;
  std::unique_ptr<FrameInbox> inbox_;
  std::vector<wire::Frame> got_;
};

TEST_F(AgentSessionTest, ABatchIsAckedStoredOnlyAfterTheGroupCommitAnswers) {
  connect_agent();
  EXPECT_EQ(attached_, "h1");
  EXPECT_EQ(connections_, 1);
  send(wire::encode(testing::checked_batch(1)));
  ASSERT_TRUE(run_until([&] { return submitted_.size() == 1; }));
  run_for(io_, kQuiet);
  EXPECT_TRUE(got().empty()) << "nothing is acked before it is stored";
  answer_one();
  ASSERT_TRUE(run_until([&] { return !got().empty(); }));
  ASSERT_EQ(got()[0].type, wire::FrameType::kStored);
  auto ack = wire::decode_ack(got()[0].body);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack.value().ranges.at(0).first_seq, 1u);
  EXPECT_EQ(stored_, std::vector<uint64_t>{1});
  pairs_[0].client->close();
  ASSERT_TRUE(run_until([&] { return connections_ == 0; }));
  EXPECT_TRUE(attached_.empty());
}

TEST_F(AgentSessionTest, ABatchNamingAnotherHostIsRefusedAndTheConnectionCloses) {
  connect_agent();
  send(wire::encode(testing::checked_batch(1, "h2", "app")));
  ASSERT_TRUE(run_until([&] { return ended(); }));
  EXPECT_EQ(error_code_of(got()), static_cast<uint16_t>(wire::Errc::kIdentityMismatch));
  EXPECT_TRUE(submitted_.empty());
}

TEST_F(AgentSessionTest, AHelloForAnotherHostThanTheCertificateIsRefused) {
  connect_agent("h2");
  ASSERT_TRUE(run_until([&] { return ended(); }));
  EXPECT_TRUE(error_code_of(got()));
  EXPECT_EQ(connections_, 0);
}

TEST_F(AgentSessionTest, NothingIsReadWhileTheGateIsClosedAndItsReopeningResumesAtOnce) {
  gate_closed_ = true;  // before the session's first read: the gate is checked at each read
  connect_agent();
  send(wire::encode(testing::checked_batch(1)));
  run_for(io_, kQuiet);
  EXPECT_TRUE(submitted_.empty()) << "read while ingest was paused";
  gate_closed_ = false;
  gate_.reopened();
  // With the recheck an hour away, only the wake-up can make this pass.
  ASSERT_TRUE(run_until([&] { return submitted_.size() == 1; }));
}

TEST_F(AgentSessionTest, AtMaxPendingSubmitsReadingWaitsForAnAnswer) {
  deps_.max_pending_submits = 1;
  connect_agent();
  send(wire::encode(testing::checked_batch(1)));
  send(wire::encode(testing::checked_batch(2)));
  ASSERT_TRUE(run_until([&] { return submitted_.size() == 1; }));
  run_for(io_, kQuiet);
  EXPECT_EQ(submitted_.size(), 1u);
  answer_one();
  ASSERT_TRUE(run_until([&] { return submitted_.size() == 2; }));
}

TEST_F(AgentSessionTest, MoreCategoriesThanTheLimitAreRefused) {
  connect_agent();
  send(wire::encode(testing::checked_batch(1, "h1", "a")));
  send(wire::encode(testing::checked_batch(2, "h1", "b")));
  send(wire::encode(testing::checked_batch(3, "h1", "c")));
  ASSERT_TRUE(run_until([&] { return ended(); }));
  EXPECT_EQ(error_code_of(got()), static_cast<uint16_t>(wire::Errc::kOverloaded));
  EXPECT_EQ(submitted_, (std::vector<uint64_t>{1, 2}));
}

TEST_F(AgentSessionTest, ABatchTheChecksRefuseIsRefusedAloneAndTheConnectionGoesOn) {
  connect_agent();
  auto bad = testing::checked_batch(2);
  bad.header.payload_crc ^= 1;
  send(wire::encode(testing::checked_batch(1)));
  send(wire::encode(bad));
  send(wire::encode(testing::checked_batch(3)));
  ASSERT_TRUE(run_until([&] { return submitted_.size() == 2; }));
  EXPECT_EQ(submitted_, (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(refused_, std::vector<uint64_t>{2});
  EXPECT_FALSE(ended());
}

TEST_F(AgentSessionTest, WatermarksAndStatusGoToTheForwarder) {
  connect_agent();
  send(wire::encode(wire::Watermark{"h1", "app", 7, 1'800'000'000'000, 0}));
  wire::Status st;
  st.host = "h1";
  send(wire::encode(st));
  ASSERT_TRUE(run_until([&] { return !watermarks_.empty() && !statuses_.empty(); }));
  EXPECT_EQ(watermarks_, std::vector<uint64_t>{7});
  EXPECT_EQ(statuses_, std::vector<std::string>{"h1"});
  EXPECT_FALSE(ended());
}

}  // namespace
}  // namespace ferry::broker
