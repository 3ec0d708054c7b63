// The user-space WAN emulator (tests/support/wan_link.h) does what its options say: a
// round trip takes at least the configured delay, a transfer no less time than the rate
// allows, loss falls on the configured direction only, and a cut drops everything until
// the link returns (TCP then carries on). Needs root for its namespaces; skips without.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

#include "tests/support/net_namespace.h"
#include "tests/support/wan_link.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr uint16_t kPort = 5201;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {
    if (fd_ < 0)
      throw std::runtime_error(std::string("socket call failed: ") + std::strerror(errno));
  }
  ~Fd() { ::close(fd_); }
  int get() const { return fd_; }

 private:
  int fd_;
};

sockaddr_in address(const std::string& ip) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(kPort);
  ::inet_pton(AF_INET, ip.c_str(), &sa.sin_addr);
  return sa;
}

void set_congestion(int fd, const std::string& cc) {
  ::setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc.data(), cc.size());
}

// Accepts one connection on `ip` and hands it to `serve`. `ready` flips once listening.
void serve_one(const std::string& ip, std::atomic<bool>& ready,
               const std::function<void(int)>& serve) {
  Fd l(::socket(AF_INET, SOCK_STREAM, 0));
  int one = 1;
  ::setsockopt(l.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto sa = address(ip);
  if (::bind(l.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    throw std::runtime_error("bind failed");
  ::listen(l.get(), 1);
  ready = true;
  Fd c(::accept(l.get(), nullptr, nullptr));
  serve(c.get());
}

int connect_to(const std::string& ip, const std::string& cc = "") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (!cc.empty()) set_congestion(fd, cc);
  auto sa = address(ip);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    throw std::runtime_error("connect to " + ip + " failed: " + std::strerror(errno));
  }
  return fd;
}

void send_all(int fd, size_t bytes) {
  std::string chunk(64 * 1024, 'w');
  while (bytes > 0) {
    const ssize_t n = ::send(fd, chunk.data(), std::min(bytes, chunk.size()), MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed");
    bytes -= static_cast<size_t>(n);
  }
}

size_t receive_all(int fd) {
  size_t total = 0;
  char buf[65536];
  while (true) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return total;
    total += static_cast<size_t>(n);
  }
}

// Sends `bytes` from namespace a to b over the link; returns the seconds it took and
// the bytes that arrived.
std::pair<double, size_t> transfer(const NetNamespace& a, const NetNamespace& b,
                                   const WanLink& link, size_t bytes,
                                   const std::function<void()>& during = {}) {
  std::atomic<bool> ready{false};
  size_t received = 0;
  std::thread server([&] {
    b.run_in([&] { serve_one(link.b_addr(), ready, [&](int fd) { received = receive_all(fd); }); });
  });
  while (!ready) std::this_thread::sleep_for(1ms);
  const auto start = Clock::now();
  std::thread side;
  if (during) side = std::thread(during);
  a.run_in([&] {
    Fd c(connect_to(link.b_addr(), "bbr"));
    send_all(c.get(), bytes);
    ::shutdown(c.get(), SHUT_WR);
    char x;
    (void)::recv(c.get(), &x, 1, 0);  // the server's close: everything arrived
  });
  server.join();
  if (side.joinable()) side.join();
  return {std::chrono::duration<double>(Clock::now() - start).count(), received};
}

class WanLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = netns_unavailable_reason();
    if (!why.empty()) GTEST_SKIP() << "skipped: " << why;
    a_ = std::make_unique<NetNamespace>("a");
    b_ = std::make_unique<NetNamespace>("b");
  }
  std::unique_ptr<WanLink> link(WanLinkOptions o) {
    return std::make_unique<WanLink>(*a_, "10.77.0.1", *b_, "10.77.0.2", o);
  }
  std::unique_ptr<NetNamespace> a_, b_;
};

TEST_F(WanLinkTest, ARoundTripTakesTheConfiguredDelay) {
  auto l = link(wan(100ms, 0, 0));
  std::atomic<bool> ready{false};
  std::thread server([&] {
    b_->run_in([&] {
      serve_one(l->b_addr(), ready, [](int fd) {
        char x;
        while (::recv(fd, &x, 1, 0) == 1) ::send(fd, &x, 1, MSG_NOSIGNAL);
      });
    });
  });
  while (!ready) std::this_thread::sleep_for(1ms);
  double min_rtt = 1e9;
  a_->run_in([&] {
    Fd c(connect_to(l->b_addr()));
    int one = 1;
    ::setsockopt(c.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    for (int i = 0; i < 5; ++i) {
      const auto start = Clock::now();
      char x = 'p';
      ASSERT_EQ(::send(c.get(), &x, 1, MSG_NOSIGNAL), 1);
      ASSERT_EQ(::recv(c.get(), &x, 1, 0), 1);
      min_rtt = std::min(min_rtt,
                         std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
  });
  server.join();
  std::printf("min RTT over the link: %.1f ms (configured 100)\n", min_rtt);
  EXPECT_GE(min_rtt, 99.0);
  EXPECT_LT(min_rtt, 1000.0) << "the emulator holds packets far longer than its delay";
}

TEST_F(WanLinkTest, ATransferTakesNoLessThanTheRateAllows) {
  constexpr size_t kBytes = 5'000'000;
  constexpr double kRate = 20e6;
  auto l = link(wan(20ms, static_cast<uint64_t>(kRate), 0));
  auto [seconds, received] = transfer(*a_, *b_, *l, kBytes);
  EXPECT_EQ(received, kBytes);
  const double goodput = kBytes * 8 / seconds;
  std::printf("goodput %.1f Mbit/s over a 20 Mbit/s link\n", goodput / 1e6);
  EXPECT_LE(goodput, kRate) << "the rate limit lets more through than configured";
  EXPECT_GT(l->a_to_b().forwarded_bytes, kBytes);
}

TEST_F(WanLinkTest, LossFallsOnItsDirectionOnly) {
  WanLinkOptions o = wan(10ms, 0, 0);
  o.a_to_b.loss = 0.05;
  auto l = link(o);
  auto [seconds, received] = transfer(*a_, *b_, *l, 2'000'000);
  EXPECT_EQ(received, 2'000'000u) << "TCP recovers what the link drops";
  EXPECT_GT(l->a_to_b().lost, 0u);
  EXPECT_EQ(l->b_to_a().lost, 0u);
}

TEST_F(WanLinkTest, ACutDropsEverythingUntilTheLinkReturns) {
  auto l = link(wan(10ms, 20'000'000, 0));
  auto [seconds, received] = transfer(*a_, *b_, *l, 4'000'000, [&] {
    std::this_thread::sleep_for(300ms);
    l->cut(true);
    std::this_thread::sleep_for(2s);
    l->cut(false);
  });
  EXPECT_EQ(received, 4'000'000u);
  EXPECT_GT(l->a_to_b().cut_dropped, 0u);
  EXPECT_GE(seconds, 2.0);
}

}  // namespace
}  // namespace ferry::testing
