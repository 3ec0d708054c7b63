#include "common/net/server_limits_config.h"

namespace ferry::net {

ServerLimits load_server_limits(const config::ConfigReader& r, ServerLimits l) {
  using std::chrono::milliseconds;
  l.max_connections = static_cast<size_t>(
      r.integer("max_connections", static_cast<int64_t>(l.max_connections), 1, 10'000'000));
  l.max_connections_per_address = static_cast<size_t>(
      r.integer("max_connections_per_address", static_cast<int64_t>(l.max_connections_per_address),
                1, 10'000'000));
  l.handshake_timeout = r.duration("handshake_timeout", l.handshake_timeout, milliseconds(100));
  l.hello_timeout = r.duration("hello_timeout", l.hello_timeout, milliseconds(100));
  // Short values are for tests: below two heartbeat intervals a quiet, healthy client
  // is cut off.
  l.idle_timeout = r.duration("idle_timeout", l.idle_timeout, milliseconds(500));
  l.max_write_queue_bytes = r.bytes("max_write_queue", l.max_write_queue_bytes, 1u << 20);
  return l;
}

}  // namespace ferry::net
