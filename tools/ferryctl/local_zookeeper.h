#pragma once
// A standalone ZooKeeper server from Debian's `zookeeper` package on a loopback port,
// for `ferryctl cluster up --zookeeper` and the tests: a zoo.cfg with a private data
// dir, the java command line that runs it, and the `ruok` readiness probe. Starts in
// well under a second; stop it by pid (SIGTERM).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace ferry::ferryctl {

// Writes DIR/zoo.cfg (data in DIR/data) for 127.0.0.1:port; returns its path. Throws
// std::runtime_error when DIR cannot be written.
std::string write_zoo_cfg(const std::string& dir, uint16_t port);

// argv for the server (java is /usr/bin/java; the jars come from /usr/share/java).
std::vector<std::string> zookeeper_argv(const std::string& zoo_cfg);

// True once the server on 127.0.0.1:port answers `ruok` with `imok`.
bool zookeeper_ready(uint16_t port);
bool wait_zookeeper_ready(uint16_t port, std::chrono::milliseconds timeout);

}  // namespace ferry::ferryctl
