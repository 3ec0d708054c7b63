#include "common/status/host_table.h"

#include <algorithm>

namespace ferry::status {

uint64_t HostEntry::unacked_events() const {
  uint64_t n = 0;
  for (const auto& s : status.streams) n += s.unacked_events;
  return n;
}

uint64_t HostEntry::unacked_batches() const {
  uint64_t n = 0;
  for (const auto& s : status.streams) n += s.unacked_batches;
  return n;
}

uint64_t HostEntry::backlog_bytes() const {
  uint64_t n = 0;
  for (const auto& s : status.streams) n += s.backlog_bytes;
  return n;
}

uint64_t HostEntry::unreadable_bytes() const {
  uint64_t n = 0;
  for (const auto& s : status.streams) n += s.unreadable_bytes;
  return n;
}

TimeMs HostEntry::oldest_unacked_ms() const {
  TimeMs oldest = 0;
  for (const auto& s : status.streams) {
    if (s.oldest_unacked_ms != 0 && (oldest == 0 || s.oldest_unacked_ms < oldest)) {
      oldest = s.oldest_unacked_ms;
    }
  }
  return oldest;
}

void HostTable::update(const wire::Status& st, const std::string& dc, const std::string& via,
                       TimeMs now) {
  std::lock_guard lock(mu_);
  auto& e = hosts_[st.host];
  e.host = st.host;
  e.dc = dc;
  e.via = via;
  e.last_seen_ms = now;
  e.status = st;
}

void HostTable::set_connected(const std::string& host, const std::string& dc,
                              const std::string& via, bool connected, TimeMs now) {
  std::lock_guard lock(mu_);
  auto& e = hosts_[host];
  e.host = host;
  e.dc = dc;
  e.via = via;
  e.connected = connected;
  e.last_seen_ms = now;
  has_connection_state_[host] = true;
}

void HostTable::forget(const std::string& host) {
  std::lock_guard lock(mu_);
  hosts_.erase(host);
  has_connection_state_.erase(host);
}

std::vector<HostEntry> HostTable::snapshot(TimeMs now) const {
  std::lock_guard lock(mu_);
  std::vector<HostEntry> out;
  out.reserve(hosts_.size());
  for (const auto& [name, e] : hosts_) {
    HostEntry copy = e;
    if (!has_connection_state_.count(name))
      copy.connected = now - e.last_seen_ms <= stale_after_ms_;
    out.push_back(std::move(copy));
  }
  return out;
}

nlohmann::json HostTable::to_json(TimeMs now) const {
  return nlohmann::json::parse(json_text(now));
}

void export_host_gauges(const HostTable& table, metrics::Registry& registry, TimeMs now) {
  auto& unacked = registry.gauge_family("ferry_host_unacked_events",
                                        "Events a host has not yet had DELIVERED", {"host", "dc"});
  auto& age = registry.gauge_family("ferry_host_oldest_unacked_age_seconds",
                                    "Age of a host's oldest unacked event", {"host", "dc"});
  auto& backlog = registry.gauge_family(
      "ferry_host_backlog_bytes", "Bytes of a host's tailed files not yet read", {"host", "dc"});
  auto& connected = registry.gauge_family("ferry_host_connected", "1 while the host is connected",
                                          {"host", "dc"});
  unacked.clear();
  age.clear();
  backlog.clear();
  connected.clear();
  for (const auto& e : table.snapshot(now)) {
    std::vector<std::string> labels{e.host, e.dc};
    unacked.set(labels, static_cast<double>(e.unacked_events()));
    TimeMs oldest = e.oldest_unacked_ms();
    age.set(labels, oldest == 0 ? 0.0 : std::max<TimeMs>(0, now - oldest) / 1000.0);
    backlog.set(labels, static_cast<double>(e.backlog_bytes()));
    connected.set(labels, e.connected ? 1.0 : 0.0);
  }
}

}  // namespace ferry::status
