#include "agent/agent_config.h"

#include <set>

#include "common/config/config_reader.h"
#include "common/config/node_sections.h"
#include "common/config/seal_section.h"
#include "common/config/zookeeper_section.h"
#include "common/net/endpoint.h"
#include "common/net/socket_tuning_config.h"

namespace ferry::agent {

AgentConfig load_agent_config(const std::string& path) {
  return read_agent_config(config::ConfigReader(path));
}

AgentConfig read_agent_config(const config::ConfigReader& r) {
  AgentConfig c;
  c.host = config::read_identity_name(r, "host");
  c.dc = config::read_identity_name(r, "dc");
  r.require("state_dir");
  c.state_dir = r.str("state_dir", "");
  c.brokers = r.strings("brokers");
  c.zookeeper = config::read_zookeeper_section(r, /*with_advertise=*/false).options;
  if (c.brokers.empty() && !c.zookeeper.enabled()) {
    throw r.error("brokers",
                  "at least one broker address is needed (or [zookeeper] hosts to discover them)");
  }
  for (const auto& b : c.brokers) {
    if (!net::parse_host_port(b)) throw r.error("brokers", "'" + b + "' is not host:port");
  }
  std::set<std::string> categories;
  for (auto& s : r.tables("source")) {
    SourceConfig src;
    src.category = config::read_name(s, "category");
    s.require("paths");
    if (!categories.insert(src.category).second)
      throw s.error("category", "'" + src.category + "' appears twice");
    src.paths = s.strings("paths");
    if (src.paths.empty()) throw s.error("paths", "needs at least one path or glob");
    const std::string zone = s.str("timezone", "");
    if (zone.empty()) {
      src.time_zone = std::make_shared<const event::TimeZone>(event::TimeZone::local());
    } else if (auto z = event::TimeZone::load(zone)) {
      src.time_zone = std::make_shared<const event::TimeZone>(std::move(*z));
    } else {
      throw s.error("timezone", "unknown time zone '" + zone +
                                    "' (an IANA name such as America/New_York or UTC, "
                                    "from " +
                                    event::kZoneInfoDir + ")");
    }
    c.sources.push_back(std::move(src));
  }
  if (c.sources.empty()) throw r.error("source", "at least one [[source]] is needed");

  c.http_listen = config::read_address(r, "http_listen", "");

  c.tls = config::read_tls_section(r);
  c.seal_keys_dir = config::read_seal_section(r);
  c.log = config::read_log_section(r);

  auto b = r.section("batch");
  c.batch_max_bytes = b.bytes("max_bytes", c.batch_max_bytes, 4u << 10, 32u << 20);
  c.linger = b.duration("linger", c.linger, std::chrono::milliseconds(1), std::chrono::minutes(10));
  c.zstd_level = static_cast<int>(b.integer("zstd_level", c.zstd_level, 1, 19));
  c.max_event_bytes = b.bytes("max_event_bytes", c.max_event_bytes, 64, c.batch_max_bytes);
  auto w = r.section("window");
  c.window_batches = static_cast<uint32_t>(w.integer("batches", c.window_batches, 1, 100'000));
  c.window_bytes = w.bytes("bytes", c.window_bytes, 1u << 20, 4ull << 30);
  c.status_interval =
      r.duration("status_interval", c.status_interval, std::chrono::milliseconds(100));
  c.poll_interval = r.duration("poll_interval", c.poll_interval, std::chrono::milliseconds(10));
  c.rotate_wait = r.duration("rotate_wait", c.rotate_wait, std::chrono::milliseconds(10));
  c.shutdown_timeout = r.duration("shutdown_timeout", c.shutdown_timeout);
  c.tuning = net::load_tuning(r.section("socket"), c.tuning);
  r.finish();
  return c;
}

}  // namespace ferry::agent
