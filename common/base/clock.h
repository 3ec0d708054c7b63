#pragma once
// Time as milliseconds since the Unix epoch (UTC) everywhere on the wire and on disk.
// Clock is an interface so tests can inject a fake one.

#include <chrono>
#include <cstdint>

namespace ferry {

using TimeMs = int64_t;

constexpr TimeMs kMsPerHour = 3'600'000;

inline TimeMs hour_start(TimeMs t) { return t - ((t % kMsPerHour) + kMsPerHour) % kMsPerHour; }

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
