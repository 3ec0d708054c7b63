#pragma once
// What the agents of a running `ferryctl cluster` still hold, so that `ferryctl verify
// --dir` can tell lines in flight from lines lost. A generated line's id is
// "host:category:n"; its agent holds it while that stream has events sent and not yet
// DELIVERED or bytes not yet read (the agent's /metrics: ferry_agent_unacked_events,
// ferry_agent_backlog_bytes). A line missing from the output is in flight while its agent
// holds anything of its stream, or cannot be asked (its files still hold the line);
// lost only when the agent answers that it holds nothing more of that stream.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ferry::ferryctl {

class AgentHoldings {
 public:
  // `cluster`: DIR/cluster.json. Agents are asked on first need, once each.
  explicit AgentHoldings(nlohmann::json cluster) : cluster_(std::move(cluster)) {}

  // True when the line with this id may still arrive.
  bool holds(std::string_view id);

  // Hosts whose agent did not answer (their missing lines count as in flight).
  const std::set<std::string>& unreachable() const { return unreachable_; }

 private:
  // The agent's /metrics text, nullopt if it did not answer.
  const std::optional<std::string>& scrape(const std::string& host);

  nlohmann::json cluster_;
  std::map<std::string, std::optional<std::string>> scrapes_;
  std::set<std::string> unreachable_;
};

}  // namespace ferry::ferryctl
