#pragma once
// Time as milliseconds since the Unix epoch (UTC) everywhere on the wire and on disk.
// Clock is an interface so tests can inject a fake one.

#include <chrono>
#include <cstdint>
#include <limits>

namespace ferry {

using TimeMs = int64_t;

constexpr TimeMs kMsPerHour = 3'600'000;

// The start of t's UTC hour. Times come from peers, so any int64 is possible: in the
// range's first, partial hour the true start is not representable, and the result
// saturates at the lowest TimeMs instead of overflowing.
inline TimeMs hour_start(TimeMs t) {
  const TimeMs into_hour = t % kMsPerHour;  // (-1 h, 1 h)
  if (into_hour >= 0) return t - into_hour;
  if (t < std::numeric_limits<TimeMs>::min() + kMsPerHour)
    return std::numeric_limits<TimeMs>::min();
  return t - into_hour - kMsPerHour;
}

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static const SystemClock& instance() {
    static SystemClock clock;
    return clock;
  }
};

}  // namespace ferry
