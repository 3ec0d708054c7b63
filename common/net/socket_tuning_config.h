#pragma once
// Reads socket tuning from a config section (e.g. [consumer_socket]): send_buffer,
// recv_buffer, no_delay, notsent_lowat, keepalive, keepalive_idle, keepalive_interval,
// keepalive_count, user_timeout, congestion. Absent keys keep `defaults`.

#include "common/config/config_reader.h"
#include "common/net/socket_tuning_options.h"

namespace ferry::net {

SocketTuning load_tuning(const config::ConfigReader& section, SocketTuning defaults);

}  // namespace ferry::net
