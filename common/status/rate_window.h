#pragma once
// A per-second rate over a short sliding window: add() counts amounts into one-second
// buckets, per_second() divides what the last `window_s` complete seconds counted by
// their length. The current, unfinished second is left out, so a rate lags by under a
// second but does not dip at each second's start. Right after the first add() the window
// is shorter: it starts at the second of that first add().
//
// Not thread-safe: the owner serializes calls (the dashboards keep it under their mutex).

#include <cstdint>
#include <vector>

#include "common/base/clock.h"

namespace ferry::status {

class RateWindow {
 public:
  explicit RateWindow(int window_s = 10);

  void add(TimeMs now, uint64_t amount);
  double per_second(TimeMs now) const;
  int window_s() const { return static_cast<int>(buckets_.size()) - 1; }

 private:
  struct Bucket {
    int64_t second = -1;
    uint64_t amount = 0;
  };
  // window_s + 1 buckets: the complete seconds of the window and the current one.
  std::vector<Bucket> buckets_;
  int64_t first_second_ = -1;
};

}  // namespace ferry::status
