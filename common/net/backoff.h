#pragma once
// Exponential backoff with full jitter for reconnects: the n-th delay is uniform in
// [initial, min(max, initial * 2^n)], so a fleet of agents that lost the same broker
// does not come back in lockstep.

#include <algorithm>
#include <chrono>
#include <random>

namespace ferry::net {

class Backoff {
 public:
  using Duration = std::chrono::milliseconds;

  Backoff(Duration initial, Duration max, uint64_t seed = std::random_device{}())
      : initial_(initial), max_(max), rng_(seed) {}

  Duration next() {
    auto ceiling = std::min<int64_t>(max_.count(), initial_.count() << std::min(attempt_, 20));
    ++attempt_;
    std::uniform_int_distribution<int64_t> pick(initial_.count(),
                                                std::max(initial_.count(), ceiling));
    return Duration(pick(rng_));
  }
  void reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

 private:
  Duration initial_;
  Duration max_;
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace ferry::net
