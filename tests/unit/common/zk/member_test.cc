#include "common/zk/member.h"

#include <gtest/gtest.h>

namespace ferry::zk {
namespace {

TEST(MemberTest, RoundTrips) {
  Member m{"b1", "dc1", "127.0.0.1:7400", "127.0.0.1:7480", 42, 1234567890123ull};
  auto back = decode_member(encode_member(m));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, m);
}

TEST(MemberTest, RefusesWhatIsNotAMemberRecord) {
  EXPECT_FALSE(decode_member(""));
  EXPECT_FALSE(decode_member("not json"));
  EXPECT_FALSE(decode_member("[1,2]"));
  EXPECT_FALSE(decode_member(R"({"id":"b1"})")) << "no address to dial";
  EXPECT_FALSE(decode_member(R"({"id":7,"address":"a:1"})")) << "id of the wrong type";
  auto tolerant = decode_member(R"({"id":"b1","address":"a:1","load":-3,"extra":true})");
  ASSERT_TRUE(tolerant);
  EXPECT_EQ(tolerant->load, 0u) << "a bad load is ignored, not trusted";
}

}  // namespace
}  // namespace ferry::zk
