#include "common/wire/replay_messages.h"

#include <gtest/gtest.h>

#include "common/wire/frame.h"

namespace ferry::wire {
namespace {

std::string_view body_of(const std::string& frame) {
  return std::string_view(frame).substr(kFrameHeaderSize);
}

TEST(ReplayMessagesTest, RequestRoundTrips) {
  ReplayRequest m{42, ReplayAction::kStart, 1000, 2000, 5u << 20, {"h1", "h2"}, {"cat"}};
  auto back = decode_replay_request(body_of(encode(m)));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back.value(), m);
  m.action = ReplayAction::kCancel;
  m.hosts.clear();
  EXPECT_EQ(decode_replay_request(body_of(encode(m))).value(), m);
}

TEST(ReplayMessagesTest, SourceIsAnOptionalTrailingByte) {
  ReplayRequest brokers{42, ReplayAction::kStart, 1000, 2000, 0, {}, {"cat"}};
  ReplayRequest hosts = brokers;
  hosts.source = ReplaySource::kHosts;
  const std::string b = encode(brokers), h = encode(hosts);
  EXPECT_EQ(h.size(), b.size() + 1)
      << "a request from brokers is encoded as before sources existed";
  EXPECT_EQ(decode_replay_request(body_of(h)).value(), hosts);
  EXPECT_EQ(decode_replay_request(body_of(b)).value().source, ReplaySource::kBrokers);
  EXPECT_FALSE(decode_replay_request(std::string(body_of(b)) + '\x03')) << "unknown source";
  EXPECT_FALSE(decode_replay_request(std::string(body_of(h)) + '\x02')) << "two source bytes";
}

TEST(ReplayMessagesTest, RequestRefusesWhatCannotBeMeant) {
  std::vector<ReplayRequest> bad = {
      {0, ReplayAction::kStart, 1000, 2000, 0, {}, {}},          // no id
      {1, ReplayAction::kStart, 2000, 2000, 0, {}, {}},          // empty range
      {1, ReplayAction::kStart, -5, 2000, 0, {}, {}},            // before the epoch
      {1, ReplayAction::kStart, 1000, 2000, 0, {"../x"}, {}},    // a host that is a path
      {1, ReplayAction::kStart, 1000, 2000, 0, {}, {""}},        // an empty category
      {1, static_cast<ReplayAction>(7), 1000, 2000, 0, {}, {}},  // unknown action
  };
  for (const auto& m : bad) EXPECT_FALSE(decode_replay_request(body_of(encode(m)))) << m.replay_id;
  std::string f = encode(ReplayRequest{1, ReplayAction::kStart, 1000, 2000, 0, {}, {}});
  EXPECT_FALSE(decode_replay_request(body_of(f + "x")));          // trailing byte
  EXPECT_FALSE(decode_replay_request(body_of(f).substr(0, 20)));  // truncated
}

TEST(ReplayMessagesTest, ProgressRoundTripsAndBoundsCounts) {
  ReplayProgress m{7,
                   ReplayState::kRunning,
                   {{"h1", "cat", 3, 30}},
                   {{"h1", "", 10, 20, "expired from retention"}}};
  auto back = decode_replay_progress(body_of(encode(m)));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back.value(), m);
  // A count the body cannot hold is refused before anything is reserved.
  std::string body(8, '\0');
  body += '\x01';
  body += std::string("\xff\xff\xff\x7f", 4);
  EXPECT_FALSE(decode_replay_progress(body));
  m.state = static_cast<ReplayState>(9);
  EXPECT_FALSE(decode_replay_progress(body_of(encode(m))));
}

TEST(ReplayMessagesTest, CommittedRoundTrips) {
  ReplayCommitted m{5, {{"h1", "cat", 1, 4, 77}, {"h2", "cat", 2, 2, 0}}};
  auto back = decode_replay_committed(body_of(encode(m)));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back.value(), m);
  EXPECT_FALSE(decode_replay_committed(body_of(encode(ReplayCommitted{0, {{"h1", "cat", 1, 1}}}))));
  EXPECT_FALSE(decode_replay_committed(body_of(encode(ReplayCommitted{5, {{"h1", "cat", 0, 1}}}))));
}

}  // namespace
}  // namespace ferry::wire
