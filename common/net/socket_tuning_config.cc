#include "common/net/socket_tuning_config.h"

namespace ferry::net {

SocketTuning load_tuning(const config::ConfigReader& r, SocketTuning t) {
  t.send_buffer_bytes = static_cast<int>(r.bytes("send_buffer", t.send_buffer_bytes, 0, 1u << 30));
  t.recv_buffer_bytes = static_cast<int>(r.bytes("recv_buffer", t.recv_buffer_bytes, 0, 1u << 30));
  t.no_delay = r.boolean("no_delay", t.no_delay);
  t.notsent_lowat_bytes =
      static_cast<int>(r.bytes("notsent_lowat", t.notsent_lowat_bytes, 0, 1u << 30));
  t.keepalive = r.boolean("keepalive", t.keepalive);
  t.keepalive_idle_s =
      static_cast<int>(r.duration("keepalive_idle", std::chrono::seconds(t.keepalive_idle_s),
                                  std::chrono::seconds(1))
                           .count() /
                       1000);
  t.keepalive_interval_s = static_cast<int>(r.duration("keepalive_interval",
                                                       std::chrono::seconds(t.keepalive_interval_s),
                                                       std::chrono::seconds(1))
                                                .count() /
                                            1000);
  t.keepalive_count = static_cast<int>(r.integer("keepalive_count", t.keepalive_count, 1, 100));
  t.user_timeout_ms = static_cast<int>(
      r.duration("user_timeout", std::chrono::milliseconds(t.user_timeout_ms)).count());
  t.congestion = r.str("congestion", t.congestion);
  return t;
}

}  // namespace ferry::net
