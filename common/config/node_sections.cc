#include "common/config/node_sections.h"

#include "common/batch/batch_header.h"
#include "common/log/log_level.h"
#include "common/net/endpoint.h"
#include "common/tls/role_claim.h"

namespace ferry::config {

std::string read_name(const ConfigReader& r, std::string_view key) {
  r.require(key);
  std::string name = r.str(key, "");
  if (!batch::valid_name(name)) throw r.error(key, "must be 1-255 chars of [A-Za-z0-9._-]");
  return name;
}

std::string read_identity_name(const ConfigReader& r, std::string_view key) {
  return tls::canonical_name(read_name(r, key));
}

std::string read_address(const ConfigReader& r, std::string_view key, std::string_view def) {
  std::string address = r.str(key, def);
  if (address.empty() && def.empty()) return address;
  if (!net::parse_host_port(address)) throw r.error(key, "'" + address + "' is not host:port");
  return address;
}

tls::TlsOptions read_tls_section(const ConfigReader& root) {
  auto tls = root.section("tls");
  tls.require("cert");
  tls.require("key");
  tls.require("ca");
  return {tls.str("cert", ""), tls.str("key", ""), tls.str("ca", ""), tls.str("crl", "")};
}

LogSettings read_log_section(const ConfigReader& root) {
  auto log = root.section("log");
  LogSettings s;
  s.level = log.str("level", s.level);
  if (!ferry::log::level_index(s.level)) {
    throw log.error(
        "level", "unknown level \"" + s.level + "\" (" + std::string(ferry::log::kLevelHint) + ")");
  }
  s.file = log.str("file", "");
  const std::string format = log.str("format", "text");
  auto parsed = ferry::log::parse_log_format(format);
  if (!parsed) throw log.error("format", "must be \"text\" or \"json\"");
  s.format = *parsed;
  return s;
}

}  // namespace ferry::config
