#pragma once
// A WAN link emulated in user space between two network namespaces, for tests and
// benchmarks (this kernel has no sch_netem). Each side gets a TUN device with a
// point-to-point address; two threads (one per direction) read IP packets from one TUN
// and write them to the other after applying, in this order: the cut switch, random
// loss, a rate limit with a bounded drop-tail queue, then one-way delay plus jitter
// (packets never overtake each other). TCP in the namespaces sees a real long, lossy link
// (its congestion control, retransmissions and timeouts run as on a WAN).
//
// Only the two namespaces' own addresses are routed over the link.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "tests/support/net_namespace.h"

namespace ferry::testing {

struct WanDirection {
  std::chrono::microseconds delay{0};   // one way
  std::chrono::microseconds jitter{0};  // uniform in [0, jitter], added to delay
  double loss = 0;                      // probability a packet is dropped, 0..1
};

struct WanLinkOptions {
  WanDirection a_to_b, b_to_a;
  uint64_t rate_bits = 0;    // per direction; 0: unlimited
  uint64_t queue_bytes = 0;  // drop-tail limit of the rate queue; 0: one bandwidth-delay product
  uint32_t mtu = 1500;
  uint64_t seed = 1;
};

// Symmetric options: `rtt` split evenly, the same loss both ways.
WanLinkOptions wan(std::chrono::milliseconds rtt, uint64_t rate_bits, double loss);

struct WanCounters {
  uint64_t forwarded = 0, forwarded_bytes = 0, lost = 0, queue_dropped = 0, cut_dropped = 0;
};

class WanLink {
 public:
  // Makes a TUN device in each namespace: in `a` address `a_addr` with peer `b_addr`,
  // in `b` the reverse (IPv4 dotted quads). Throws when a step fails.
  WanLink(const NetNamespace& a, std::string a_addr, const NetNamespace& b, std::string b_addr,
          WanLinkOptions options);
  ~WanLink();
  WanLink(const WanLink&) = delete;
  WanLink& operator=(const WanLink&) = delete;

  // While cut every packet is dropped (both ways), as on a link that is down.
  void cut(bool on) { cut_ = on; }
  WanCounters a_to_b() const { return counters(0); }
  WanCounters b_to_a() const { return counters(1); }
  const std::string& a_addr() const { return a_addr_; }
  const std::string& b_addr() const { return b_addr_; }

 private:
  struct Stats {
    std::atomic<uint64_t> forwarded{0}, forwarded_bytes{0}, lost{0}, queue_dropped{0},
        cut_dropped{0};
  };
  void forward(int from_fd, int to_fd, const WanDirection& dir, uint64_t seed, Stats& stats);
  WanCounters counters(int dir) const;

  std::string a_addr_, b_addr_;
  WanLinkOptions options_;
  int fd_a_ = -1, fd_b_ = -1;
  std::atomic<bool> cut_{false}, stop_{false};
  std::array<Stats, 2> stats_;
  std::thread a_to_b_thread_, b_to_a_thread_;
};

}  // namespace ferry::testing
