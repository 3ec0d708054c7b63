#pragma once
// How far from now an event time may be (issue: one line stamped 1970 once made the
// consumer walk every hour since then). Agents clamp times outside their window to the
// read time; brokers and consumers refuse headers outside theirs, which is wider, so a
// batch the agent built days ago and resends now is still accepted.

#include <chrono>

#include "common/base/clock.h"

namespace ferry::batch {

struct EventTimeWindow {
  std::chrono::milliseconds past{7LL * 24 * 3600 * 1000};
  std::chrono::milliseconds future{3600 * 1000};

  bool contains(TimeMs t, TimeMs now) const {
    return t >= now - past.count() && t <= now + future.count();
  }
};

// The receivers' default: 30 days back (agents may hold a backlog that long), 1 hour on.
constexpr EventTimeWindow kReceiverWindow{std::chrono::milliseconds(30LL * 24 * 3600 * 1000),
                                          std::chrono::milliseconds(3600 * 1000)};

}  // namespace ferry::batch
