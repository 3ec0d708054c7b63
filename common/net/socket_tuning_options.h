#pragma once
// The socket options every connection gets (DESIGN §9), as configs hold them; applied by
// common/net/socket_tuning.h. Plain data, so config code does not pull in Asio and SSL.
// Every hop is WAN-ready by default (an agent may fail over to another DC's brokers): a
// configurable congestion control (bbr where the kernel has it), TCP_NOTSENT_LOWAT so the
// send queue does not bloat, keepalives and TCP_USER_TIMEOUT so a dead peer is noticed in
// seconds, not the kernel's 15 minutes.

#include <string>

namespace ferry::net {

struct SocketTuning {
  int send_buffer_bytes = 0;  // 0 = kernel default (autotuning)
  int recv_buffer_bytes = 0;
  bool no_delay = true;
  int notsent_lowat_bytes = 0;  // 0 = unset
  bool keepalive = true;
  int keepalive_idle_s = 30;
  int keepalive_interval_s = 10;
  int keepalive_count = 3;
  int user_timeout_ms = 30'000;  // 0 = unset
  std::string congestion;        // e.g. "bbr", "cubic"; empty = system default
};

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
