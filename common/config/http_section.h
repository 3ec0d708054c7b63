#pragma once
// The [http] section of a broker's or consumer's config: who may reach its dashboard
// and APIs, and the limits that keep a slow or greedy client from starving others.
//
//   [http]
//   admin_token_file = "/etc/ferry/admin.token"  # POST /api/... needs this bearer token
//   allowed_hosts = ["ferry.example.net"]         # extra names clients may use in Host
//   header_timeout = "5s"
//   max_connections = 256
//   max_connections_per_ip = 32

#include <string>

#include "common/config/config_reader.h"
#include "common/http/server_options.h"

namespace ferry::config {

// Server options for `listen` (a host:port already checked by read_address) and the
// root's [http] section. The token file is read here, so a missing, unreadable or
// too short token refuses the config at start.
http::ServerOptions read_http_section(const ConfigReader& root, const std::string& listen);

}  // namespace ferry::config
