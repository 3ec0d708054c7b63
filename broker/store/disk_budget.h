#pragma once
// Whether the broker's store may take more ingest: disk usage against a configured
// budget, plus a flag raised by a real ENOSPC. Ingest stops while over_budget() is true;
// acks, forwarding and mark_committed keep going.
//
// The flag is cleared by the next successful write or once usage has dropped clearly
// below what it was when the disk filled. Usage is sampled by refresh() (a directory
// listing), so over_budget() itself is two atomic loads, cheap enough to ask per frame.
// Thread-safe.

#include <atomic>
#include <cstdint>
#include <functional>
#include <system_error>

namespace ferry::broker::store {

class DiskBudget {
 public:
  // `measure` returns the bytes the store uses on disk now.
  DiskBudget(uint64_t budget_bytes, std::function<uint64_t()> measure);

  bool over_budget() const;
  bool out_of_space() const { return no_space_.load(std::memory_order_relaxed); }
  uint64_t used_bytes() const { return used_.load(std::memory_order_relaxed); }
  uint64_t budget_bytes() const { return budget_.load(std::memory_order_relaxed); }
  void set_budget(uint64_t bytes) { budget_.store(bytes, std::memory_order_relaxed); }

  // Samples disk usage now; returns it.
  uint64_t refresh();
  // Records the result of a write: kNoSpace raises the flag, success clears it.
  void on_write(const std::error_code& ec);

 private:
  std::function<uint64_t()> measure_;
  std::atomic<uint64_t> budget_;  // 0 = unlimited
  std::atomic<uint64_t> used_{0};
  std::atomic<uint64_t> used_at_no_space_{0};
  std::atomic<bool> no_space_{false};
};

}  // namespace ferry::broker::store
