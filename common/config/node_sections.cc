#include "common/config/node_sections.h"

namespace ferry::config {

TlsFiles read_tls_section(const ConfigReader& root) {
  auto tls = root.section("tls");
  tls.require("cert");
  tls.require("key");
  tls.require("ca");
  return {tls.str("cert", ""), tls.str("key", ""), tls.str("ca", "")};
}

LogSettings read_log_section(const ConfigReader& root) {
  auto log = root.section("log");
  LogSettings s;
  s.level = log.str("level", s.level);
  s.file = log.str("file", "");
  return s;
}

}  // namespace ferry::config
