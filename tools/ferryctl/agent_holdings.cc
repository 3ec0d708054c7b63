#include "tools/ferryctl/agent_holdings.h"

#include <chrono>

#include "common/http/http_client.h"
#include "common/metrics/prometheus_text.h"

namespace ferry::ferryctl {

const std::optional<std::string>& AgentHoldings::scrape(const std::string& host) {
  auto [it, added] = scrapes_.try_emplace(host);
  if (!added) return it->second;
  for (const auto& p : cluster_["processes"]) {
    if (p["role"] != "agent" || p["id"] != host || !p.contains("http_port")) continue;
    auto reply = http::fetch(
        "GET", "http://127.0.0.1:" + std::to_string(p["http_port"].get<int>()) + "/metrics", {},
        std::chrono::seconds(3));
    if (reply && reply.value().status == 200) it->second = reply.value().body;
  }
  if (!it->second) unreachable_.insert(host);
  return it->second;
}

bool AgentHoldings::holds(std::string_view id) {
  const size_t first = id.find(':');
  const size_t last = id.rfind(':');
  if (first == std::string_view::npos || last == first) return false;
  const auto& text = scrape(std::string(id.substr(0, first)));
  if (!text) return true;
  const std::string labels =
      "{category=\"" + metrics::escape_label_value(id.substr(first + 1, last - first - 1)) + "\"}";
  for (const char* family : {"ferry_agent_unacked_events", "ferry_agent_backlog_bytes"}) {
    if (metrics::sample_value(*text, family + labels).value_or(0) > 0) return true;
  }
  return false;
}

}  // namespace ferry::ferryctl
