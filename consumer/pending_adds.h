#pragma once
// The batches one broker session handed to the store and that are not yet answered. The
// session reads no frame while max_pending_adds of them wait; each answer wakes it.
// Shared by the session and the store's callbacks; touched on the io thread only.

#include <cstdint>
#include <functional>

namespace ferry::consumer {

struct PendingAdds {
  uint32_t count = 0;
  std::function<void()> wake;  // the session's SessionReader::waker()

  void answered() {
    --count;
    if (wake) wake();
  }
};

}  // namespace ferry::consumer
