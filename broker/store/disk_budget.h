#pragma once
// Whether the broker's store may take more ingest: disk usage against a configured
// budget, free space on the filesystem against a reserve, plus the latch a real ENOSPC
// raises. Ingest stops while over_budget() is true; acks, forwarding and mark_committed
// keep going. The reserve exists so that the filesystem never fills in the first place:
// moving committed batches to retention and RocksDB's compactions need room too.
//
// The latch (out_of_space) also stops every write: RocksDB's WAL writer is not to be
// used again after a failed append. Only a successful write clears it, the store's probe
// after DB::Resume (BatchStore::try_resume). Usage is sampled by refresh() (a directory
// listing), so over_budget() itself is a few atomic loads, cheap enough per frame.
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

  // Ingest also stops while fewer than `min_free_bytes` are free, as `measure_free` says
  // (statvfs of the store's directory). 0 = no reserve.
  void set_reserve(uint64_t min_free_bytes, std::function<uint64_t()> measure_free);
  uint64_t free_bytes() const { return free_.load(std::memory_order_relaxed); }
  uint64_t min_free_bytes() const { return min_free_.load(std::memory_order_relaxed); }

  // Samples disk usage (and free space) now; returns the usage.
  uint64_t refresh();
  // Records the result of a write: kNoSpace raises the latch (true if it was down),
  // success clears it, other errors leave it as it is.
  bool on_write(const std::error_code& ec);

 private:
  std::function<uint64_t()> measure_;
  std::function<uint64_t()> measure_free_;
  std::atomic<uint64_t> min_free_{0};
  std::atomic<uint64_t> free_{UINT64_MAX};
  std::atomic<uint64_t> budget_;  // 0 = unlimited
  std::atomic<uint64_t> used_{0};
  std::atomic<bool> no_space_{false};
};

}  // namespace ferry::broker::store
