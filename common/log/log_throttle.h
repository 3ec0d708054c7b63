#pragma once
// Lets one line of a kind through per interval and counts the ones held back, so a
// flood of identical events (thousands of connections refused from one address, accept
// failing with EMFILE) costs a line a second, not a line each.
//
// Not thread-safe: one per call site, used from one thread.

#include <chrono>
#include <cstddef>
#include <string>

namespace ferry::log {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LogThrottle(std::chrono::milliseconds interval = std::chrono::seconds(1))
      : interval_(interval) {}

  // True if this event should be logged; `held_back` is then the number of events not
  // logged since the last one that was.
  bool allow(size_t& held_back, Clock::time_point now = Clock::now()) {
    if (logged_once_ && now - last_ < interval_) {
      ++held_back_;
      return false;
    }
    logged_once_ = true;
    last_ = now;
    held_back = held_back_;
    held_back_ = 0;
    return true;
  }

  // " (N more since the last report)", or "" when none were held back.
  static std::string held_back_note(size_t held_back) {
    return held_back == 0 ? std::string()
                          : " (" + std::to_string(held_back) + " more since the last report)";
  }

 private:
  std::chrono::milliseconds interval_;
  Clock::time_point last_{};
  bool logged_once_ = false;
  size_t held_back_ = 0;
};

}  // namespace ferry::log
