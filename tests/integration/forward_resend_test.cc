// A fault-free run sends no batch to the consumer twice: a batch leaves the broker's
// in-flight list only once it has left its pending set too, so the next scan of pending
// batches cannot pick it up again (each needless resend costs WAN bytes).

#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "tests/support/delivery_check.h"
#include "tests/support/http_get.h"
#include "tests/support/mini_cluster.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

double metric(uint16_t port, const std::string& series) {
  const std::string body = http_get(port, "/metrics").body;
  std::smatch m;
  const std::regex line("(^|\n)" + std::regex_replace(series, std::regex(R"([{}"])"), R"(\$&)") +
                        " ([0-9.e+]+)");
  return std::regex_search(body, m, line) ? std::stod(m[2]) : -1;
}

TEST(ForwardResendTest, NoBatchCrossesTwiceWithoutAFault) {
  constexpr int kAgents = 2, kLines = 20000;
  // Many small batches and frequent commits: many COMMITTED acks race the pending scans.
  MiniCluster cluster(
      {.brokers = 1, .agents = kAgents, .agent_batch = "linger = \"2ms\"\nmax_bytes = \"4KiB\""});
  cluster.start_all();
  write_and_deliver(cluster, kAgents, kLines, 40, 120s);
  EXPECT_EQ(metric(cluster.consumer_http_port(), "ferry_consumer_duplicate_batches_total"), 0)
      << "the consumer received batches it had already committed";
  EXPECT_EQ(
      metric(cluster.broker_http_port(1), "ferry_broker_resent_batches_total{cause=\"reconnect\"}"),
      0);
}

TEST(ForwardResendTest, AReconnectResendsAndCountsIt) {
  constexpr int kLines = 20000;
  MiniCluster cluster({.brokers = 1, .agents = 1});
  cluster.start_all();
  Writer writer(cluster, 1, kLines, 40);
  writer.start();
  std::this_thread::sleep_for(1000ms);
  ASSERT_TRUE(wait_until([&] { return broker_pending_batches(cluster, 1).value_or(0) > 0; }, 10s))
      << "nothing ever in flight to the consumer";
  cluster.kill9("consumer");  // what was in flight to it goes again on the next connection
  cluster.start("consumer");
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, 1, kLines, 120s), kLines);
  EXPECT_GT(
      metric(cluster.broker_http_port(1), "ferry_broker_resent_batches_total{cause=\"reconnect\"}"),
      0);
}

}  // namespace
}  // namespace ferry::testing
