#pragma once
// Socket options from config, applied to every connection (DESIGN §9). Agent -> broker
// is LAN: small buffers and NODELAY. Broker -> consumer is WAN: buffers sized to the
// bandwidth-delay product, a configurable congestion control (bbr where the kernel has
// it), TCP_NOTSENT_LOWAT so the send queue does not bloat, keepalives and
// TCP_USER_TIMEOUT so a dead peer is noticed in seconds, not the kernel's 15 minutes.

#include <string>
#include <system_error>
#include <vector>

#include "common/net/asio.h"

namespace ferry::metrics {
class Registry;
}

namespace ferry::net {

struct SocketTuning {
  int send_buffer_bytes = 0;     // 0 = kernel default (autotuning)
  int recv_buffer_bytes = 0;
  bool no_delay = true;
  int notsent_lowat_bytes = 0;   // 0 = unset
  bool keepalive = true;
  int keepalive_idle_s = 30;
  int keepalive_interval_s = 10;
  int keepalive_count = 3;
  int user_timeout_ms = 30'000;  // 0 = unset
  std::string congestion;        // e.g. "bbr", "cubic"; empty = system default
};

// Applies `tuning`. Options the kernel refuses (an unavailable congestion control, say)
// are logged once and skipped: a tuning miss must not stop traffic. Returns the first
// error only for a socket that is not open.
std::error_code apply_tuning(tcp::socket& socket, const SocketTuning& tuning);

// The congestion controls refused so far in this process (each is logged once, loudly).
std::vector<std::string> refused_congestion_controls();
// ferry_socket_congestion_refused{congestion="bbr"} 1, for each refused one.
void export_socket_gauges(metrics::Registry& metrics);

// What every hop starts from, LAN or WAN (an agent may fail over to another DC's
// brokers): bbr, a small unsent queue so control frames are not stuck behind megabytes,
// keepalives and TCP_USER_TIMEOUT. Buffers stay autotuned unless configured.
inline SocketTuning wan_tuning() {
  SocketTuning t;
  t.notsent_lowat_bytes = 256 << 10;
  t.congestion = "bbr";
  return t;
}

// Bandwidth-delay product in bytes, for sizing WAN buffers: bits/s * rtt.
inline int bdp_bytes(double bits_per_second, double rtt_ms) {
  double bytes = bits_per_second / 8.0 * rtt_ms / 1000.0;
  return bytes > (1 << 30) ? (1 << 30) : static_cast<int>(bytes);
}

}  // namespace ferry::net
