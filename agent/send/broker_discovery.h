#pragma once
// Finds the agent's brokers in ZooKeeper (/brokers/<dc>/*) and hands the BrokerLink the
// list ranked for this host (rendezvous hashing: hosts spread over brokers, and a host's
// first choice changes only when its broker goes). Until ZooKeeper answers, the static
// `brokers` of the config stand; when it lists no broker (after an outage that expired
// the brokers' sessions, until they register again), the brokers already known stand.

#include <memory>
#include <string>
#include <vector>

#include "agent/send/broker_link.h"
#include "common/net/asio.h"
#include "common/zk/membership.h"

namespace ferry::agent::send {

class BrokerDiscovery {
 public:
  BrokerDiscovery(asio::any_io_executor executor, zk::ZkOptions zk, std::string host,
                  std::string dc, std::vector<std::string> static_brokers, BrokerLink& link);
  void start();
  void stop();
  bool connected() const { return membership_->connected(); }

 private:
  void apply(std::vector<zk::Member> members);  // on the io thread

  asio::any_io_executor executor_;
  std::string host_;
  std::vector<std::string> static_brokers_;
  BrokerLink& link_;
  std::unique_ptr<zk::Membership> membership_;
};

// The addresses of `members` ranked for `host`, best first.
std::vector<std::string> rank_brokers(const std::string& host,
                                      const std::vector<zk::Member>& members);

// What the link dials after a listing ranked `ranked`: that, or when it is empty the
// `known` list (a healthy connection is not dropped for a momentary empty listing), or
// the static brokers when none is known.
std::vector<std::string> brokers_after_listing(std::vector<std::string> ranked,
                                               const std::vector<std::string>& known,
                                               const std::vector<std::string>& static_brokers);

}  // namespace ferry::agent::send
