#include "tests/support/zookeeper_server.h"

#include <zookeeper/zookeeper.h>

#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "common/net/free_port.h"
#include "tools/ferryctl/local_zookeeper.h"

namespace ferry::testing {

ZooKeeperServer::ZooKeeperServer(std::string dir)
    : dir_(std::move(dir)), port_(net::free_loopback_port()) {
  cfg_ = ferryctl::write_zoo_cfg(dir_, port_);
  start();
}

ZooKeeperServer::~ZooKeeperServer() {
  if (process_) {
    process_->terminate();
    process_->wait(std::chrono::seconds(5));
  }
}

void ZooKeeperServer::start() {
  auto argv = ferryctl::zookeeper_argv(cfg_);
  const std::string binary = argv.front();
  argv.erase(argv.begin());
  process_ = std::make_unique<Process>(binary, argv,
                                       dir_ + "/zookeeper." + std::to_string(++starts_) + ".log");
  ASSERT_TRUE(ferryctl::wait_zookeeper_ready(port_, std::chrono::seconds(30)))
      << "ZooKeeper did not answer ruok on port " << port_ << "; see " << process_->log_path();
}

void ZooKeeperServer::kill9() {
  if (process_) process_->kill9();
}

void ZooKeeperServer::restart() {
  kill9();
  if (process_) process_->wait(std::chrono::seconds(5));
  start();
}

void ZooKeeperServer::expire(const zk::SessionCredentials& session) {
  ASSERT_NE(session.id, 0) << "no session to expire";
  clientid_t id{};
  id.client_id = session.id;
  std::memcpy(id.passwd, session.password.data(),
              std::min(sizeof(id.passwd), session.password.size()));
  zhandle_t* zh = zookeeper_init(hosts().c_str(), nullptr, 10000, &id, nullptr, 0);
  ASSERT_NE(zh, nullptr);
  const bool joined =
      wait_until([&] { return zoo_state(zh) == ZOO_CONNECTED_STATE; }, std::chrono::seconds(10));
  zookeeper_close(zh);
  ASSERT_TRUE(joined) << "could not join session " << session.id;
}

}  // namespace ferry::testing
