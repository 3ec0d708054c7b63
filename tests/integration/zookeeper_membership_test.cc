// Membership against a real ZooKeeper server: registration, watching, a member leaving,
// a server restart (sessions survive) and an expired session (the process registers
// again).

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "common/zk/membership.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/zookeeper_server.h"

namespace ferry::zk {
namespace {

using namespace std::chrono_literals;
using testing::wait_until;

// What a watcher was last told, readable from the test thread.
struct Seen {
  std::mutex mutex;
  std::vector<Member> members;
  int reports = 0;

  Membership::MembersFn fn() {
    return [this](std::vector<Member> m) {
      std::lock_guard lock(mutex);
      members = std::move(m);
      ++reports;
    };
  }
  std::vector<std::string> ids() {
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    for (const auto& m : members) out.push_back(m.id);
    std::sort(out.begin(), out.end());
    return out;
  }
};

MembershipOptions broker(const std::string& hosts, const std::string& id) {
  MembershipOptions o;
  o.zk.hosts = hosts;
  o.zk.root = "/ferry-test";
  o.zk.session_timeout = 2000ms;
  o.self_path = "/brokers/dc1/" + id;
  o.self = Member{id, "dc1", "127.0.0.1:" + std::to_string(7400 + id.back()), "", 0};
  return o;
}

MembershipOptions watcher(const std::string& hosts) {
  MembershipOptions o;
  o.zk.hosts = hosts;
  o.zk.root = "/ferry-test";
  o.zk.session_timeout = 2000ms;
  o.watch_path = "/brokers/dc1";
  return o;
}

const std::vector<std::string> kBoth{"b1", "b2"};
const std::vector<std::string> kOnlyB2{"b2"};

TEST(ZooKeeperMembershipTest, MembersAppearLeaveAndSurviveServerRestarts) {
  testing::TempDir tmp;
  testing::ZooKeeperServer zk(tmp.file("zk"));
  Seen seen;
  Membership watch(watcher(zk.hosts()), seen.fn());
  Membership b1(broker(zk.hosts(), "b1"), [](auto) {});
  Membership b2(broker(zk.hosts(), "b2"), [](auto) {});
  watch.start();
  b1.start();
  b2.start();
  ASSERT_TRUE(wait_until([&] { return seen.ids() == kBoth; }, 15s));
  {
    std::lock_guard lock(seen.mutex);
    for (const auto& m : seen.members) {
      EXPECT_EQ(m.dc, "dc1");
      EXPECT_FALSE(m.address.empty());
    }
  }

  b1.stop();  // closing the session removes the node at once, not at expiry
  ASSERT_TRUE(wait_until([&] { return seen.ids() == kOnlyB2; }, 5s)) << "b1 left";

  // Same data, back within the session timeout: sessions resume, nothing re-registers.
  zk.restart();
  ASSERT_TRUE(wait_until([&] { return b2.connected() && watch.connected(); }, 15s));
  EXPECT_EQ(b2.sessions(), 1u);
  EXPECT_EQ(seen.ids(), kOnlyB2);

  // An expired session takes its node with it; the process starts a new session and
  // registers again.
  zk.expire(b2.credentials());
  ASSERT_TRUE(wait_until([&] { return b2.sessions() >= 2 && b2.registered(); }, 20s));
  ASSERT_TRUE(wait_until([&] { return seen.ids() == kOnlyB2; }, 10s)) << "b2 is back in the list";
  Membership b1_again(broker(zk.hosts(), "b1"), [](auto) {});
  b1_again.start();
  ASSERT_TRUE(wait_until([&] { return seen.ids() == kBoth; }, 10s));
}

TEST(ZooKeeperMembershipTest, UnreachableServerFreezesTheListAndRecovers) {
  testing::TempDir tmp;
  testing::ZooKeeperServer zk(tmp.file("zk"));
  Seen seen;
  Membership watch(watcher(zk.hosts()), seen.fn());
  Membership b1(broker(zk.hosts(), "b1"), [](auto) {});
  watch.start();
  b1.start();
  ASSERT_TRUE(wait_until([&] { return seen.ids() == std::vector<std::string>{"b1"}; }, 15s));
  zk.kill9();
  ASSERT_TRUE(wait_until([&] { return !watch.connected(); }, 10s));
  EXPECT_EQ(seen.ids(), std::vector<std::string>{"b1"})
      << "the last list stands while ZooKeeper is away";
  zk.restart();
  ASSERT_TRUE(wait_until([&] { return watch.connected() && b1.connected(); }, 15s));
  EXPECT_EQ(seen.ids(), std::vector<std::string>{"b1"});
}

TEST(ZooKeeperMembershipTest, NoServerAtStartIsReportedNotFatal) {
  MembershipOptions o = watcher("127.0.0.1:1");
  Seen seen;
  Membership watch(o, seen.fn());
  watch.start();
  std::this_thread::sleep_for(1500ms);
  EXPECT_FALSE(watch.connected());
  std::lock_guard lock(seen.mutex);
  EXPECT_EQ(seen.reports, 0) << "no list is invented while ZooKeeper was never reached";
}

}  // namespace
}  // namespace ferry::zk

namespace ferry::zk {
namespace {

// A consumer's way: passes of its own work on the session, and after an expiry no new
// registration (another may have fenced it), only word of the expiry, once.
TEST(ZooKeeperMembershipTest, NoRegistrationAfterExpiryWhenAskedAndPassesRun) {
  testing::TempDir tmp;
  testing::ZooKeeperServer zk(tmp.file("zk"));
  Seen seen;
  Membership watch(watcher(zk.hosts()), seen.fn());
  watch.start();
  std::atomic<int> passes{0}, expiries{0};
  MembershipOptions o = broker(zk.hosts(), "b1");
  o.register_after_expiry = false;
  o.on_pass = [&](ZkClient&) {
    ++passes;
    return true;
  };
  o.on_expired = [&] { ++expiries; };
  Membership b1(std::move(o), [](auto) {});
  b1.start();
  ASSERT_TRUE(
      wait_until([&] { return seen.ids() == std::vector<std::string>{"b1"} && passes > 0; }, 15s));
  const int before = passes;
  b1.poke();
  EXPECT_TRUE(wait_until([&] { return passes > before; }, 5s)) << "poke() asks for a pass";
  zk.expire(b1.credentials());
  ASSERT_TRUE(wait_until([&] { return expiries > 0; }, 20s));
  ASSERT_TRUE(wait_until([&] { return seen.ids().empty(); }, 10s))
      << "its node went with the session";
  std::this_thread::sleep_for(3s);
  EXPECT_TRUE(seen.ids().empty()) << "and it did not come back";
  EXPECT_EQ(b1.sessions(), 1u);
  EXPECT_FALSE(b1.registered());
  EXPECT_EQ(expiries, 1);
}

}  // namespace
}  // namespace ferry::zk
