#include "agent/send/broker_discovery.h"

#include <map>

#include <spdlog/spdlog.h>

#include "common/zk/rendezvous.h"

namespace ferry::agent::send {

std::vector<std::string> rank_brokers(const std::string& host,
                                      const std::vector<zk::Member>& members) {
  std::map<std::string, std::string> address_of;
  for (const auto& m : members) address_of[m.id] = m.address;
  std::vector<std::string> ids;
  for (const auto& [id, address] : address_of) ids.push_back(id);
  std::vector<std::string> ranked;
  for (const auto& id : zk::rendezvous_rank(host, ids)) ranked.push_back(address_of[id]);
  return ranked;
}

BrokerDiscovery::BrokerDiscovery(asio::any_io_executor executor, zk::ZkOptions zk, std::string host,
                                 std::string dc, std::vector<std::string> static_brokers,
                                 BrokerLink& link)
    : executor_(executor),
      host_(std::move(host)),
      static_brokers_(std::move(static_brokers)),
      link_(link) {
  zk::MembershipOptions o;
  o.zk = std::move(zk);
  o.watch_path = "/brokers/" + dc;
  membership_ =
      std::make_unique<zk::Membership>(std::move(o), [this](std::vector<zk::Member> members) {
        asio::post(executor_,
                   [this, members = std::move(members)]() mutable { apply(std::move(members)); });
      });
}

void BrokerDiscovery::start() { membership_->start(); }

void BrokerDiscovery::stop() { membership_->stop(); }

std::vector<std::string> brokers_after_listing(std::vector<std::string> ranked,
                                               const std::vector<std::string>& known,
                                               const std::vector<std::string>& static_brokers) {
  if (!ranked.empty()) return ranked;
  return known.empty() ? static_brokers : known;
}

void BrokerDiscovery::apply(std::vector<zk::Member> members) {
  auto ranked = rank_brokers(host_, members);
  if (ranked.empty() && link_.brokers().empty()) {
    spdlog::warn("zookeeper lists no broker of this DC; using the configured brokers ({})",
                 static_brokers_.size());
  } else if (ranked.empty()) {
    spdlog::warn("zookeeper lists no broker of this DC (yet); keeping the {} brokers known",
                 link_.brokers().size());
  } else if (ranked != link_.brokers()) {
    spdlog::info("brokers from zookeeper: {} (first choice {})", ranked.size(), ranked.front());
  }
  link_.set_brokers(brokers_after_listing(std::move(ranked), link_.brokers(), static_brokers_));
}

}  // namespace ferry::agent::send
