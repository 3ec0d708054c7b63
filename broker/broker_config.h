#pragma once
// Everything a broker is told by its TOML file (deploy/broker.toml; docs/configuration.md documents
// each key). Defaults are what a small deployment wants.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/config/config_reader.h"
#include "common/config/node_sections.h"
#include "common/http/server_options.h"
#include "common/net/server_limits.h"
#include "common/net/socket_tuning_options.h"
#include "common/storage/file_modes.h"
#include "common/tls/tls_options.h"
#include "common/wire/frame.h"
#include "common/zk/zk_options.h"

namespace ferry::broker {

struct BrokerConfig {
  std::string node_id;                         // required; the certificate must name it
  std::string dc;                              // required
  std::string listen = "127.0.0.1:7400";       // agents
  std::string http_listen = "127.0.0.1:7480";  // dashboard, /api, /metrics
  http::ServerOptions http;                    // http_listen and [http]: access, limits
  std::string data_dir;                        // required; RocksDB lives in data_dir/db
  storage::FileModes store_modes;      // [store] file_mode, dir_mode: data_dir, db, quarantine
  tls::TlsOptions tls;                 // [tls]
  std::vector<std::string> consumers;  // host:port of each consumer
  zk::ZkOptions zookeeper;             // [zookeeper]: register at /brokers/<dc>/<node_id>
  std::string advertise;               // [zookeeper] advertise: what agents dial (default listen)
  config::LogSettings log;             // [log]

  uint32_t max_frame_bytes = wire::kDefaultMaxFrameBody;
  uint64_t disk_budget_bytes = 0;        // 0 = no budget (ENOSPC still stops ingest)
  uint64_t min_free_bytes = 256u << 20;  // ingest stops while the filesystem has less free
  std::chrono::milliseconds retention{24LL * 3600 * 1000};
  uint64_t retention_bytes = 0;  // 0 = kept for `retention` whatever their size
  // [replay]: re-sending from retention is paced to this many bytes a second (a request
  // may ask for less or more), with at most window_bytes unacknowledged per replay.
  uint64_t replay_rate_bytes = 8u << 20;
  uint64_t replay_window_bytes = 4u << 20;
  uint32_t agent_max_pending_submits = 512;  // per connection, awaiting the group commit
  // Distinct categories one agent connection may name (batches and watermarks): each is a
  // stream every hop keeps state for, and a directory in the output.
  uint32_t max_categories_per_host = 1024;
  uint32_t forward_window_batches = 4096;  // in flight to each consumer
  uint64_t forward_window_bytes = 128u << 20;
  net::ServerLimits agent_limits;  // [connections]: caps and timeouts for agents
  net::SocketTuning agent_tuning = net::wan_tuning();  // [agent_socket]
  net::SocketTuning consumer_tuning;                   // WAN: see load_broker_config
};

}  // namespace ferry::broker

namespace ferry::broker {

// Loads and validates a broker config; throws config::ConfigError naming file, key and
// reason.
BrokerConfig load_broker_config(const std::string& path);
// The same from a reader: what the daemon's main uses, so that --check-config and SIGHUP
// see every key the loader asked for (ConfigReader::settings()).
BrokerConfig read_broker_config(const config::ConfigReader& r);

}  // namespace ferry::broker
