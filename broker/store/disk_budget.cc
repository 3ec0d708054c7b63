#include "broker/store/disk_budget.h"

#include "common/storage/errc.h"

namespace ferry::broker::store {

DiskBudget::DiskBudget(uint64_t budget_bytes, std::function<uint64_t()> measure)
    : measure_(std::move(measure)), budget_(budget_bytes) {
  used_.store(measure_(), std::memory_order_relaxed);
}

void DiskBudget::set_reserve(uint64_t min_free_bytes, std::function<uint64_t()> measure_free) {
  measure_free_ = std::move(measure_free);
  min_free_.store(min_free_bytes, std::memory_order_relaxed);
  if (measure_free_) free_.store(measure_free_(), std::memory_order_relaxed);
}

bool DiskBudget::over_budget() const {
  if (no_space_.load(std::memory_order_relaxed)) return true;
  if (free_.load(std::memory_order_relaxed) < min_free_.load(std::memory_order_relaxed))
    return true;
  uint64_t budget = budget_.load(std::memory_order_relaxed);
  return budget != 0 && used_.load(std::memory_order_relaxed) >= budget;
}

uint64_t DiskBudget::refresh() {
  uint64_t used = measure_();
  used_.store(used, std::memory_order_relaxed);
  if (measure_free_) free_.store(measure_free_(), std::memory_order_relaxed);
  return used;
}

bool DiskBudget::on_write(const std::error_code& ec) {
  if (!ec) {
    no_space_.store(false, std::memory_order_relaxed);
    return false;
  }
  return ec == storage::Errc::kNoSpace && !no_space_.exchange(true, std::memory_order_relaxed);
}

}  // namespace ferry::broker::store
