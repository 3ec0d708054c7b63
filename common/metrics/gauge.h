#pragma once
// Gauge: a value that goes up and down (unacked events, lag seconds). Lock-free; any
// thread may call set()/add().

#include <atomic>

namespace ferry::metrics {

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

}  // namespace ferry::metrics
