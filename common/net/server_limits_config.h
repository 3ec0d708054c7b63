#pragma once
// Reads ServerLimits from a config section (e.g. [connections]): max_connections,
// max_connections_per_address, handshake_timeout, hello_timeout, idle_timeout,
// max_write_queue. Absent keys keep `defaults`.

#include "common/config/config_reader.h"
#include "common/net/server_limits.h"

namespace ferry::net {

ServerLimits load_server_limits(const config::ConfigReader& section, ServerLimits defaults);

}  // namespace ferry::net
