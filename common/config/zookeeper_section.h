#pragma once
// The [zookeeper] section, the same for every daemon (DESIGN §8). Absent or without
// `hosts`: no coordinator, static addresses only.
//
//   [zookeeper]
//   hosts = "zk1:2181,zk2:2181,zk3:2181"
//   root = "/ferry"            # one root per cluster
//   session_timeout = "10s"    # a dead process leaves the membership after this
//   advertise = "b1.dc1:7400"  # brokers, consumers: the address peers dial (default: listen)

#include <string>

#include "common/config/config_reader.h"
#include "common/zk/zk_options.h"

namespace ferry::config {

struct ZooKeeperSettings {
  zk::ZkOptions options;
  std::string advertise;  // empty unless given
};

// `with_advertise`: whether this daemon registers an address (brokers, consumers).
ZooKeeperSettings read_zookeeper_section(const ConfigReader& root, bool with_advertise);

}  // namespace ferry::config
