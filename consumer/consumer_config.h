#pragma once
// Everything a consumer is told by its TOML file (deploy/consumer.toml; docs/configuration.md).

#include <chrono>
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
#include "consumer/live/subscribe_options.h"
#include "consumer/store/bucket_store.h"
#include "consumer/store/hour_tracker.h"
#include "consumer/store/webhdfs_options.h"

namespace ferry::consumer {

struct ConsumerConfig {
  std::string node_id;  // required; the certificate must name it; also part-<id>-<n>
  std::string listen = "127.0.0.1:7500";  // brokers
  zk::ZkOptions zookeeper;                // [zookeeper]: register at /consumers/<node_id>
  std::string advertise;  // [zookeeper] advertise: what brokers dial (default listen)
  std::string http_listen = "127.0.0.1:7580";  // dashboard, /api, /metrics
  http::ServerOptions http;                    // http_listen and [http]: access, limits
  std::string data_dir;                        // required; manifest RocksDB in data_dir/db
  std::string output_root;                     // required for the posix sink
  std::string sink = "posix";                  // "posix" or "webhdfs"
  store::WebHdfsOptions webhdfs;               // [webhdfs] namenode, root, user, timeout, TLS
  tls::TlsOptions tls;                         // [tls]
  std::string seal_keys_dir;  // [seal] keys_dir; empty: sealed batches are quarantined
  // allowed_brokers: "dc/id" of the brokers that may connect, lowercased; empty = any
  // broker the CA vouches for.
  std::vector<std::string> allowed_brokers;
  config::LogSettings log;  // [log]
  uint32_t max_frame_bytes = wire::kDefaultMaxFrameBody;
  std::chrono::milliseconds commit_interval{
      100};                          // how often due files are committed (cheap when none is)
  uint32_t max_pending_adds = 4096;  // per broker connection, awaiting the store
  store::StoreOptions store;
  storage::FileModes output_modes;  // [output] file_mode, dir_mode (posix sink)
  store::HourTrackerOptions hours;
  net::ServerLimits broker_limits;  // [connections]: caps and timeouts for brokers
  net::SocketTuning broker_tuning = net::wan_tuning();
  live::SubscribeOptions subscribe;  // [subscribe]: live reads over the Kafka protocol
};

// Throws config::ConfigError naming file, key and reason.
ConsumerConfig load_consumer_config(const std::string& path);
// The same from a reader: what the daemon's main uses, so that --check-config and SIGHUP
// see every key the loader asked for (ConfigReader::settings()).
ConsumerConfig read_consumer_config(const config::ConfigReader& r);

}  // namespace ferry::consumer
