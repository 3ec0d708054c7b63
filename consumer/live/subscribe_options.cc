#include "consumer/live/subscribe_options.h"

#include "common/batch/batch_header.h"
#include "common/config/node_sections.h"
#include "common/net/endpoint.h"
#include "common/tls/role_claim.h"

namespace ferry::consumer::live {

SubscribeOptions read_subscribe_section(const config::ConfigReader& root) {
  SubscribeOptions o;
  auto s = root.section("subscribe");
  o.listen = config::read_address(s, "listen", "");
  o.advertise = config::read_address(s, "advertise", "");
  if (o.advertise.empty()) o.advertise = o.listen;
  // Metadata tells clients where to connect next, so the port must be known up front.
  const auto require_port = [&s](std::string_view key, const std::string& address) {
    auto hp = net::parse_host_port(address);
    if (!address.empty() && (!hp || hp->port == 0)) {
      throw s.error(key, "'" + address + "' needs a port other than 0: Kafka clients are told it");
    }
  };
  require_port("listen", o.listen);
  require_port("advertise", o.advertise);
  o.log.retention_ms = s.duration("retention", std::chrono::milliseconds(o.log.retention_ms),
                                  std::chrono::seconds(1))
                           .count();
  o.log.retention_bytes = s.bytes("retention_bytes", o.log.retention_bytes, 1u << 20);
  const std::string compression = s.str("compression", "zstd");
  if (compression == "zstd") {
    o.log.compression = kafka::Compression::kZstd;
  } else if (compression == "none") {
    o.log.compression = kafka::Compression::kNone;
  } else {
    throw s.error("compression", "must be \"zstd\" or \"none\"");
  }
  for (const auto& name : s.strings("allowed_subscribers")) {
    if (!batch::valid_name(name)) {
      throw s.error("allowed_subscribers", "'" + name + "' is not a subscriber name");
    }
    o.allowed_subscribers.push_back(tls::canonical_name(name));
  }
  o.max_connections =
      static_cast<uint32_t>(s.integer("max_connections", o.max_connections, 1, 100'000));
  o.idle_timeout = s.duration("idle_timeout", o.idle_timeout, std::chrono::seconds(1));
  return o;
}

}  // namespace ferry::consumer::live
