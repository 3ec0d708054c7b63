#include "common/zk/rendezvous.h"

#include <gtest/gtest.h>

#include <map>

namespace ferry::zk {
namespace {

const std::vector<std::string> kFour{"b1", "b2", "b3", "b4"};

TEST(RendezvousTest, RankDoesNotDependOnTheOrderMembersAreListed) {
  for (int i = 0; i < 200; ++i) {
    const std::string key = "host-" + std::to_string(i);
    EXPECT_EQ(rendezvous_rank(key, {"b1", "b2", "b3", "b4"}),
              rendezvous_rank(key, {"b4", "b2", "b1", "b3"}));
  }
}

TEST(RendezvousTest, AMemberLeavingMovesOnlyTheKeysItWon) {
  std::vector<std::string> three{"b1", "b2", "b4"};
  int moved = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string key = "host-" + std::to_string(i);
    const std::string before = rendezvous_rank(key, kFour).front();
    const std::string after = rendezvous_rank(key, three).front();
    if (before != "b3") {
      EXPECT_EQ(before, after) << key;
    } else {
      EXPECT_EQ(after, rendezvous_rank(key, kFour)[1]) << key << " goes to its second choice";
      ++moved;
    }
  }
  EXPECT_GT(moved, 0);
}

TEST(RendezvousTest, KeysSpreadOverMembers) {
  std::map<std::string, int> won;
  for (int i = 0; i < 4000; ++i) ++won[rendezvous_rank("host-" + std::to_string(i), kFour).front()];
  ASSERT_EQ(won.size(), 4u);
  for (const auto& [id, n] : won) {
    EXPECT_GT(n, 700) << id;  // 1000 expected each
    EXPECT_LT(n, 1300) << id;
  }
}

TEST(RendezvousTest, EmptyAndSingleLists) {
  EXPECT_TRUE(rendezvous_rank("h", {}).empty());
  EXPECT_EQ(rendezvous_rank("h", {"only"}), std::vector<std::string>{"only"});
}

}  // namespace
}  // namespace ferry::zk
