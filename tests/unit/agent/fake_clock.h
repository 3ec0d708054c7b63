#pragma once
// Test helper: a Clock the test moves by hand.

#include "common/base/clock.h"

namespace ferry::agent::testing {

class FakeClock final : public Clock {
 public:
  TimeMs now_ms() const override { return now; }
  TimeMs now = 1'800'000'000'000;
};

}  // namespace ferry::agent::testing
