#pragma once
// A Clock the test moves by hand (tests/fakes: fakes shared by every test binary).

#include "common/base/clock.h"

namespace ferry::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimeMs start = 1'800'000'000'000) : now(start) {}
  TimeMs now_ms() const override { return now; }
  TimeMs now;
};

}  // namespace ferry::testing
