#include "common/status/rate_window.h"

#include <algorithm>

#include "common/base/assert.h"

namespace ferry::status {
namespace {

int64_t second_of(TimeMs t) { return t >= 0 ? t / 1000 : (t - 999) / 1000; }

}  // namespace

RateWindow::RateWindow(int window_s) : buckets_(static_cast<size_t>(window_s) + 1) {
  FERRY_RELEASE_ASSERT(window_s >= 1);
}

void RateWindow::add(TimeMs now, uint64_t amount) {
  int64_t s = second_of(now);
  if (first_second_ < 0 || s < first_second_) first_second_ = s;
  auto& b = buckets_[static_cast<size_t>(s % static_cast<int64_t>(buckets_.size()))];
  if (b.second != s) b = Bucket{s, 0};
  b.amount += amount;
}

double RateWindow::per_second(TimeMs now) const {
  if (first_second_ < 0) return 0.0;
  int64_t current = second_of(now);
  int64_t window = window_s();
  // Complete seconds in [current - window, current - 1], not before the first add().
  int64_t from = std::max(current - window, first_second_);
  int64_t seconds = current - from;
  if (seconds <= 0) return 0.0;
  uint64_t sum = 0;
  for (const auto& b : buckets_) {
    if (b.second >= from && b.second < current) sum += b.amount;
  }
  return static_cast<double>(sum) / static_cast<double>(seconds);
}

}  // namespace ferry::status
