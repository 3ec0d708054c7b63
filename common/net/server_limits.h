#pragma once
// What one listener lets its peers hold (DESIGN §2.4, bounded resources): how many
// connections in all and per source address, how long a TLS handshake, the first
// frame (HELLO) and each later frame may take, and how many unread reply bytes a peer
// may leave queued. Every server-side FrameConnection gets them from its TlsServer.

#include <chrono>
#include <cstddef>

namespace ferry::net {

// Clients send a HEARTBEAT at least this often on a quiet link (common/net/heartbeat.h);
// servers close a connection silent for idle_timeout, three intervals by default.
inline constexpr std::chrono::milliseconds kHeartbeatInterval{10'000};

struct ServerLimits {
  // A DC's broker serves thousands of hosts with one connection each; 20,000 leaves
  // headroom and is clamped to what RLIMIT_NOFILE allows (see TlsServer::listen).
  size_t max_connections = 20'000;
  // Hosts behind one NAT share an address, so one address may hold many; but no single
  // address may take more than a tenth of the listener.
  size_t max_connections_per_address = 2'000;
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds hello_timeout{10'000};
  std::chrono::milliseconds idle_timeout{3 * kHeartbeatInterval};
  // Frames queued for a peer that does not read them (replies, acks) before the peer
  // is failed with kOverloaded. Counted with a per-frame overhead (FrameConnection).
  size_t max_write_queue_bytes = size_t{64} << 20;
};

}  // namespace ferry::net
