#include "broker/broker_config.h"

#include "common/config/config_reader.h"
#include "common/config/file_modes_section.h"
#include "common/config/http_section.h"
#include "common/config/node_sections.h"
#include "common/config/zookeeper_section.h"
#include "common/net/endpoint.h"
#include "common/net/server_limits_config.h"
#include "common/net/socket_tuning_config.h"

namespace ferry::broker {
namespace {

void check_address(const config::ConfigReader& r, const std::string& key,
                   const std::string& value) {
  if (!net::parse_host_port(value)) throw r.error(key, "'" + value + "' is not host:port");
}

}  // namespace

BrokerConfig load_broker_config(const std::string& path) {
  return read_broker_config(config::ConfigReader(path));
}

BrokerConfig read_broker_config(const config::ConfigReader& r) {
  BrokerConfig c;
  c.node_id = config::read_identity_name(r, "node_id");
  c.dc = config::read_identity_name(r, "dc");
  r.require("data_dir");
  c.listen = config::read_address(r, "listen", c.listen);
  c.http_listen = config::read_address(r, "http_listen", c.http_listen);
  c.http = config::read_http_section(r, c.http_listen);
  c.data_dir = r.str("data_dir", "");
  auto zk = config::read_zookeeper_section(r, /*with_advertise=*/true);
  c.zookeeper = zk.options;
  c.advertise = zk.advertise.empty() ? c.listen : zk.advertise;
  // With [zookeeper] the consumers are found in /consumers; a list here is used until
  // ZooKeeper first lists one.
  if (!c.zookeeper.enabled()) r.require("consumers");
  c.consumers = r.strings("consumers");
  if (c.consumers.empty() && !c.zookeeper.enabled()) {
    throw r.error("consumers",
                  "at least one consumer address is needed (or a [zookeeper] section)");
  }
  for (size_t i = 0; i < c.consumers.size(); ++i) check_address(r, "consumers", c.consumers[i]);

  c.tls = config::read_tls_section(r);

  c.log = config::read_log_section(r);

  auto store = r.section("store");
  c.disk_budget_bytes = store.bytes("disk_budget", 0);
  c.min_free_bytes = store.bytes("min_free", c.min_free_bytes);
  c.retention = store.duration("retention", c.retention, std::chrono::minutes(1));
  c.retention_bytes = store.bytes("retention_bytes", c.retention_bytes);
  c.store_modes = config::read_file_modes(store, c.store_modes);

  c.max_frame_bytes = static_cast<uint32_t>(
      r.bytes("max_frame_bytes", c.max_frame_bytes, 1u << 20, wire::kAbsoluteMaxFrameBody));
  auto fwd = r.section("forward");
  c.forward_window_batches =
      static_cast<uint32_t>(fwd.integer("window_batches", c.forward_window_batches, 1, 1'000'000));
  c.forward_window_bytes = fwd.bytes("window_bytes", c.forward_window_bytes, 1u << 20);
  auto replay = r.section("replay");
  c.replay_rate_bytes = replay.bytes("rate", c.replay_rate_bytes, 64u << 10);
  c.replay_window_bytes = replay.bytes("window_bytes", c.replay_window_bytes, 64u << 10);
  c.agent_max_pending_submits = static_cast<uint32_t>(
      r.integer("agent_max_pending_submits", c.agent_max_pending_submits, 1, 100'000));
  c.max_categories_per_host = static_cast<uint32_t>(
      r.integer("max_categories_per_host", c.max_categories_per_host, 1, 1'000'000));

  c.agent_limits = net::load_server_limits(r.section("connections"), c.agent_limits);
  c.agent_tuning = net::load_tuning(r.section("agent_socket"), c.agent_tuning);
  // WAN defaults: 100 Mbit/s at 100 ms RTT fills 1.25 MB; bbr where the kernel has it.
  net::SocketTuning wan = net::wan_tuning();
  wan.send_buffer_bytes = 4 << 20;
  wan.recv_buffer_bytes = 4 << 20;
  c.consumer_tuning = net::load_tuning(r.section("consumer_socket"), wan);
  r.finish();
  return c;
}

}  // namespace ferry::broker
