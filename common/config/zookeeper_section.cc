#include "common/config/zookeeper_section.h"

#include "common/config/node_sections.h"
#include "common/net/endpoint.h"

namespace ferry::config {

namespace {

bool valid_root(const std::string& root) {
  if (root.size() < 2 || root.front() != '/' || root.back() == '/') return false;
  if (root.find("//") != std::string::npos) return false;
  for (char c : root) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '-' && c != '_' &&
        c != '.')
      return false;
  }
  return true;
}

}  // namespace

ZooKeeperSettings read_zookeeper_section(const ConfigReader& root, bool with_advertise) {
  ZooKeeperSettings z;
  auto s = root.section("zookeeper");
  z.options.hosts = s.str("hosts", "");
  for (size_t start = 0; start <= z.options.hosts.size() && !z.options.hosts.empty();) {
    size_t comma = z.options.hosts.find(',', start);
    const std::string one =
        z.options.hosts.substr(start, comma == std::string::npos ? comma : comma - start);
    if (!net::parse_host_port(one)) {
      throw s.error("hosts", "'" + one + "' is not host:port (hosts is a comma-separated list)");
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  z.options.root = s.str("root", z.options.root);
  if (!valid_root(z.options.root)) {
    throw s.error("root", "'" + z.options.root + "' is not a ZooKeeper path such as /ferry");
  }
  z.options.session_timeout = s.duration("session_timeout", z.options.session_timeout,
                                         std::chrono::seconds(1), std::chrono::minutes(10));
  if (with_advertise) z.advertise = read_address(s, "advertise", "");
  return z;
}

}  // namespace ferry::config
