#pragma once
// Where a process finds ZooKeeper ([zookeeper] in every daemon's config). Empty `hosts`
// means no coordinator: static addresses only (the embedded default).

#include <chrono>
#include <string>

namespace ferry::zk {

struct ZkOptions {
  std::string hosts;            // "host:port,host:port"
  std::string root = "/ferry";  // every node lives under it; one root per cluster
  std::chrono::milliseconds session_timeout{10000};

  bool enabled() const { return !hosts.empty(); }
};

}  // namespace ferry::zk
