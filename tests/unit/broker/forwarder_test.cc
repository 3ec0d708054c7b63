// Forwarder (broker/forwarder.h) routing, without connecting: a stream always goes to the
// same link of the static list; with ZooKeeper, to its slot owner's link; a static link
// found in ZooKeeper at the same address is kept, and a consumer that left routes nothing.

#include "broker/forwarder.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/fakes/fake_clock.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/broker/test_batches.h"

namespace ferry::broker {
namespace {

zk::Member consumer(std::string id, std::string address) {
  zk::Member m;
  m.id = std::move(id);
  m.address = std::move(address);
  return m;
}

class ForwarderTest : public ::testing::Test {
 protected:
  ForwarderTest()
      : tls_client_(std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client)),
        store_(store::testing::open_store(dir_.file("db"))) {}

  // Links are made but never started by the static list (nothing connects: io_ is not run).
  std::unique_ptr<Forwarder> make(const std::vector<std::string>& consumers) {
    return std::make_unique<Forwarder>(ConsumerLinkDeps{.executor = io_.get_executor(),
                                                        .tls_client = tls_client_,
                                                        .store = *store_,
                                                        .store_pool = store_pool_,
                                                        .agents = agents_,
                                                        .hosts = hosts_,
                                                        .clock = clock_,
                                                        .node_id = "broker-1",
                                                        .dc = "dc1"},
                                       consumers);
  }

  asio::io_context io_;
  tls::ContextSource tls_client_;
  testing::TempDir dir_;
  std::unique_ptr<store::BatchStore> store_;
  AckRelay agents_;
  status::HostTable hosts_;
  testing::FakeClock clock_;
  asio::thread_pool store_pool_{1};
};

TEST_F(ForwarderTest, AStreamAlwaysGoesToTheSameStaticLink) {
  auto forwarder = make({"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"});
  std::set<const ConsumerLink*> used;
  for (int h = 0; h < 50; ++h) {
    const std::string host = "h" + std::to_string(h);
    const auto* link = forwarder->link_for(host, "app");
    ASSERT_NE(link, nullptr);
    EXPECT_EQ(forwarder->link_for(host, "app"), link);
    used.insert(link);
  }
  EXPECT_EQ(used.size(), 3u) << "50 streams spread over every consumer";
}

TEST_F(ForwarderTest, WithZooKeeperAStreamGoesToItsSlotOwner) {
  auto forwarder = make({});
  EXPECT_EQ(forwarder->link_for("h1", "app"), nullptr) << "no consumer, no link";
  forwarder->set_consumers({consumer("c1", "127.0.0.1:1"), consumer("c2", "127.0.0.1:2")});
  const zk::SlotMap slots({"c1", "c2"});
  std::set<std::string> owners;
  for (int h = 0; h < 50; ++h) {
    const std::string host = "h" + std::to_string(h);
    const auto* link = forwarder->link_for(host, "app");
    ASSERT_NE(link, nullptr);
    EXPECT_EQ(link->id(), slots.owner_of(host, "app"));
    owners.insert(link->id());
  }
  EXPECT_EQ(owners, (std::set<std::string>{"c1", "c2"}));

  forwarder->set_consumers({consumer("c2", "127.0.0.1:2")});
  for (int h = 0; h < 50; ++h) {
    const auto* link = forwarder->link_for("h" + std::to_string(h), "app");
    ASSERT_NE(link, nullptr);
    EXPECT_EQ(link->id(), "c2") << "a consumer that left routes nothing";
  }
}

TEST_F(ForwarderTest, AStaticLinkFoundInZooKeeperAtItsAddressIsKept) {
  auto forwarder = make({"127.0.0.1:1"});
  const auto* before = forwarder->link_for("h1", "app");
  ASSERT_NE(before, nullptr);
  forwarder->set_consumers({consumer("c1", "127.0.0.1:1")});
  EXPECT_EQ(forwarder->link_for("h1", "app"), before) << "the same link, not a new connection";
  EXPECT_EQ(before->id(), "c1");
}

}  // namespace
}  // namespace ferry::broker
