#pragma once
// The latest STATUS of every host, with where it was seen and when: what the dashboards
// and /api/hosts show. Brokers fill it from their agents; the consumer from the STATUS
// frames brokers forward, for every DC. Thread-safe (one mutex; updates are rare).

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/clock.h"
#include "common/metrics/registry.h"
#include "common/wire/messages.h"

namespace ferry::status {

struct HostEntry {
  std::string host;
  std::string dc;
  std::string via;         // broker (or agent connection) it was last seen through
  bool connected = false;  // an agent connection is open (brokers), or seen recently
  TimeMs last_seen_ms = 0;
  wire::Status status;

  uint64_t unacked_events() const;
  uint64_t unacked_batches() const;
  uint64_t backlog_bytes() const;
  uint64_t unreadable_bytes() const;
  TimeMs oldest_unacked_ms() const;  // 0 when nothing is unacked
};

class HostTable {
 public:
  // A host whose last STATUS is older than this counts as disconnected when no
  // connection state is known (the consumer's view).
  explicit HostTable(TimeMs stale_after_ms = 15'000) : stale_after_ms_(stale_after_ms) {}

  void update(const wire::Status& status, const std::string& dc, const std::string& via,
              TimeMs now);
  void set_connected(const std::string& host, const std::string& dc, const std::string& via,
                     bool connected, TimeMs now);
  void forget(const std::string& host);

  std::vector<HostEntry> snapshot(TimeMs now) const;
  // /api/hosts: {"now_ms":..., "hosts":[{...}]} sorted by host name.
  nlohmann::json to_json(TimeMs now) const;
  // The same as text, written directly (host_table_json.cc): a broker's table holds
  // thousands of hosts, and building the document first took most of the request.
  std::string json_text(TimeMs now) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, HostEntry> hosts_;
  std::map<std::string, bool> has_connection_state_;
  TimeMs stale_after_ms_;
};

// Per-host gauges for /metrics (ferry_host_unacked_events, ferry_host_oldest_unacked_age_seconds,
// ferry_host_backlog_bytes, ferry_host_connected), labelled host and dc; hosts that left
// the table leave the metrics too.
void export_host_gauges(const HostTable& table, metrics::Registry& registry, TimeMs now);

}  // namespace ferry::status
