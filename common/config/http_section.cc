#include "common/config/http_section.h"

#include "common/http/admin_token.h"
#include "common/net/endpoint.h"

namespace ferry::config {

http::ServerOptions read_http_section(const ConfigReader& root, const std::string& listen) {
  http::ServerOptions o;
  if (auto hp = net::parse_host_port(listen)) {
    o.address = hp->host;
    o.port = hp->port;
  }
  auto s = root.section("http");
  o.allowed_hosts = s.strings("allowed_hosts");
  for (const auto& h : o.allowed_hosts) {
    if (h.empty() || h.find_first_of(" /\t") != std::string::npos) {
      throw s.error("allowed_hosts", "'" + h + "' is not a host name (host or host:port)");
    }
  }
  o.header_timeout = s.duration("header_timeout", o.header_timeout, std::chrono::milliseconds(100),
                                std::chrono::minutes(5));
  o.max_connections =
      static_cast<size_t>(s.integer("max_connections", o.max_connections, 1, 100'000));
  o.max_connections_per_ip = static_cast<size_t>(
      s.integer("max_connections_per_ip", o.max_connections_per_ip, 1, 100'000));
  std::string token_file = s.str("admin_token_file", "");
  if (!token_file.empty()) {
    auto token = http::read_admin_token(token_file);
    if (!token) {
      throw s.error(
          "admin_token_file",
          token.error() == std::errc::invalid_argument
              ? "'" + token_file + "' must hold one token of at least 16 printable characters"
              : "cannot read '" + token_file + "': " + token.error().message());
    }
    o.admin_token = token.value();
  }
  return o;
}

}  // namespace ferry::config
