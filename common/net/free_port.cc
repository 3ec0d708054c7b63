#include "common/net/free_port.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>

namespace ferry::net {
namespace {

constexpr uint16_t kLowest = 10'000;

// Binds 127.0.0.1:port (0: the kernel picks) and returns the bound port, 0 if taken.
uint16_t try_bind(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  uint16_t bound = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    socklen_t len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      bound = ntohs(addr.sin_port);
  }
  ::close(fd);
  return bound;
}

uint16_t ephemeral_low() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  unsigned low = 0;
  return in >> low ? static_cast<uint16_t>(low) : 32768;
}

}  // namespace

uint16_t free_loopback_port() {
  // Never the same port twice in one process: a cluster's daemons bind theirs only later.
  static std::mutex mu;
  static std::set<uint16_t> given;
  std::lock_guard lock(mu);
  const uint16_t high = ephemeral_low();
  if (high > kLowest + 1000) {
    static std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<unsigned> pick(kLowest, high - 1u);
    for (int attempt = 0; attempt < 100; ++attempt) {
      const auto port = static_cast<uint16_t>(pick(rng));
      if (!given.contains(port) && try_bind(port) == port) {
        given.insert(port);
        return port;
      }
    }
  }
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (uint16_t port = try_bind(0); port != 0 && given.insert(port).second) return port;
  }
  throw std::runtime_error("no free loopback port");
}

}  // namespace ferry::net
