#pragma once
// Totals per datacenter for the dashboards' DC headers, /api/summary's "dcs" object and
// the per-DC metrics: events in and out and commits (with rates over a short sliding
// window, computed here so that clients get them directly), the brokers' stored backlog
// (batches, bytes and events awaiting COMMITTED, as each broker last reported it), and,
// from a HostTable snapshot, unacked events and host counts.
//
// A broker counts in = events newly stored from its agents, out = events whose batches
// the consumer COMMITTED. The consumer counts in = events received per DC (repeats of
// committed batches excluded), out = events committed per DC.
//
// Thread-safe (one mutex). Counters in the registry, if given, are bumped as counts come in.

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/clock.h"
#include "common/metrics/registry.h"
#include "common/status/host_table.h"
#include "common/status/rate_window.h"
#include "common/wire/messages.h"

namespace ferry::status {

struct DcTotalsOptions {
  int rate_window_s = 10;
  // A connected host whose oldest unacked event is this old counts as lagging (the
  // page's default lag_min).
  TimeMs lagging_after_ms = 10 * 60'000;
  // A broker whose backlog report is older than this counts as stale (its last report
  // still counts in the backlog: the batches are on its disk).
  TimeMs broker_stale_after_ms = 15'000;
  // The page's trend charts: one sample per interval, the last `history_samples` kept
  // (15 minutes by default).
  TimeMs history_interval_ms = 10'000;
  size_t history_samples = 90;
};

// One point of a DC's trend: events/s in and committed, unacked events.
struct DcSample {
  TimeMs t_ms = 0;
  double in_per_s = 0, out_per_s = 0;
  uint64_t unacked_events = 0;
};

struct BrokerBacklog {
  uint64_t batches = 0;
  uint64_t bytes = 0;
  uint64_t events = 0;
  TimeMs reported_ms = 0;
};

class DcTotals {
 public:
  explicit DcTotals(DcTotalsOptions options = {}, metrics::Registry* registry = nullptr);

  void count_in(const std::string& dc, uint64_t events, TimeMs now);
  void count_out(const std::string& dc, uint64_t batches, uint64_t events, TimeMs now);
  // A broker's STATUS about itself: per category, unacked_batches = stored batches
  // awaiting COMMITTED, backlog_bytes their payload bytes, unacked_events their events.
  void set_broker_backlog(const std::string& dc, const std::string& broker,
                          const wire::Status& self, TimeMs now);

  // Whether a trend sample is due; record_history() takes one per DC (the host snapshot
  // is the caller's, taken only when due).
  bool history_due(TimeMs now) const;
  void record_history(const std::vector<HostEntry>& hosts, TimeMs now);

  // {"dc1": {"events_in_per_s":..., "history": [[t_ms, in/s, out/s, unacked], ...]}, ...}
  // for every DC with hosts or counts.
  nlohmann::json to_json(const std::vector<HostEntry>& hosts, TimeMs now) const;
  // Gauges ferry_dc_unacked_events, ferry_dc_broker_backlog_{batches,bytes,events},
  // ferry_dc_hosts, ferry_dc_hosts_lagging, ferry_dc_hosts_disconnected (label dc).
  void export_gauges(const std::vector<HostEntry>& hosts, metrics::Registry& registry,
                     TimeMs now) const;

 private:
  struct Dc {
    explicit Dc(int window_s) : in_events(window_s), out_events(window_s), out_batches(window_s) {}
    RateWindow in_events, out_events, out_batches;
    std::map<std::string, BrokerBacklog> brokers;
    std::deque<DcSample> history;  // oldest first
  };
  struct HostCounts {
    uint64_t hosts = 0, lagging = 0, disconnected = 0, unacked_events = 0;
  };
  Dc& dc_locked(const std::string& dc);
  std::map<std::string, HostCounts> count_hosts(const std::vector<HostEntry>& hosts,
                                                TimeMs now) const;

  DcTotalsOptions options_;
  metrics::CounterFamily* in_total_ = nullptr;
  metrics::CounterFamily* out_total_ = nullptr;
  metrics::CounterFamily* committed_batches_total_ = nullptr;
  mutable std::mutex mu_;
  std::map<std::string, Dc> dcs_;
  TimeMs last_sample_ms_ = 0;
};

}  // namespace ferry::status
