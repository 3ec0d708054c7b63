#include "consumer/consumer_config.h"

#include <fmt/format.h>

#include "common/batch/batch_header.h"
#include "common/config/config_reader.h"
#include "common/config/file_modes_section.h"
#include "common/config/http_section.h"
#include "common/config/node_sections.h"
#include "common/config/seal_section.h"
#include "common/config/zookeeper_section.h"
#include "common/net/endpoint.h"
#include "common/net/server_limits_config.h"
#include "common/net/socket_tuning_config.h"
#include "common/tls/role_claim.h"

namespace ferry::consumer {
namespace {

// "dc/id", each part a node name; lowercased like every identity (role_claim.h).
std::vector<std::string> read_allowed_brokers(const config::ConfigReader& r) {
  std::vector<std::string> out;
  for (const auto& entry : r.strings("allowed_brokers")) {
    const size_t slash = entry.find('/');
    if (slash == std::string::npos || !batch::valid_name(entry.substr(0, slash)) ||
        !batch::valid_name(entry.substr(slash + 1))) {
      throw r.error("allowed_brokers", "'" + entry + "' is not DC/BROKER_ID");
    }
    out.push_back(tls::canonical_name(entry));
  }
  return out;
}

}  // namespace

ConsumerConfig load_consumer_config(const std::string& path) {
  return read_consumer_config(config::ConfigReader(path));
}

ConsumerConfig read_consumer_config(const config::ConfigReader& r) {
  ConsumerConfig c;
  c.node_id = config::read_identity_name(r, "node_id");
  r.require("data_dir");
  c.listen = config::read_address(r, "listen", c.listen);
  auto zk = config::read_zookeeper_section(r, /*with_advertise=*/true);
  c.zookeeper = zk.options;
  c.advertise = zk.advertise.empty() ? c.listen : zk.advertise;
  c.http_listen = config::read_address(r, "http_listen", c.http_listen);
  c.http = config::read_http_section(r, c.http_listen);
  c.data_dir = r.str("data_dir", "");
  c.output_root = r.str("output_root", "");
  auto out_section = r.section("output");
  c.sink = out_section.str("sink", c.sink);
  // [webhdfs] is read whatever the sink, so that every key is known (and listed by
  // --check-config); it is checked only when it is used.
  auto w = r.section("webhdfs");
  c.webhdfs.namenode = w.str("namenode", "");
  c.webhdfs.root = w.str("root", c.webhdfs.root);
  c.webhdfs.user = w.str("user", c.webhdfs.user);
  c.webhdfs.timeout = w.duration("timeout", c.webhdfs.timeout, std::chrono::milliseconds(100));
  c.webhdfs.datanodes = w.strings("datanodes");
  c.webhdfs.tls.ca_file = w.str("ca_file", "");
  c.webhdfs.tls.cert_file = w.str("cert_file", "");
  c.webhdfs.tls.key_file = w.str("key_file", "");
  if (c.sink == "posix") {
    r.require("output_root");
  } else if (c.sink == "webhdfs") {
    w.require("namenode");
    for (const std::string scheme : {"http://", "https://"}) {
      if (c.webhdfs.namenode.rfind(scheme, 0) != 0) continue;
      c.webhdfs.https = scheme == "https://";
      c.webhdfs.namenode.erase(0, scheme.size());
      if (!c.webhdfs.namenode.empty() && c.webhdfs.namenode.back() == '/')
        c.webhdfs.namenode.pop_back();
    }
    if (!net::parse_host_port(c.webhdfs.namenode)) {
      throw w.error("namenode", "'" + c.webhdfs.namenode +
                                    "' is not host:port (or http:// or https:// host:port)");
    }
    if (c.webhdfs.https && c.webhdfs.tls.ca_file.empty()) {
      throw w.error("ca_file", "an https namenode needs the CA file its certificates chain to");
    }
    if (!c.webhdfs.https &&
        !(c.webhdfs.tls.ca_file + c.webhdfs.tls.cert_file + c.webhdfs.tls.key_file).empty()) {
      throw w.error("ca_file",
                    "TLS files are for an https namenode (namenode = \"https://host:port\")");
    }
    if (c.webhdfs.tls.cert_file.empty() != c.webhdfs.tls.key_file.empty()) {
      throw w.error(c.webhdfs.tls.cert_file.empty() ? "cert_file" : "key_file",
                    "cert_file and key_file go together");
    }
    if (c.webhdfs.root.empty() || c.webhdfs.root[0] != '/')
      throw w.error("root", "must be an absolute HDFS path");
  } else {
    throw out_section.error("sink", "must be \"posix\" or \"webhdfs\"");
  }

  c.tls = config::read_tls_section(r);
  c.seal_keys_dir = config::read_seal_section(r);
  c.allowed_brokers = read_allowed_brokers(r);

  c.log = config::read_log_section(r);
  c.subscribe = live::read_subscribe_section(r);
  c.subscribe.log.path = c.data_dir + "/live";

  c.max_frame_bytes = static_cast<uint32_t>(
      r.bytes("max_frame_bytes", c.max_frame_bytes, 1u << 20, wire::kAbsoluteMaxFrameBody));
  c.max_pending_adds =
      static_cast<uint32_t>(r.integer("max_pending_adds", c.max_pending_adds, 1, 1'000'000));

  auto out = r.section("output");
  c.store.consumer_id = c.node_id;
  std::string format = out.str("format", "zstd");
  if (format != "zstd" && format != "plain")
    throw out.error("format", "must be \"zstd\" or \"plain\"");
  c.store.plain = format == "plain";
  c.store.roll_bytes = out.bytes("roll_bytes", c.store.roll_bytes, 1u << 10, 4ull << 30);
  c.store.roll_age_ms = out.duration("roll_age", std::chrono::milliseconds(c.store.roll_age_ms),
                                     std::chrono::milliseconds(100))
                            .count();
  c.store.roll_host_batches = static_cast<uint64_t>(
      out.integer("roll_host_batches", c.store.roll_host_batches, 0, 1'000'000));
  c.store.roll_host_bytes = out.bytes("roll_host_bytes", c.store.roll_host_bytes, 0, 4ull << 30);
  c.store.roll_pending_batches = static_cast<uint64_t>(
      out.integer("roll_pending_batches", c.store.roll_pending_batches, 0, 10'000'000));
  c.store.roll_pending_bytes =
      out.bytes("roll_pending_bytes", c.store.roll_pending_bytes, 0, 64ull << 30);
  c.store.max_open_files =
      static_cast<size_t>(out.integer("max_open_files", c.store.max_open_files, 1, 100'000));
  c.commit_interval =
      out.duration("commit_interval", c.commit_interval, std::chrono::milliseconds(10));
  c.output_modes = config::read_file_modes(out, c.output_modes);

  auto hours = r.section("hours");
  c.hours.lookback_ms = hours
                            .duration("lookback", std::chrono::milliseconds(c.hours.lookback_ms),
                                      std::chrono::minutes(1))
                            .count();
  c.hours.silent_timeout_ms =
      hours
          .duration("silent_timeout", std::chrono::milliseconds(c.hours.silent_timeout_ms),
                    std::chrono::seconds(1))
          .count();
  c.hours.idle_stream_ms =
      hours
          .duration("idle_stream_expiry", std::chrono::milliseconds(c.hours.idle_stream_ms),
                    std::chrono::minutes(1))
          .count();
  if (c.hours.idle_stream_ms < c.hours.silent_timeout_ms) {
    throw hours.error("idle_stream_expiry",
                      "must be at least silent_timeout (a stream that is still "
                      "expected must stay in memory)");
  }
  c.broker_limits = net::load_server_limits(r.section("connections"), c.broker_limits);
  c.broker_tuning = net::load_tuning(r.section("broker_socket"), c.broker_tuning);
  r.finish();
  return c;
}

}  // namespace ferry::consumer
