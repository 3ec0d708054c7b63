#include "tests/support/tcp_goodput.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <thread>

namespace ferry::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint16_t kPort = 5202;

sockaddr_in address(const std::string& ip) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(kPort);
  if (::inet_pton(AF_INET, ip.c_str(), &sa.sin_addr) != 1)
    throw std::runtime_error("bad address " + ip);
  return sa;
}

}  // namespace

double tcp_goodput(const NetNamespace& from, const NetNamespace& to, const std::string& to_addr,
                   const std::string& congestion, std::chrono::seconds duration) {
  std::atomic<bool> ready{false}, failed{false};
  uint64_t received = 0;
  std::thread server([&] {
    to.run_in([&] {
      const int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      int one = 1;
      ::setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      auto sa = address(to_addr);
      if (::bind(l, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(l, 1) != 0) {
        failed = true;
        ready = true;
        ::close(l);
        return;
      }
      timeval wait{10, 0};  // accept gives up when the sender cannot connect
      ::setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
      ready = true;
      const int c = ::accept(l, nullptr, nullptr);
      ::close(l);
      if (c < 0) return;
      timeval tv{0, 100'000};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      const auto end = Clock::now() + duration;
      static thread_local char buf[1 << 16];
      while (Clock::now() < end) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n == 0) break;
        if (n > 0) received += static_cast<uint64_t>(n);
      }
      linger lg{1, 0};  // reset: the sender stops at once
      ::setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      ::close(c);
    });
  });
  while (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (failed) {
    server.join();
    throw std::runtime_error("cannot listen on " + to_addr);
  }
  std::exception_ptr error;
  try {
    from.run_in([&] {
      const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (::setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, congestion.data(), congestion.size()) != 0) {
        ::close(s);
        throw std::runtime_error("congestion control " + congestion +
                                 " refused: " + std::strerror(errno));
      }
      timeval tv{1, 0};
      ::setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      auto sa = address(to_addr);
      if (::connect(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        ::close(s);
        throw std::runtime_error("cannot connect to " + to_addr);
      }
      const std::string chunk(1 << 16, 'g');
      const auto give_up = Clock::now() + duration + std::chrono::seconds(10);
      while (Clock::now() < give_up) {
        const ssize_t n = ::send(s, chunk.data(), chunk.size(), MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) break;
      }
      ::close(s);
    });
  } catch (...) {
    error = std::current_exception();
  }
  server.join();
  if (error) std::rethrow_exception(error);
  return static_cast<double>(received) * 8 / std::chrono::duration<double>(duration).count();
}

}  // namespace ferry::testing
