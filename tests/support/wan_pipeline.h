#pragma once
// A MiniCluster whose every hop crosses an emulated WAN: the agents, the broker and the
// consumer each run in their own network namespace, joined by two WanLinks
// (agent ↔ broker, broker ↔ consumer). Each namespace's default congestion control is
// cubic as on a stock host (reno where the host does not allow cubic), so only what
// Ferry sets per socket changes it.

#include <memory>
#include <string>

#include "tests/support/mini_cluster.h"
#include "tests/support/net_namespace.h"
#include "tests/support/wan_link.h"

namespace ferry::testing {

class WanPipeline {
 public:
  // `options` is completed with the namespaces and addresses (one broker).
  WanPipeline(MiniClusterOptions options, WanLinkOptions agent_link, WanLinkOptions consumer_link);

  MiniCluster& cluster() { return *cluster_; }
  WanLink& agent_link() { return *agent_link_; }        // a: agents, b: broker
  WanLink& consumer_link() { return *consumer_link_; }  // a: broker, b: consumer
  const NetNamespace& agent_ns() const { return agent_ns_; }
  const NetNamespace& broker_ns() const { return broker_ns_; }
  const NetNamespace& consumer_ns() const { return consumer_ns_; }

  // A series from the broker's or the consumer's /metrics (read inside its namespace),
  // e.g. "ferry_broker_resent_batches_total{cause=\"reconnect\"}"; -1 when absent or
  // when the daemon does not answer.
  double broker_metric(const std::string& series) const;
  double consumer_metric(const std::string& series) const;

 private:
  // Declared first so they go last: the daemons (cluster_) stop before the links and
  // namespaces under them.
  NetNamespace agent_ns_{"agent"}, broker_ns_{"broker"}, consumer_ns_{"consumer"};
  std::unique_ptr<WanLink> agent_link_, consumer_link_;
  std::unique_ptr<MiniCluster> cluster_;
};

// The value of `series` in a Prometheus text body; -1 when absent.
double metric_value(const std::string& body, const std::string& series);

}  // namespace ferry::testing
