#pragma once
// Histogram: counts observations into fixed buckets (upper bounds, "le"), plus their sum
// and count, as Prometheus expects. observe() is lock-free; any thread may call it.
// A snapshot taken while others observe may be off by the in-flight observations, never
// torn within one counter.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace ferry::metrics {

class Histogram {
 public:
  // `bounds` must be finite and strictly increasing; +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);

  // NaN is ignored.
  void observe(double v);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1, not cumulative
  std::atomic<double> sum_{0.0};
};

// 0.005 .. 10 (seconds), the Prometheus client default.
std::vector<double> default_buckets();
// start, start*factor, ... (`count` bounds).
std::vector<double> exponential_buckets(double start, double factor, int count);

}  // namespace ferry::metrics
