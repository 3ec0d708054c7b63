#pragma once
// The [subscribe] section of a consumer's config (docs/subscribe.md): live reads of each
// category over the Kafka protocol. Absent (no `listen`): no live log, no listener.
//
//   [subscribe]
//   listen = "127.0.0.1:7590"      # Kafka clients, TLS with a client certificate
//   advertise = "c1.example:7590"  # what Metadata tells clients to dial (default: listen)
//   retention = "24h"              # per category, the oldest batches go past either bound
//   retention_bytes = "1GiB"
//   compression = "zstd"           # record batches as stored and served: "zstd" or "none"
//   allowed_subscribers = ["dash"] # ferry://subscriber/<name> certificates; empty: any
//   max_connections = 256
#include <chrono>
#include <string>
#include <vector>

#include "common/config/config_reader.h"
#include "consumer/live/live_log.h"

namespace ferry::consumer::live {

struct SubscribeOptions {
  std::string listen;  // empty: subscription is off
  std::string advertise;
  LiveLogOptions log;  // path is set by the consumer: <data_dir>/live
  std::vector<std::string> allowed_subscribers;
  uint32_t max_connections = 256;
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(10)};
  bool enabled() const { return !listen.empty(); }
};

// Throws config::ConfigError naming the key.
SubscribeOptions read_subscribe_section(const config::ConfigReader& root);

}  // namespace ferry::consumer::live
