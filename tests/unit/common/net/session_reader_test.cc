// SessionReader (common/net/session_reader.h) over a real TLS connection: what every
// session handles alike (HEARTBEAT, the peer's ERROR, a frame the decoder refuses) never
// reaches the session; backpressure holds reading until woken.

#include "common/net/session_reader.h"

#include <gtest/gtest.h>

#include "common/wire/messages.h"
#include "tests/support/frame_connection_pair.h"

namespace ferry::net {
namespace {

using namespace std::chrono_literals;
using testing::FrameInbox;
using testing::run_for;

class SessionReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pairs = testing::make_frame_connection_pairs(io_, 1);
    ASSERT_EQ(pairs.size(), 1u);
    pair_ = pairs[0];
    inbox_ = std::make_unique<FrameInbox>(pair_.client);  // what the session sends back
    reader_ = std::make_unique<SessionReader>(
        *pair_.server, "agent h1", [] { return TimeMs{42}; }, recheck_);
  }
  // Runs next() until the session is over, collecting what it hands the session.
  void read_all(std::function<bool()> hold = {}) {
    asio::co_spawn(
        io_,
        [this, hold]() -> asio::awaitable<void> {
          while (auto f = co_await reader_->next(hold)) handed_.push_back(std::move(*f));
          over_ = true;
        },
        asio::detached);
  }

  asio::io_context io_;
  std::chrono::milliseconds recheck_ = 10s;  // long: a test that needs the recheck would time out
  testing::FrameConnectionPair pair_;
  std::unique_ptr<FrameInbox> inbox_;
  std::unique_ptr<SessionReader> reader_;
  std::vector<wire::Frame> handed_;
  bool over_ = false;
};

TEST_F(SessionReaderTest, HeartbeatsAreAnsweredAndOtherFramesHandedOn) {
  read_all();
  pair_.client->send(wire::encode(wire::Heartbeat{7}));
  pair_.client->send(wire::encode(wire::Watermark{"h1", "app", 5, 1000, 3}));
  run_for(io_, 300ms);
  ASSERT_EQ(handed_.size(), 1u);
  EXPECT_EQ(handed_[0].type, wire::FrameType::kWatermark);
  auto back = inbox_->take();
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].type, wire::FrameType::kHeartbeat);
  EXPECT_EQ(wire::decode_heartbeat(back[0].body).value().time_ms, 42) << "answered with our clock";
  EXPECT_FALSE(over_);
}

TEST_F(SessionReaderTest, TheDecodersRefusalIsSentAsErrorAndEndsTheSession) {
  read_all();
  pair_.client->send(std::string(64, 'Z'));  // no frame starts like that
  run_for(io_, 500ms);
  EXPECT_TRUE(over_);
  EXPECT_TRUE(handed_.empty());
  auto back = inbox_->take();
  ASSERT_FALSE(back.empty());
  EXPECT_EQ(back[0].type, wire::FrameType::kError);
  EXPECT_FALSE(pair_.server->usable());
}

TEST_F(SessionReaderTest, ThePeersErrorEndsTheSessionWithoutReachingIt) {
  read_all();
  pair_.client->send(wire::encode(wire::Error{wire::Errc::kInternal, "going away"}));
  run_for(io_, 300ms);
  EXPECT_TRUE(over_);
  EXPECT_TRUE(handed_.empty());
}

TEST_F(SessionReaderTest, NothingIsReadWhileHeldAndAWakeResumesAtOnce) {
  bool held = true;
  read_all([&] { return held; });
  pair_.client->send(wire::encode(wire::Watermark{"h1", "app", 5, 1000, 3}));
  run_for(io_, 300ms);
  EXPECT_TRUE(handed_.empty()) << "read while held";
  held = false;
  reader_->waker()();
  run_for(io_, 300ms);  // far below the 10 s recheck: only the wake can have ended the wait
  ASSERT_EQ(handed_.size(), 1u);
}

TEST_F(SessionReaderTest, RefuseUnexpectedNamesTheFrameAndWhoNeverSendsIt) {
  read_all();
  pair_.client->send(wire::encode(wire::Watermark{"h1", "app", 5, 1000, 3}));
  run_for(io_, 300ms);
  ASSERT_EQ(handed_.size(), 1u);
  reader_->refuse_unexpected(handed_[0], "brokers");
  run_for(io_, 300ms);
  auto back = inbox_->take();
  ASSERT_EQ(back.size(), 1u);
  auto e = wire::decode_error(back[0].body);
  ASSERT_TRUE(e);
  EXPECT_EQ(e.value().code, wire::Errc::kProtocolViolation);
  EXPECT_NE(e.value().text.find("is not sent by brokers"), std::string::npos) << e.value().text;
  EXPECT_TRUE(over_);
}

}  // namespace
}  // namespace ferry::net
