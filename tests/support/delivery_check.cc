#include "tests/support/delivery_check.h"

#include <cstdio>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

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
        out << syslog_line(cluster_.host(a), "id=" + cluster_.host(a) + ":" + std::to_string(next[a]++) +
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
  std::map<std::string, int> seen;
  for (const auto& line : cluster.delivered_lines()) {
    auto at = line.find("id=");
    if (at == std::string::npos) continue;
    auto end = line.find(' ', at);
    ++seen[line.substr(at + 3, end - at - 3)];
  }
  Tally t;
  size_t expected = 0;
  for (int a = 1; a <= agents; ++a) {
    for (int n = 0; n < per_agent; ++n) {
      ++expected;
      auto it = seen.find(cluster.host(a) + ":" + std::to_string(n));
      if (it == seen.end()) {
        ++t.lost;
      } else {
        ++t.delivered;
        if (it->second > 1) t.duplicated += it->second - 1;
      }
    }
  }
  size_t total = 0;
  for (const auto& [id, n] : seen) total += n;
  t.unexpected = total - t.delivered - t.duplicated;
  return t;
}

Tally wait_for_delivery(const MiniCluster& cluster, int agents, int per_agent, std::chrono::seconds limit) {
  Tally t;
  wait_until([&] {
    t = tally(cluster, agents, per_agent);
    return t.lost == 0;
  }, limit);
  // Let late duplicates (if any) land before the final count.
  std::this_thread::sleep_for(1500ms);
  t = tally(cluster, agents, per_agent);
  std::printf("delivered=%zu lost=%zu duplicated=%zu unexpected=%zu\n", t.delivered, t.lost, t.duplicated,
              t.unexpected);
  return t;
}

void expect_exactly_once(const Tally& t, size_t expected) {
  EXPECT_EQ(t.delivered, expected);
  EXPECT_EQ(t.lost, 0u);
  EXPECT_EQ(t.duplicated, 0u);
  EXPECT_EQ(t.unexpected, 0u);
}

}  // namespace ferry::testing
