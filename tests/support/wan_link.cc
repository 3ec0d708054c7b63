#include "tests/support/wan_link.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <random>
#include <stdexcept>
#include <vector>

namespace ferry::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Opens a TUN device inside `ns` (the device lives where it was created; the fd works
// from any namespace). Returns the fd, nonblocking.
int open_tun(const NetNamespace& ns, const std::string& ifname) {
  int fd = -1;
  ns.run_in([&] {
    fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
      throw std::runtime_error(std::string("cannot open /dev/net/tun: ") + std::strerror(errno));
    ifreq ifr{};
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
    if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
      const int err = errno;
      ::close(fd);
      fd = -1;
      throw std::runtime_error("cannot make TUN device " + ifname + " in " + ns.name() + ": " +
                               std::strerror(err));
    }
  });
  return fd;
}

// A name for the TUN device unique within its namespace: "wan-<peer address>".
std::string tun_name(const std::string& peer) {
  std::string name = "w" + peer;
  std::replace(name.begin(), name.end(), '.', '-');
  return name.substr(0, IFNAMSIZ - 1);
}

void configure(const NetNamespace& ns, const std::string& ifname, const std::string& addr,
               const std::string& peer, uint32_t mtu) {
  ns.ip("addr add " + addr + " peer " + peer + " dev " + ifname);
  ns.ip("link set " + ifname + " mtu " + std::to_string(mtu) + " up");
}

}  // namespace

WanLinkOptions wan(std::chrono::milliseconds rtt, uint64_t rate_bits, double loss) {
  WanLinkOptions o;
  const auto one_way = std::chrono::duration_cast<std::chrono::microseconds>(rtt) / 2;
  o.a_to_b = {one_way, {}, loss};
  o.b_to_a = {one_way, {}, loss};
  o.rate_bits = rate_bits;
  return o;
}

WanLink::WanLink(const NetNamespace& a, std::string a_addr, const NetNamespace& b,
                 std::string b_addr, WanLinkOptions options)
    : a_addr_(std::move(a_addr)), b_addr_(std::move(b_addr)), options_(options) {
  const std::string if_a = tun_name(b_addr_), if_b = tun_name(a_addr_);
  fd_a_ = open_tun(a, if_a);
  try {
    fd_b_ = open_tun(b, if_b);
    configure(a, if_a, a_addr_, b_addr_, options_.mtu);
    configure(b, if_b, b_addr_, a_addr_, options_.mtu);
  } catch (...) {
    ::close(fd_a_);
    if (fd_b_ >= 0) ::close(fd_b_);
    throw;
  }
  a_to_b_thread_ =
      std::thread([this] { forward(fd_a_, fd_b_, options_.a_to_b, options_.seed, stats_[0]); });
  b_to_a_thread_ =
      std::thread([this] { forward(fd_b_, fd_a_, options_.b_to_a, options_.seed + 1, stats_[1]); });
}

WanLink::~WanLink() {
  stop_ = true;
  a_to_b_thread_.join();
  b_to_a_thread_.join();
  ::close(fd_a_);
  ::close(fd_b_);
}

WanCounters WanLink::counters(int dir) const {
  const Stats& s = stats_[dir];
  return {s.forwarded, s.forwarded_bytes, s.lost, s.queue_dropped, s.cut_dropped};
}

void WanLink::forward(int from_fd, int to_fd, const WanDirection& dir, uint64_t seed,
                      Stats& stats) {
  struct Packet {
    Clock::time_point due;
    std::vector<char> bytes;
  };
  std::deque<Packet> in_flight;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const double ns_per_byte = options_.rate_bits ? 8e9 / static_cast<double>(options_.rate_bits) : 0;
  // Drop-tail limit: by default one bandwidth-delay product of the round trip.
  const auto rtt = options_.a_to_b.delay + options_.b_to_a.delay;
  const uint64_t queue_limit =
      options_.queue_bytes
          ? options_.queue_bytes
          : std::max<uint64_t>(64 * 1024, options_.rate_bits / 8 * rtt.count() / 1000000);
  Clock::time_point link_free = Clock::now();  // when the rate limiter has sent all it holds
  Clock::time_point last_due = link_free;
  std::vector<char> buf(65536);

  while (!stop_) {
    auto now = Clock::now();
    while (!in_flight.empty() && in_flight.front().due <= now) {
      if (cut_) {
        ++stats.cut_dropped;
      } else {
        // A full TUN queue on the far side drops the packet, as a router would.
        if (::write(to_fd, in_flight.front().bytes.data(), in_flight.front().bytes.size()) > 0) {
          ++stats.forwarded;
          stats.forwarded_bytes += in_flight.front().bytes.size();
        }
      }
      in_flight.pop_front();
    }
    auto wait = in_flight.empty() ? std::chrono::nanoseconds(std::chrono::milliseconds(50))
                                  : std::chrono::nanoseconds(in_flight.front().due - now);
    wait = std::clamp(wait, std::chrono::nanoseconds(0),
                      std::chrono::nanoseconds(std::chrono::milliseconds(50)));
    timespec ts{static_cast<time_t>(wait.count() / 1000000000),
                static_cast<long>(wait.count() % 1000000000)};
    pollfd p{from_fd, POLLIN, 0};
    if (::ppoll(&p, 1, &ts, nullptr) <= 0) continue;
    while (true) {
      const ssize_t n = ::read(from_fd, buf.data(), buf.size());
      if (n <= 0) break;
      now = Clock::now();
      if (cut_) {
        ++stats.cut_dropped;
        continue;
      }
      if (dir.loss > 0 && uniform(rng) < dir.loss) {
        ++stats.lost;
        continue;
      }
      if (link_free < now) link_free = now;
      if (ns_per_byte > 0) {
        const double backlog_bytes =
            std::chrono::duration<double, std::nano>(link_free - now).count() / ns_per_byte;
        if (backlog_bytes + static_cast<double>(n) > static_cast<double>(queue_limit)) {
          ++stats.queue_dropped;
          continue;
        }
        link_free +=
            std::chrono::nanoseconds(static_cast<int64_t>(ns_per_byte * static_cast<double>(n)));
      }
      auto due = link_free + dir.delay;
      if (dir.jitter.count() > 0) {
        due += std::chrono::microseconds(
            static_cast<int64_t>(uniform(rng) * static_cast<double>(dir.jitter.count())));
      }
      due = std::max(due, last_due);  // jitter never reorders
      last_due = due;
      in_flight.push_back({due, std::vector<char>(buf.data(), buf.data() + n)});
    }
  }
}

}  // namespace ferry::testing
