#include "common/net/socket_tuning.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>
#include <mutex>
#include <set>

#include <spdlog/spdlog.h>

#include "common/metrics/registry.h"

namespace ferry::net {
namespace {

void warn_once(const std::string& what, int err) {
  static std::mutex mu;
  static std::set<std::string> warned;
  std::lock_guard lock(mu);
  if (warned.insert(what).second) {
    spdlog::warn("socket tuning: {} refused by the kernel: {}", what, std::strerror(err));
  }
}

std::mutex refused_mu;
std::set<std::string> refused;  // congestion controls the kernel would not give us

void set_int(int fd, int level, int name, int value, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof(value)) != 0) warn_once(what, errno);
}

}  // namespace

std::error_code apply_tuning(tcp::socket& socket, const SocketTuning& t) {
  if (!socket.is_open()) return std::make_error_code(std::errc::bad_file_descriptor);
  int fd = socket.native_handle();
  if (t.send_buffer_bytes > 0) set_int(fd, SOL_SOCKET, SO_SNDBUF, t.send_buffer_bytes, "SO_SNDBUF");
  if (t.recv_buffer_bytes > 0) set_int(fd, SOL_SOCKET, SO_RCVBUF, t.recv_buffer_bytes, "SO_RCVBUF");
  set_int(fd, IPPROTO_TCP, TCP_NODELAY, t.no_delay ? 1 : 0, "TCP_NODELAY");
  if (t.notsent_lowat_bytes > 0) {
    set_int(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, t.notsent_lowat_bytes, "TCP_NOTSENT_LOWAT");
  }
  set_int(fd, SOL_SOCKET, SO_KEEPALIVE, t.keepalive ? 1 : 0, "SO_KEEPALIVE");
  if (t.keepalive) {
    set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, t.keepalive_idle_s, "TCP_KEEPIDLE");
    set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, t.keepalive_interval_s, "TCP_KEEPINTVL");
    set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, t.keepalive_count, "TCP_KEEPCNT");
  }
  if (t.user_timeout_ms > 0) {
    set_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, t.user_timeout_ms, "TCP_USER_TIMEOUT");
  }
  if (!t.congestion.empty()) {
    if (::setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, t.congestion.data(),
                     static_cast<socklen_t>(t.congestion.size())) != 0) {
      const int err = errno;
      std::lock_guard lock(refused_mu);
      if (refused.insert(t.congestion).second) {
        // Loud, once: on a lossy WAN the system default (cubic) moves a fraction of the link.
        spdlog::error(
            "socket tuning: congestion control '{}' refused by the kernel ({}); connections use "
            "the "
            "system default. Fix: `modprobe tcp_{}` and add it to "
            "net.ipv4.tcp_allowed_congestion_control (sysctl). Shown as "
            "ferry_socket_congestion_refused in /metrics",
            t.congestion, std::strerror(err), t.congestion);
      }
    }
  }
  return {};
}

std::vector<std::string> refused_congestion_controls() {
  std::lock_guard lock(refused_mu);
  return {refused.begin(), refused.end()};
}

void export_socket_gauges(metrics::Registry& metrics) {
  auto& family = metrics.gauge_family(
      "ferry_socket_congestion_refused",
      "1 for a configured TCP congestion control the kernel refused", {"congestion"});
  for (const auto& name : refused_congestion_controls()) family.set({name}, 1);
}

}  // namespace ferry::net
