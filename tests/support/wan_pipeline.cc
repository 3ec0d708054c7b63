#include "tests/support/wan_pipeline.h"

#include <exception>
#include <regex>

#include "tests/support/http_get.h"

namespace ferry::testing {
namespace {

constexpr const char* kAgentAddr = "10.77.1.1";
constexpr const char* kBrokerAgentSide = "10.77.1.2";
constexpr const char* kBrokerConsumerSide = "10.77.2.1";
constexpr const char* kConsumerAddr = "10.77.2.2";

double metric_in(const NetNamespace& ns, uint16_t port, const std::string& series) {
  std::string body;
  try {
    ns.run_in([&] { body = http_get(port, "/metrics").body; });
  } catch (const std::exception&) {
    return -1;  // not listening (yet)
  }
  return metric_value(body, series);
}

}  // namespace

double metric_value(const std::string& body, const std::string& series) {
  std::smatch m;
  const std::regex line("(^|\n)" + std::regex_replace(series, std::regex(R"([{}"])"), R"(\$&)") +
                        " ([0-9.e+]+)");
  return std::regex_search(body, m, line) ? std::stod(m[2]) : -1;
}

WanPipeline::WanPipeline(MiniClusterOptions options, WanLinkOptions agent_link,
                         WanLinkOptions consumer_link) {
  // A namespace may only default to what tcp_allowed_congestion_control lists (this
  // host's lists bbr and reno, not cubic): reno is the loss-based fallback.
  for (const auto* ns : {&agent_ns_, &broker_ns_, &consumer_ns_}) {
    try {
      ns->sysctl("net/ipv4/tcp_congestion_control", "cubic");
    } catch (const std::exception&) {
      ns->sysctl("net/ipv4/tcp_congestion_control", "reno");
    }
  }
  agent_link_ =
      std::make_unique<WanLink>(agent_ns_, kAgentAddr, broker_ns_, kBrokerAgentSide, agent_link);
  consumer_link_ = std::make_unique<WanLink>(broker_ns_, kBrokerConsumerSide, consumer_ns_,
                                             kConsumerAddr, consumer_link);
  options.brokers = 1;
  options.broker_address = kBrokerAgentSide;
  options.consumer_address = kConsumerAddr;
  options.netns["consumer"] = consumer_ns_.name();
  options.netns["broker-1"] = broker_ns_.name();
  for (int a = 1; a <= options.agents; ++a)
    options.netns["agent-" + std::to_string(a)] = agent_ns_.name();
  cluster_ = std::make_unique<MiniCluster>(std::move(options));
}

double WanPipeline::broker_metric(const std::string& series) const {
  return metric_in(broker_ns_, cluster_->broker_http_port(1), series);
}

double WanPipeline::consumer_metric(const std::string& series) const {
  return metric_in(consumer_ns_, cluster_->consumer_http_port(), series);
}

}  // namespace ferry::testing
