#include "common/zk/slot_map.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace ferry::zk {
namespace {

TEST(SlotMapTest, EveryProcessAgreesWhateverOrderItListsConsumersIn) {
  SlotMap a({"c1", "c2", "c3"}), b({"c3", "c1", "c2"});
  for (uint32_t s = 0; s < kSlots; ++s) EXPECT_EQ(a.owner(s), b.owner(s)) << s;
}

TEST(SlotMapTest, SlotsSpreadAndAJoinMovesOnlyWhatTheNewcomerWins) {
  SlotMap three({"c1", "c2", "c3"}), four({"c1", "c2", "c3", "c4"});
  std::map<std::string, int> count;
  for (uint32_t s = 0; s < kSlots; ++s) {
    ++count[three.owner(s)];
    if (four.owner(s) != "c4") {
      EXPECT_EQ(four.owner(s), three.owner(s)) << "slot " << s << " moved between old members";
    }
  }
  for (const auto& [id, n] : count) EXPECT_GT(n, static_cast<int>(kSlots) / 6) << id;
}

TEST(SlotMapTest, StreamSlotsAreStableAndInRange) {
  EXPECT_EQ(slot_of("h1", "events"), slot_of("h1", "events"));
  EXPECT_NE(slot_of("h1", "events"), slot_of("events", "h1"))
      << "host and category are not interchangeable";
  for (int i = 0; i < 1000; ++i) EXPECT_LT(slot_of("host-" + std::to_string(i), "c"), kSlots);
  std::set<uint32_t> slots;
  for (int i = 1; i <= 16; ++i) slots.insert(slot_of("h" + std::to_string(i), "events"));
  EXPECT_GE(slots.size(), 14u) << "names alike spread over the slots";
  EXPECT_TRUE(SlotMap().empty());
  EXPECT_EQ(SlotMap().owner(3), "");
}

}  // namespace
}  // namespace ferry::zk
