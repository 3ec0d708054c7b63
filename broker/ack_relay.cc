#include "broker/ack_relay.h"

#include <algorithm>

namespace ferry::broker {

void AckRelay::attach(const std::string& host, const std::shared_ptr<net::FrameConnection>& conn) {
  conns_[host].push_back(conn);
}

void AckRelay::detach(const std::string& host, const net::FrameConnection* conn) {
  auto it = conns_.find(host);
  if (it == conns_.end()) return;
  auto& v = it->second;
  v.erase(std::remove_if(v.begin(), v.end(),
                         [&](const auto& w) {
                           auto c = w.lock();
                           return !c || c.get() == conn;
                         }),
          v.end());
  if (v.empty()) conns_.erase(it);
}

void AckRelay::relay_delivered(const std::vector<wire::AckRange>& ranges) {
  std::map<std::string, wire::Ack> by_host;
  for (const auto& r : ranges) by_host[r.host].ranges.push_back(r);
  for (auto& [host, ack] : by_host) {
    auto it = conns_.find(host);
    if (it == conns_.end()) continue;
    std::string frame = wire::encode(wire::FrameType::kDelivered, ack);
    for (const auto& w : it->second) {
      if (auto c = w.lock()) c->send(frame);
    }
  }
}

bool AckRelay::send_to(const std::string& host, const std::string& frame) {
  auto it = conns_.find(host);
  if (it == conns_.end()) return false;
  bool sent = false;
  for (const auto& w : it->second) {
    if (auto c = w.lock(); c && c->usable()) {
      c->send(frame);
      sent = true;
    }
  }
  return sent;
}

std::vector<std::string> AckRelay::hosts() const {
  std::vector<std::string> out;
  for (const auto& [host, conns] : conns_) out.push_back(host);
  return out;
}

}  // namespace ferry::broker
