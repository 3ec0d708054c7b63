#include "broker/self_status.h"

#include <gtest/gtest.h>

namespace ferry::broker {
namespace {

TEST(SelfStatusTest, NamesTheBrokerAndEachCategorysBacklog) {
  std::map<std::string, store::CategoryCount, std::less<>> pending = {{"a", {3, 300, 30}},
                                                                      {"b", {1, 10, 2}}};
  auto st = make_self_status("broker-dc1-1", pending, 1234);
  EXPECT_EQ(st.host, "broker-dc1-1");
  EXPECT_EQ(st.sent_at_ms, 1234);
  ASSERT_EQ(st.streams.size(), 2u);
  EXPECT_EQ(st.streams[0].category, "a");
  EXPECT_EQ(st.streams[0].unacked_batches, 3u);
  EXPECT_EQ(st.streams[0].backlog_bytes, 300u);
  EXPECT_EQ(st.streams[0].unacked_events, 30u);
  EXPECT_EQ(st.streams[0].oldest_unacked_ms, 0);
  // It is an ordinary STATUS on the wire.
  auto frame = wire::encode(st);
  auto decoded = wire::decode_status(std::string_view(frame).substr(wire::kFrameHeaderSize));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded.value(), st);
}

TEST(SelfStatusTest, KeepsTheLargestCategoriesWhenThereAreTooMany) {
  std::map<std::string, store::CategoryCount, std::less<>> pending;
  for (uint32_t i = 0; i < wire::kMaxStatusStreams + 10; ++i)
    pending["c" + std::to_string(i)] = {1, i + 1, 1};
  auto st = make_self_status("b", pending, 0);
  ASSERT_EQ(st.streams.size(), wire::kMaxStatusStreams);
  for (const auto& s : st.streams) EXPECT_GT(s.backlog_bytes, 10u);
}

}  // namespace
}  // namespace ferry::broker
