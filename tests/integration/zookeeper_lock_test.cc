// ZkClient::create_exclusive, the consumer's slot lock, against a real ZooKeeper: a
// session that already holds the lock (its earlier create's reply lost to a dropped
// connection) must see it as its own, or it waits forever for itself to let go.

#include <gtest/gtest.h>

#include "common/zk/zk_client.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/zookeeper_server.h"

namespace ferry::zk {
namespace {

using namespace std::chrono_literals;
using testing::wait_until;

std::unique_ptr<ZkClient> connected_client(const std::string& hosts) {
  ZkOptions o;
  o.hosts = hosts;
  o.root = "/ferry-test";
  o.session_timeout = 4000ms;
  auto c = ZkClient::start(o, [](const ZkEvent&) {});
  if (!c) return nullptr;
  auto client = std::move(c).value();
  if (!wait_until([&] { return client->state() == SessionState::kConnected; }, 15s)) return nullptr;
  return client;
}

TEST(ZooKeeperLockTest, TheHoldingSessionSeesTheLockAsItsOwnAndOthersDoNot) {
  testing::TempDir tmp;
  testing::ZooKeeperServer server(tmp.file("zk"));
  auto holder = connected_client(server.hosts());
  auto other = connected_client(server.hosts());
  ASSERT_TRUE(holder && other);
  ASSERT_TRUE(holder->ensure_path("/slots/7"));

  auto first = holder->create_exclusive("/slots/7/lock", "c1-1");
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_TRUE(first.value());
  // What a retry after a lost reply does: the node is there, and it is ours.
  auto again = holder->create_exclusive("/slots/7/lock", "c1-1");
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_TRUE(again.value()) << "the session holding the lock was told someone else holds it";

  auto taken = other->create_exclusive("/slots/7/lock", "c2-1");
  ASSERT_TRUE(taken) << taken.error().message();
  EXPECT_FALSE(taken.value()) << "a second session got a lock that is held";

  ASSERT_TRUE(holder->remove("/slots/7/lock"));
  auto freed = other->create_exclusive("/slots/7/lock", "c2-1");
  ASSERT_TRUE(freed) << freed.error().message();
  EXPECT_TRUE(freed.value()) << "a released lock goes to the next session that asks";
}

}  // namespace
}  // namespace ferry::zk
