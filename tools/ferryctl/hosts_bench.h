#pragma once
// `ferryctl bench hosts`: what one broker pays for many connected hosts. A one-DC
// cluster (one broker, one consumer, one real agent) is started in DIR/cluster, or a
// running one is used; then N agent connections, each a host with its own certificate
// (agent_swarm.h), connect, send one batch each, wait for STORED and stay idle. The
// broker's VmRSS and VmHWM are sampled before, with the N idle connections, and
// `settle` after they closed; /api/hosts of the broker and the consumer is timed with
// the N hosts known.

#include <cstdint>
#include <string>

#include "tools/ferryctl/process_stats.h"

namespace ferry::ferryctl {

struct HostsBenchOptions {
  size_t agents = 1000;
  std::string dir;       // the cluster goes in DIR/cluster
  std::string cluster;   // use the running cluster in this directory instead
  std::string bin_dir;   // ferry-* binaries; default: next to ferryctl
  size_t parallel = 64;  // connections being set up at once
  int hold_s = 5;        // idle with every connection open before sampling
  int settle_s = 5;      // after closing them, before sampling
  int timeout_s = 300;   // for the batches to be STORED
  bool keep = false;     // leave the started cluster running
};

struct ApiTiming {
  size_t hosts = 0;       // hosts in the reply
  size_t bytes = 0;       // reply body
  double median_ms = -1;  // of 3 requests; -1 when it failed
};

struct HostsBenchResult {
  size_t agents = 0, connected = 0, stored = 0, failed = 0;
  std::string first_error;
  double identities_seconds = 0;   // issuing the N certificates (not part of the rates)
  double connect_seconds = 0;      // TCP + TLS handshake + HELLO of all N
  double store_seconds = 0;        // one BATCH each, until every one is STORED
  ProcMemory before, idle, after;  // the broker's
  int settle_seconds = 0;          // between closing and `after`
  uint64_t broker_open_file_limit = 0;
  ApiTiming broker_api, consumer_api;

  double handshakes_per_second() const {
    return connect_seconds > 0 ? double(connected) / connect_seconds : 0;
  }
  double batches_per_second() const {
    return store_seconds > 0 ? double(stored) / store_seconds : 0;
  }
  // (idle RSS - RSS before) / connected.
  double bytes_per_connection() const;
  bool ok() const { return connected == agents && stored == agents && failed == 0; }
};

// Throws std::runtime_error when the run cannot start (no cluster, descriptors short).
HostsBenchResult run_hosts_bench(const HostsBenchOptions& options);

}  // namespace ferry::ferryctl
