#pragma once
// "host:port" parsing for config values. IPv4/IPv6 literals and names; "[::1]:9000".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::net {

struct HostPort {
  std::string host;
  uint16_t port = 0;
  std::string str() const {
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
           std::to_string(port);
  }
};

std::optional<HostPort> parse_host_port(std::string_view s);

}  // namespace ferry::net
