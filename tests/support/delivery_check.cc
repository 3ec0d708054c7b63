#include "tests/support/delivery_check.h"

#include <cstdio>
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/http_get.h"
#include "tests/support/net_namespace.h"
#include "tools/ferryctl/verify.h"

namespace ferry::testing {

using namespace std::chrono_literals;

void Writer::run() {
  std::vector<int> next(agents_ + 1, 0);
  int tick = 0;
  while (true) {
    bool any = false;
    for (int a = 1; a <= agents_; ++a) {
      std::ofstream out(file_for ? file_for(a, tick) : cluster_.input_file(a), std::ios::app);
      for (int i = 0; i < per_tick_ && next[a] < per_agent_; ++i) {
        out << syslog_line(cluster_.host(a), "id=" + cluster_.host(a) + ":" +
                                                 std::to_string(next[a]++) +
                                                 " payload=" + std::string(120, 'x'));
        any = true;
      }
    }
    if (!any) break;
    if (between_ticks) between_ticks(tick);
    ++tick;
    std::this_thread::sleep_for(10ms);
  }
  done_ = true;
}

Tally tally(const MiniCluster& cluster, int agents, int per_agent) {
  // The judge of every e2e scenario, `ferryctl verify`, judges these tests too.
  auto v = ferryctl::run_verify(cluster.dir().file("input"), cluster.output_root());
  if (!v) {
    ADD_FAILURE() << "ferryctl verify: " << v.error().message();
    return {};
  }
  Tally t{v.value().delivered, v.value().lost, v.value().duplicated, v.value().unexpected};
  // Lines the writer has not written yet are lost too: verify knows only what is written.
  const size_t expected = static_cast<size_t>(agents) * per_agent;
  if (v.value().expected < expected) t.lost += expected - v.value().expected;
  return t;
}

std::optional<uint64_t> broker_pending_batches(const MiniCluster& cluster, int broker) {
  try {
    HttpReply reply;
    run_in_netns(cluster.netns("broker-" + std::to_string(broker)),
                 [&] { reply = http_get(cluster.broker_http_port(broker), "/api/summary"); });
    if (reply.status != 200) return std::nullopt;
    return nlohmann::json::parse(reply.body).at("pending_batches").get<uint64_t>();
  } catch (const std::exception&) {
    return std::nullopt;  // starting, or going
  }
}

namespace {

// No running broker holds a batch the consumer has not committed: nothing more can reach
// the output (agents' resends of committed batches are answered, not stored again).
bool brokers_drained(const MiniCluster& cluster) {
  for (const auto& name : cluster.names()) {
    if (!name.starts_with("broker-") || cluster.pid(name) < 0) continue;
    if (broker_pending_batches(cluster, std::stoi(name.substr(7))) != 0u) return false;
  }
  return true;
}

}  // namespace

Tally wait_for_delivery(const MiniCluster& cluster, int agents, int per_agent,
                        std::chrono::seconds limit) {
  Tally t;
  wait_until(
      [&] {
        t = tally(cluster, agents, per_agent);
        return t.lost == 0;
      },
      limit);
  // Late duplicates would come from batches still pending somewhere: count once the
  // brokers hold none and the output read twice is the same.
  Tally before;
  wait_until(
      [&] {
        before = t;
        if (!brokers_drained(cluster)) return false;
        t = tally(cluster, agents, per_agent);
        return t.delivered == before.delivered && t.duplicated == before.duplicated &&
               t.unexpected == before.unexpected;
      },
      30s);
  std::printf("delivered=%zu lost=%zu duplicated=%zu unexpected=%zu\n", t.delivered, t.lost,
              t.duplicated, t.unexpected);
  return t;
}

void expect_exactly_once(const Tally& t, size_t expected) {
  EXPECT_EQ(t.delivered, expected);
  EXPECT_EQ(t.lost, 0u);
  EXPECT_EQ(t.duplicated, 0u);
  EXPECT_EQ(t.unexpected, 0u);
}

void write_and_deliver(MiniCluster& cluster, int agents, int per_agent, int lines_per_ms_tick,
                       std::chrono::seconds limit) {
  Writer writer(cluster, agents, per_agent, lines_per_ms_tick);
  writer.start();
  writer.join();
  expect_exactly_once(wait_for_delivery(cluster, agents, per_agent, limit),
                      static_cast<size_t>(agents) * per_agent);
}

}  // namespace ferry::testing
