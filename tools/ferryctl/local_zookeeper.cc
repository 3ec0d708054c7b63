#include "tools/ferryctl/local_zookeeper.h"

#include <filesystem>
#include <stdexcept>
#include <thread>

#include "common/net/asio.h"
#include "common/storage/durable_file.h"

namespace ferry::ferryctl {

namespace {

// What ZooKeeperServerMain 3.8 loads, as Debian installs it.
constexpr const char* kJars[] = {
    "zookeeper",
    "zookeeper-jute",
    "slf4j-api",
    "slf4j-nop",
    "netty-handler",
    "netty-common",
    "netty-buffer",
    "netty-transport",
    "netty-codec",
    "netty-resolver",
    "netty-transport-native-epoll",
    "netty-transport-native-unix-common",
    "metrics-core",
    "commons-cli",
};

}  // namespace

std::string write_zoo_cfg(const std::string& dir, uint16_t port) {
  std::filesystem::create_directories(dir + "/data");
  const std::string cfg = dir + "/zoo.cfg";
  // tickTime 500 ms: sessions may be as short as 1 s, so expiry tests stay quick.
  const std::string text =
      "tickTime=500\n"
      "minSessionTimeout=1000\n"
      "dataDir=" +
      dir +
      "/data\n"
      "clientPort=" +
      std::to_string(port) +
      "\n"
      "clientPortAddress=127.0.0.1\n"
      "admin.enableServer=false\n"
      "4lw.commands.whitelist=ruok,srvr,stat\n";
  auto written = storage::durable_write(cfg, text);
  if (!written) throw std::runtime_error("cannot write " + cfg + ": " + written.error().message());
  return cfg;
}

std::vector<std::string> zookeeper_argv(const std::string& zoo_cfg) {
  std::string classpath;
  for (const char* jar : kJars) {
    if (!classpath.empty()) classpath += ':';
    classpath += std::string("/usr/share/java/") + jar + ".jar";
  }
  return {"/usr/bin/java",
          "-Xmx256m",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-Dzookeeper.jmx.log4j.disable=true",
          "-cp",
          classpath,
          "org.apache.zookeeper.server.ZooKeeperServerMain",
          zoo_cfg};
}

bool zookeeper_ready(uint16_t port) {
  try {
    asio::io_context io;
    asio::ip::tcp::socket s(io);
    s.connect({asio::ip::make_address("127.0.0.1"), port});
    asio::write(s, asio::buffer(std::string("ruok")));
    std::string reply(4, '\0');
    asio::read(s, asio::buffer(reply));
    return reply == "imok";
  } catch (const std::exception&) {
    return false;
  }
}

bool wait_zookeeper_ready(uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (zookeeper_ready(port)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace ferry::ferryctl
