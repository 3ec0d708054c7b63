#include "common/status/dc_totals.h"

#include <algorithm>
#include <set>

namespace ferry::status {

DcTotals::DcTotals(DcTotalsOptions options, metrics::Registry* registry) : options_(options) {
  if (registry == nullptr) return;
  in_total_ = &registry->counter_family(
      "ferry_dc_events_in_total",
      "Events in per DC (broker: stored from agents; consumer: received)", {"dc"});
  out_total_ = &registry->counter_family(
      "ferry_dc_events_out_total",
      "Events out per DC (broker: COMMITTED by the consumer; consumer: committed)", {"dc"});
  committed_batches_total_ = &registry->counter_family("ferry_dc_committed_batches_total",
                                                       "Batches committed per DC", {"dc"});
}

DcTotals::Dc& DcTotals::dc_locked(const std::string& dc) {
  auto it = dcs_.find(dc);
  if (it == dcs_.end()) it = dcs_.emplace(dc, Dc(options_.rate_window_s)).first;
  return it->second;
}

void DcTotals::count_in(const std::string& dc, uint64_t events, TimeMs now) {
  {
    std::lock_guard lock(mu_);
    dc_locked(dc).in_events.add(now, events);
  }
  if (in_total_) in_total_->with({dc}).inc(events);
}

void DcTotals::count_out(const std::string& dc, uint64_t batches, uint64_t events, TimeMs now) {
  {
    std::lock_guard lock(mu_);
    auto& d = dc_locked(dc);
    d.out_events.add(now, events);
    d.out_batches.add(now, batches);
  }
  if (out_total_) out_total_->with({dc}).inc(events);
  if (committed_batches_total_) committed_batches_total_->with({dc}).inc(batches);
}

void DcTotals::set_broker_backlog(const std::string& dc, const std::string& broker,
                                  const wire::Status& self, TimeMs now) {
  BrokerBacklog b;
  for (const auto& s : self.streams) {
    b.batches += s.unacked_batches;
    b.bytes += s.backlog_bytes;
    b.events += s.unacked_events;
  }
  b.reported_ms = now;
  std::lock_guard lock(mu_);
  // A broker belongs to one DC; a broker that moved leaves its old DC.
  for (auto& [name, d] : dcs_) {
    if (name != dc) d.brokers.erase(broker);
  }
  dc_locked(dc).brokers[broker] = b;
}

std::map<std::string, DcTotals::HostCounts> DcTotals::count_hosts(
    const std::vector<HostEntry>& hosts, TimeMs now) const {
  std::map<std::string, HostCounts> out;
  for (const auto& h : hosts) {
    auto& c = out[h.dc];
    ++c.hosts;
    c.unacked_events += h.unacked_events();
    TimeMs oldest = h.oldest_unacked_ms();
    if (!h.connected) {
      ++c.disconnected;
    } else if (oldest != 0 && now - oldest >= options_.lagging_after_ms) {
      ++c.lagging;
    }
  }
  return out;
}

nlohmann::json DcTotals::to_json(const std::vector<HostEntry>& hosts, TimeMs now) const {
  auto counts = count_hosts(hosts, now);
  std::lock_guard lock(mu_);
  std::set<std::string> names;
  for (const auto& [dc, c] : counts) names.insert(dc);
  for (const auto& [dc, d] : dcs_) names.insert(dc);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& name : names) {
    HostCounts c;
    if (auto it = counts.find(name); it != counts.end()) c = it->second;
    double in = 0, out_events = 0, out_batches = 0;
    BrokerBacklog backlog;
    uint64_t brokers = 0, stale = 0;
    if (auto it = dcs_.find(name); it != dcs_.end()) {
      in = it->second.in_events.per_second(now);
      out_events = it->second.out_events.per_second(now);
      out_batches = it->second.out_batches.per_second(now);
      for (const auto& [broker, b] : it->second.brokers) {
        backlog.batches += b.batches;
        backlog.bytes += b.bytes;
        backlog.events += b.events;
        ++brokers;
        if (now - b.reported_ms > options_.broker_stale_after_ms) ++stale;
      }
    }
    out[name] = {{"events_in_per_s", in},
                 {"events_out_per_s", out_events},
                 {"commit_batches_per_s", out_batches},
                 {"commit_events_per_s", out_events},
                 {"unacked_events", c.unacked_events},
                 {"broker_backlog_batches", backlog.batches},
                 {"broker_backlog_bytes", backlog.bytes},
                 {"broker_backlog_events", backlog.events},
                 {"brokers_reporting", brokers - stale},
                 {"brokers_stale", stale},
                 {"hosts", c.hosts},
                 {"hosts_lagging", c.lagging},
                 {"hosts_disconnected", c.disconnected}};
    auto& history = out[name]["history"] = nlohmann::json::array();
    if (auto it = dcs_.find(name); it != dcs_.end()) {
      for (const auto& p : it->second.history)
        history.push_back({p.t_ms, p.in_per_s, p.out_per_s, p.unacked_events});
    }
  }
  return out;
}

bool DcTotals::history_due(TimeMs now) const {
  std::lock_guard lock(mu_);
  return now - last_sample_ms_ >= options_.history_interval_ms;
}

void DcTotals::record_history(const std::vector<HostEntry>& hosts, TimeMs now) {
  auto counts = count_hosts(hosts, now);
  std::lock_guard lock(mu_);
  for (const auto& [name, c] : counts) dc_locked(name);  // a DC with hosts but no counts yet
  if (dcs_.empty()) return;  // nothing to draw yet: sample again at the next chance
  last_sample_ms_ = now;
  for (auto& [name, d] : dcs_) {
    DcSample p{now, d.in_events.per_second(now), d.out_events.per_second(now), 0};
    if (auto it = counts.find(name); it != counts.end())
      p.unacked_events = it->second.unacked_events;
    d.history.push_back(p);
    while (d.history.size() > options_.history_samples) d.history.pop_front();
  }
}

void DcTotals::export_gauges(const std::vector<HostEntry>& hosts, metrics::Registry& registry,
                             TimeMs now) const {
  auto dcs = to_json(hosts, now);
  struct G {
    const char* name;
    const char* help;
    const char* field;
  };
  static const G kGauges[] = {
      {"ferry_dc_unacked_events", "Unacked events of the DC's hosts", "unacked_events"},
      {"ferry_dc_broker_backlog_batches", "Batches the DC's brokers store awaiting COMMITTED",
       "broker_backlog_batches"},
      {"ferry_dc_broker_backlog_bytes", "Payload bytes the DC's brokers store awaiting COMMITTED",
       "broker_backlog_bytes"},
      {"ferry_dc_broker_backlog_events", "Events the DC's brokers store awaiting COMMITTED",
       "broker_backlog_events"},
      {"ferry_dc_hosts", "Hosts of the DC", "hosts"},
      {"ferry_dc_hosts_lagging", "Connected hosts whose oldest unacked event is 10 min old or more",
       "hosts_lagging"},
      {"ferry_dc_hosts_disconnected", "Hosts not connected", "hosts_disconnected"},
  };
  for (const auto& g : kGauges) {
    auto& family = registry.gauge_family(g.name, g.help, {"dc"});
    family.clear();
    for (const auto& [dc, j] : dcs.items()) family.with({dc}).set(j[g.field].get<double>());
  }
}

}  // namespace ferry::status
