// A hop's WAN link cut mid-stream (every packet dropped, both ways), then restored.
// A short cut leaves the connection standing (TCP retransmits); a cut longer than
// TCP_USER_TIMEOUT ends it and the sender reconnects and resends what was not
// acknowledged. Either way delivery resumes within seconds of the link's return and
// every line arrives exactly once. The daemons run in their own network namespaces
// over the user-space WAN emulator (needs root; skips without).

#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "tests/support/delivery_check.h"
#include "tests/support/wan_pipeline.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

enum class Hop { kAgentToBroker, kBrokerToConsumer };

// Every socket of every hop with the same keepalive and user timeout; an empty
// `user_timeout` keeps the shipped socket defaults.
MiniClusterOptions options_with(const std::string& user_timeout) {
  MiniClusterOptions o;
  o.agents = 1;
  if (user_timeout.empty()) return o;
  const std::string tuning =
      "user_timeout = \"" + user_timeout +
      "\"\nkeepalive_idle = \"2s\"\nkeepalive_interval = \"1s\"\nkeepalive_count = 3\n";
  o.agent_extra = "[socket]\n" + tuning;
  o.broker_tables = "[agent_socket]\n" + tuning + "[consumer_socket]\n" + tuning;
  o.consumer_extra = "[broker_socket]\n" + tuning;
  return o;
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Streams lines, cuts `hop` for `cut`, restores it; checks delivery resumes within 20 s
// (a sender that gave up waits at most its 10 s reconnect backoff, plus a connect) and
// nothing is lost or duplicated. Returns the pipeline for more checks.
std::unique_ptr<WanPipeline> cut_and_restore(Hop hop, std::chrono::seconds cut,
                                             const std::string& user_timeout) {
  // 2,000 lines a second: the writer outlasts the cut by 15 s.
  const int lines = 2000 * static_cast<int>(cut.count() + 15);
  auto p = std::make_unique<WanPipeline>(options_with(user_timeout), wan(40ms, 50'000'000, 0),
                                         wan(40ms, 50'000'000, 0));
  MiniCluster& cluster = p->cluster();
  cluster.start_all();
  Writer writer(cluster, 1, lines, 20);
  writer.start();
  EXPECT_TRUE(wait_until([&] { return tally(cluster, 1, lines).delivered > 1000; }, 20s))
      << "nothing delivered over the emulated WAN before the cut";
  WanLink& link = hop == Hop::kAgentToBroker ? p->agent_link() : p->consumer_link();
  link.cut(true);
  std::this_thread::sleep_for(cut);
  const size_t before = tally(cluster, 1, lines).delivered;
  link.cut(false);
  const auto restored = std::chrono::steady_clock::now();
  EXPECT_TRUE(wait_until([&] { return tally(cluster, 1, lines).delivered > before + 500; }, 20s))
      << "delivery did not resume within 20 s of the link's return";
  std::printf("delivery resumed %.1f s after the link returned\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - restored).count());
  EXPECT_GT(link.a_to_b().cut_dropped + link.b_to_a().cut_dropped, 0u) << "the cut dropped nothing";
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, 1, lines, 60s), lines);
  return p;
}

class WanCutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = netns_unavailable_reason();
    if (!why.empty()) GTEST_SKIP() << "skipped: " << why;
  }
};

TEST_F(WanCutTest, AShortCutOfTheAgentHopKeepsTheConnection) {
  auto p = cut_and_restore(Hop::kAgentToBroker, 5s, "30s");
  EXPECT_EQ(count(read_file(p->cluster().log("agent-1")), "connected to broker"), 1u)
      << "a 5 s cut, shorter than TCP_USER_TIMEOUT, made the agent reconnect";
}

TEST_F(WanCutTest, AShortCutOfTheConsumerHopKeepsTheConnection) {
  auto p = cut_and_restore(Hop::kBrokerToConsumer, 5s, "30s");
  EXPECT_EQ(count(read_file(p->cluster().log("broker-1")), "connected to consumer"), 1u)
      << "a 5 s cut, shorter than TCP_USER_TIMEOUT, made the broker reconnect";
  EXPECT_EQ(p->broker_metric("ferry_broker_resent_batches_total{cause=\"reconnect\"}"), 0);
}

// A 60 s cut with the shipped socket defaults (TCP_USER_TIMEOUT 30 s): the connection
// dies, and the sender reconnects once the link is back.
TEST_F(WanCutTest, ACutPastTheUserTimeoutOfTheAgentHopEndsInAReconnect) {
  auto p = cut_and_restore(Hop::kAgentToBroker, 60s, "");
  EXPECT_GE(count(read_file(p->cluster().log("agent-1")), "connected to broker"), 2u)
      << "the agent did not reconnect after a cut past TCP_USER_TIMEOUT";
}

TEST_F(WanCutTest, ACutPastTheUserTimeoutOfTheConsumerHopEndsInAReconnect) {
  auto p = cut_and_restore(Hop::kBrokerToConsumer, 60s, "");
  EXPECT_GE(count(read_file(p->cluster().log("broker-1")), "connected to consumer"), 2u)
      << "the broker did not reconnect after a cut past TCP_USER_TIMEOUT";
  EXPECT_GT(p->broker_metric("ferry_broker_resent_batches_total{cause=\"reconnect\"}"), 0)
      << "what was in flight when the connection died was not resent";
}

}  // namespace
}  // namespace ferry::testing
