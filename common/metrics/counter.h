#pragma once
// Counter: a monotonically increasing count (events sent, batches stored). Lock-free;
// any thread may call inc().

#include <atomic>
#include <cstdint>

namespace ferry::metrics {

class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

}  // namespace ferry::metrics
