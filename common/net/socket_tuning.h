#pragma once
// Applies SocketTuning (common/net/socket_tuning_options.h) to a connection's socket,
// and reports the congestion controls the kernel refused (DESIGN §9).

#include <string>
#include <system_error>
#include <vector>

#include "common/net/asio.h"
#include "common/net/socket_tuning_options.h"

namespace ferry::metrics {
class Registry;
}

namespace ferry::net {

// Applies `tuning`. Options the kernel refuses (an unavailable congestion control, say)
// are logged once and skipped: a tuning miss must not stop traffic. Returns the first
// error only for a socket that is not open.
std::error_code apply_tuning(tcp::socket& socket, const SocketTuning& tuning);

// The congestion controls refused so far in this process (each is logged once, loudly).
std::vector<std::string> refused_congestion_controls();
// ferry_socket_congestion_refused{congestion="bbr"} 1, for each refused one.
void export_socket_gauges(metrics::Registry& metrics);

}  // namespace ferry::net
