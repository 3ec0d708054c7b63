#include "common/net/connection_gate.h"

#include <gtest/gtest.h>

namespace ferry::net {
namespace {

asio::ip::address addr(const char* text) { return asio::ip::make_address(text); }

TEST(ConnectionGateTest, RefusesPastThePerAddressCapButAdmitsOtherAddresses) {
  ConnectionGate gate(10, 2);
  std::string why;
  auto a1 = gate.admit(addr("127.0.0.2"), why);
  auto a2 = gate.admit(addr("127.0.0.2"), why);
  ASSERT_TRUE(a1 && a2);
  EXPECT_FALSE(gate.admit(addr("127.0.0.2"), why));
  EXPECT_NE(why.find("address full"), std::string::npos) << why;
  EXPECT_TRUE(gate.admit(addr("127.0.0.1"), why));
}

TEST(ConnectionGateTest, RefusesPastTheTotalCap) {
  ConnectionGate gate(2, 10);
  std::string why;
  auto a = gate.admit(addr("10.0.0.1"), why);
  auto b = gate.admit(addr("10.0.0.2"), why);
  EXPECT_FALSE(gate.admit(addr("10.0.0.3"), why));
  EXPECT_NE(why.find("listener full"), std::string::npos) << why;
}

TEST(ConnectionGateTest, APassGivesItsPlaceBackWhenDestroyedEvenAfterTheGate) {
  std::optional<ConnectionGate::Pass> outlives;
  {
    ConnectionGate gate(1, 1);
    std::string why;
    {
      auto pass = gate.admit(addr("10.0.0.1"), why);
      ASSERT_TRUE(pass);
      EXPECT_EQ(gate.total(), 1u);
    }
    EXPECT_EQ(gate.total(), 0u);
    outlives = gate.admit(addr("10.0.0.1"), why);
    ASSERT_TRUE(outlives);
  }
  outlives.reset();  // the gate is gone; its counts are not
}

}  // namespace
}  // namespace ferry::net
