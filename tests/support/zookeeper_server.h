#pragma once
// A real ZooKeeper server for one test: Debian's package, a free loopback port, a data
// dir under the test's temp dir. Killed (SIGKILL) or stopped and restarted on the same
// port and data, so sessions can survive or expire as the test needs.

#include <cstdint>
#include <memory>
#include <string>

#include "common/zk/zk_client.h"
#include "tests/support/process.h"

namespace ferry::testing {

class ZooKeeperServer {
 public:
  // Starts the server and waits until it answers `ruok`; fails the test otherwise.
  explicit ZooKeeperServer(std::string dir);
  ~ZooKeeperServer();

  std::string hosts() const { return "127.0.0.1:" + std::to_string(port_); }
  uint16_t port() const { return port_; }
  void kill9();
  // Same port, same data: sessions younger than their timeout resume.
  void restart();
  // Ends the session as the server would at expiry: a second handle joins it and
  // closes it. The owner then sees its session expired.
  void expire(const zk::SessionCredentials& session);

 private:
  void start();

  std::string dir_;
  uint16_t port_;
  std::string cfg_;
  std::unique_ptr<Process> process_;
  int starts_ = 0;
};

}  // namespace ferry::testing
