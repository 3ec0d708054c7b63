#include "common/net/connection_gate.h"

namespace ferry::net {

ConnectionGate::Pass::Pass(std::shared_ptr<Counts> counts, std::string address)
    : counts_(std::move(counts)), address_(std::move(address)) {}

ConnectionGate::Pass::~Pass() {
  if (!counts_) return;  // moved from
  --counts_->total;
  auto it = counts_->per_address.find(address_);
  if (it != counts_->per_address.end() && --it->second == 0) counts_->per_address.erase(it);
}

ConnectionGate::ConnectionGate(size_t max_total, size_t max_per_address)
    : max_total_(max_total), max_per_address_(max_per_address) {}

std::optional<ConnectionGate::Pass> ConnectionGate::admit(const asio::ip::address& address,
                                                          std::string& why) {
  if (counts_->total >= max_total_) {
    why = "listener full (" + std::to_string(max_total_) + " connections)";
    return std::nullopt;
  }
  std::string key = address.to_string();
  size_t& mine = counts_->per_address[key];
  if (mine >= max_per_address_) {
    why = "address full (" + std::to_string(max_per_address_) + " connections from " + key + ")";
    if (mine == 0) counts_->per_address.erase(key);
    return std::nullopt;
  }
  ++mine;
  ++counts_->total;
  return Pass(counts_, std::move(key));
}

}  // namespace ferry::net
