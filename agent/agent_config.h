#pragma once
// Everything an agent is told by its TOML file (deploy/agent.toml; docs/configuration.md).

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "agent/event/time_zone.h"
#include "common/config/config_reader.h"
#include "common/config/node_sections.h"
#include "common/net/socket_tuning_options.h"
#include "common/tls/tls_options.h"
#include "common/wire/frame.h"
#include "common/zk/zk_options.h"

namespace ferry::agent {

struct SourceConfig {
  std::string category;
  std::vector<std::string> paths;  // globs
  // `timezone`: the zone of RFC 3164 timestamps (an IANA name; default the host's zone,
  // as rsyslog), resolved at load.
  std::shared_ptr<const event::TimeZone> time_zone;
};

struct AgentConfig {
  std::string host;                  // required; the certificate must name it
  std::string dc;                    // required
  std::vector<std::string> brokers;  // host:port of the brokers of this DC, in preference order
  zk::ZkOptions zookeeper;  // [zookeeper]: discover brokers; `brokers` is then the fallback
  std::vector<SourceConfig> sources;
  std::string state_dir;      // required; the checkpoint lives here
  tls::TlsOptions tls;        // [tls]
  std::string seal_keys_dir;  // [seal] keys_dir; empty: payloads are not sealed
  config::LogSettings log;    // [log]
  std::string http_listen;    // host:port for /metrics and /healthz; empty: no HTTP

  uint64_t batch_max_bytes = 1u << 20;    // raw bytes per batch
  std::chrono::milliseconds linger{200};  // a partial batch is sent after this
  int zstd_level = 1;                     // see docs/benchmarks.md
  uint64_t max_event_bytes = 64u << 10;   // longer lines are split with a marker
  uint32_t window_batches = 256;          // in flight until DELIVERED
  uint64_t window_bytes = 32u << 20;
  std::chrono::milliseconds status_interval{2000};
  std::chrono::milliseconds poll_interval{500};
  std::chrono::milliseconds rotate_wait{5000};  // a rotated file idle this long is finished
  std::chrono::milliseconds shutdown_timeout{5000};
  uint32_t max_frame_bytes = wire::kDefaultMaxFrameBody;
  net::SocketTuning tuning = net::wan_tuning();  // [socket]
};

// Throws config::ConfigError naming file, key and reason.
AgentConfig load_agent_config(const std::string& path);
// The same from a reader: what the daemon's main uses, so that --check-config and SIGHUP
// see every key the loader asked for (ConfigReader::settings()).
AgentConfig read_agent_config(const config::ConfigReader& r);

}  // namespace ferry::agent
