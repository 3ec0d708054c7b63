// The agent's view of its DC's brokers from ZooKeeper listings (agent/send/broker_discovery.h).

#include "agent/send/broker_discovery.h"

#include <gtest/gtest.h>

namespace ferry::agent::send {
namespace {

using Brokers = std::vector<std::string>;

zk::Member broker(const std::string& id, const std::string& address) {
  return zk::Member{id, "dc1", address, "", 0};
}

TEST(BrokerDiscoveryTest, AHostsFirstChoiceChangesOnlyWhenItsBrokerGoes) {
  const std::vector<zk::Member> three{broker("b1", "a:1"), broker("b2", "a:2"),
                                      broker("b3", "a:3")};
  const Brokers ranked = rank_brokers("h7", three);
  ASSERT_EQ(ranked.size(), 3u);
  std::vector<zk::Member> without_last;
  for (const auto& m : three) {
    if (m.address != ranked.back()) without_last.push_back(m);
  }
  EXPECT_EQ(rank_brokers("h7", without_last).front(), ranked.front())
      << "another broker going moves nobody else";
  std::vector<zk::Member> without_first;
  for (const auto& m : three) {
    if (m.address != ranked.front()) without_first.push_back(m);
  }
  EXPECT_EQ(rank_brokers("h7", without_first).front(), ranked[1])
      << "fails over to its second choice";
}

TEST(BrokerDiscoveryTest, AnEmptyListingKeepsTheBrokersAlreadyKnown) {
  // After a ZooKeeper outage that expired the brokers' sessions, the DC lists nobody
  // until they register again: a healthy connection must not be dropped for that.
  EXPECT_EQ(brokers_after_listing({}, {"a:2", "a:1"}, {}), (Brokers{"a:2", "a:1"}));
  EXPECT_EQ(brokers_after_listing({}, {"a:2"}, {"s:1"}), (Brokers{"a:2"}));
}

TEST(BrokerDiscoveryTest, AnEmptyListingWithNothingKnownFallsBackToTheConfiguredBrokers) {
  EXPECT_EQ(brokers_after_listing({}, {}, {"s:1", "s:2"}), (Brokers{"s:1", "s:2"}));
}

TEST(BrokerDiscoveryTest, AListingReplacesWhatWasKnown) {
  EXPECT_EQ(brokers_after_listing({"a:3"}, {"a:1", "a:2"}, {"s:1"}), (Brokers{"a:3"}));
}

}  // namespace
}  // namespace ferry::agent::send
