#pragma once
// ServerOptions: how an HttpServer listens, what it accepts and whom it lets write.
// Plain data, filled from a daemon's http_listen and [http] section (config::
// read_http_section) or by tests.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ferry::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  uint32_t max_header_bytes = 16 * 1024;
  uint64_t max_body_bytes = 1024 * 1024;
  // A request's headers must arrive within this of the connection opening or the last
  // response (slowloris; also the keep-alive idle limit). The body then has read_timeout.
  std::chrono::milliseconds header_timeout{5'000};
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  // Over either cap a new connection is closed at once.
  size_t max_connections = 256;
  size_t max_connections_per_ip = 32;
  // Names a request may give in Host besides the listen address, 127.0.0.1, localhost
  // and [::1] (with or without the port). An entry with a port matches only that port
  // (a reverse proxy's). Anything else is 421: a DNS-rebinding page names its own host.
  std::vector<std::string> allowed_hosts;
  // The bearer token write routes (POST) require. Empty: they answer 403.
  std::string admin_token;
};

}  // namespace ferry::http
