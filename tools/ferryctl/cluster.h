#pragma once
// `ferryctl cluster`: a whole local topology on loopback for demos, tests and
// benchmarks — several DCs of brokers, the consumer(s), one agent per simulated host and
// optionally a traffic generator — described in DIR/cluster.json so other tools can
// find every process, port, config, log, tailed file, the output root and the admin
// token file (admin_token_file) that the consumers' write endpoints need.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/result.h"

namespace ferry::ferryctl {

struct ClusterOptions {
  std::string dir;
  int dcs = 2;
  int brokers_per_dc = 2;
  int hosts_per_dc = 2;
  int consumers = 1;
  std::vector<std::string> categories{"song_completion", "playback"};
  double rate = 200;                    // generated lines per second, all hosts together
  uint64_t events = 0;                  // per host and category; 0 = no generator
  uint64_t rotate_bytes = 0;            // the generator rotates files past this size
  std::string rotate_style = "rename";  // ... this way (ferryctl gen --rotate-style)
  std::string roll_age = "10s";         // consumers commit a part file at least this often
  std::string bin_dir;                  // where ferry-* live; default: next to ferryctl
  // Run a ZooKeeper server (process "zookeeper") and configure every daemon with it;
  // agents then list no broker and discover them.
  bool zookeeper = false;
  // Agents seal payloads and consumers open them with one key made in DIR/seal-keys.
  bool sealed = false;
  // Consumers serve live reads over the Kafka protocol: each consumer's process entry in
  // cluster.json names its "kafka_port", and "subscriber" names the certificate, key and
  // CA a Kafka client presents (certs/subscriber.crt, .key, certs/ca.crt).
  bool subscribe = true;
};

// The name in the subscriber certificate cluster up makes (ferry://subscriber/subscriber).
inline constexpr const char* kSubscriberName = "subscriber";

// Each returns an operator-facing error text on failure (empty on success).
std::string cluster_up(const ClusterOptions& options);
std::string cluster_down(const std::string& dir);
std::string cluster_kill(const std::string& dir, const std::string& name);
std::string cluster_start(const std::string& dir, const std::string& name);
std::string cluster_status(const std::string& dir, std::string& table);

// DIR/cluster.json, parsed; throws std::runtime_error when absent or unreadable.
nlohmann::json load_cluster(const std::string& dir);

}  // namespace ferry::ferryctl
